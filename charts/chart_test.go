package charts

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/bulkhead-dev/bulkhead/internal/tenancy"

	"github.com/google/go-cmp/cmp"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/lint"
	"helm.sh/helm/v3/pkg/lint/support"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	rbacv1 "k8s.io/api/rbac/v1"

	"github.com/bulkhead-dev/bulkhead/internal/admission"
)

// The chart's RBAC is deploy/'s, in the release's namespace: the
// webhook's read-only ClusterRole and certificate Role of
// deploy/webhook.yaml, and with the controller enabled the ClusterRole of
// deploy/controller-rbac.yaml, bound to the server's own service account.
func TestRBACIsDeploys(t *testing.T) {
	webhook := deployObjects(t, "webhook.yaml")
	controller := deployObjects(t, "controller-rbac.yaml")
	for _, tc := range []struct {
		name, values, namespace string
		controller              bool
	}{
		{"defaults", withImage, "bulkhead-system", false},
		{"controller in another namespace", withImage + "controller: {enabled: true}\n", "platform-bulkhead", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := mustRender(t, tc.values, tc.namespace)
			for _, key := range []string{"ClusterRole/bulkhead-webhook", "Role/bulkhead-webhook-tls"} {
				if d := cmp.Diff(rules(t, webhook[key]), rules(t, r.objects[key])); d != "" {
					t.Errorf("%s differs from deploy/webhook.yaml's (-deploy +chart):\n%s", key, d)
				}
			}
			if got := get[*rbacv1.Role](t, r, "Role/bulkhead-webhook-tls").Namespace; got != tc.namespace {
				t.Errorf("the certificate Role is in %q, want the release's %q", got, tc.namespace)
			}
			bound(t, r, "ClusterRoleBinding/bulkhead-webhook", "ClusterRole", "bulkhead-webhook", tc.namespace)
			bound(t, r, "RoleBinding/bulkhead-webhook-tls", "Role", "bulkhead-webhook-tls", tc.namespace)

			args := container(t, r).Args
			if got := slices.Contains(args, "--controller"); got != tc.controller {
				t.Errorf("--controller in args %v: %v, want %v", args, got, tc.controller)
			}
			for _, key := range []string{"ClusterRole/bulkhead-controller", "ClusterRoleBinding/bulkhead-controller", "Role/bulkhead-controller-leader", "RoleBinding/bulkhead-controller-leader"} {
				if _, ok := r.objects[key]; ok != tc.controller {
					t.Errorf("%s rendered: %v, want %v (controller.enabled)", key, ok, tc.controller)
				}
			}
			if !tc.controller {
				return
			}
			if d := cmp.Diff(rules(t, controller["ClusterRole/bulkhead-controller"]), rules(t, r.objects["ClusterRole/bulkhead-controller"])); d != "" {
				t.Errorf("the controller's ClusterRole differs from deploy/controller-rbac.yaml's (-deploy +chart):\n%s", d)
			}
			bound(t, r, "ClusterRoleBinding/bulkhead-controller", "ClusterRole", "bulkhead-controller", tc.namespace)
			bound(t, r, "RoleBinding/bulkhead-controller-leader", "Role", "bulkhead-controller-leader", tc.namespace)
			lease := get[*rbacv1.Role](t, r, "Role/bulkhead-controller-leader")
			if lease.Namespace != tc.namespace {
				t.Errorf("the lease Role is in %q, want the release's %q", lease.Namespace, tc.namespace)
			}
			for _, verb := range []string{"get", "create", "update"} {
				if !allows(lease.Rules, "coordination.k8s.io", "leases", "bulkhead-controller", verb) {
					t.Errorf("the lease Role does not allow %s on lease bulkhead-controller", verb)
				}
			}
			if allows(lease.Rules, "coordination.k8s.io", "leases", "another-lease", "update") {
				t.Error("the lease Role allows updating another component's lease")
			}
		})
	}
}

func rules(t *testing.T, obj any) []rbacv1.PolicyRule {
	t.Helper()
	switch o := obj.(type) {
	case *rbacv1.ClusterRole:
		return o.Rules
	case *rbacv1.Role:
		return o.Rules
	}
	t.Fatalf("%T is not a role", obj)
	return nil
}

// bound checks that binding key gives role kind/name to the server's
// service account in namespace, and to nobody else.
func bound(t *testing.T, r rendered, key, kind, name, namespace string) {
	t.Helper()
	var ref rbacv1.RoleRef
	var subjects []rbacv1.Subject
	switch b := r.objects[key].(type) {
	case *rbacv1.ClusterRoleBinding:
		ref, subjects = b.RoleRef, b.Subjects
	case *rbacv1.RoleBinding:
		if b.Namespace != namespace {
			t.Errorf("%s is in %q, want %q", key, b.Namespace, namespace)
		}
		ref, subjects = b.RoleRef, b.Subjects
	default:
		t.Fatalf("no binding %s rendered", key)
	}
	if ref.Kind != kind || ref.Name != name {
		t.Errorf("%s binds %s/%s, want %s/%s", key, ref.Kind, ref.Name, kind, name)
	}
	want := []rbacv1.Subject{{Kind: "ServiceAccount", Name: "bulkhead-webhook", Namespace: namespace}}
	if d := cmp.Diff(want, subjects); d != "" {
		t.Errorf("%s subjects (-want +got):\n%s", key, d)
	}
	sa := get[*corev1.ServiceAccount](t, r, "ServiceAccount/bulkhead-webhook")
	if sa.Namespace != namespace {
		t.Errorf("the ServiceAccount is in %q, want %q", sa.Namespace, namespace)
	}
}

func allows(rules []rbacv1.PolicyRule, group, resource, name, verb string) bool {
	for _, r := range rules {
		if slices.Contains(r.APIGroups, group) && slices.Contains(r.Resources, resource) && slices.Contains(r.Verbs, verb) &&
			(len(r.ResourceNames) == 0 || slices.Contains(r.ResourceNames, name)) {
			return true
		}
	}
	return false
}

func container(t *testing.T, r rendered) corev1.Container {
	t.Helper()
	d := get[*appsv1.Deployment](t, r, "Deployment/bulkhead-webhook")
	if len(d.Spec.Template.Spec.Containers) != 1 {
		t.Fatalf("%d containers, want 1", len(d.Spec.Template.Spec.Containers))
	}
	return d.Spec.Template.Spec.Containers[0]
}

// The Deployment runs bulkhead serve as deploy/webhook.yaml does, in the
// release's namespace, with the image, replicas, tenant label and
// resources of values; the PodDisruptionBudget comes with two replicas or
// more.
func TestDeployment(t *testing.T) {
	deployed := deployObjects(t, "webhook.yaml")["Deployment/bulkhead-webhook"].(*appsv1.Deployment).Spec.Template.Spec.Containers[0]
	for _, tc := range []struct {
		name, values, namespace string
		replicas                int32
		args                    []string
		pdb                     bool
		memory                  string
	}{
		{name: "defaults are deploy/'s", values: withImage, namespace: "bulkhead-system", replicas: 2, args: deployed.Args, pdb: true, memory: "512Mi"},
		{
			name:      "overrides",
			values:    withImage + "replicas: 3\ntenantLabel: example.com/tenant\nresources: {limits: {memory: 1Gi}}\n",
			namespace: "platform-bulkhead", replicas: 3, pdb: true, memory: "1Gi",
			args: []string{"serve", "--inject-ca-bundle=bulkhead", "--cert-secret=bulkhead-webhook-tls", "--config=/etc/bulkhead/config.yaml",
				"--service=bulkhead-webhook", "--namespace=platform-bulkhead", "--metrics-bind-address=:8080", "--tenant-label=example.com/tenant"},
		},
		{name: "one replica has no budget", values: withImage + "replicas: 1\n", namespace: "bulkhead-system", replicas: 1, args: deployed.Args, memory: "512Mi"},
		{
			name:      "the audit's tenancy",
			values:    withImage + "platformNamespaces: [ingress-nginx, \"monitoring-*\"]\nsystemNamespaces: [sandbox]\ntenants: {tenants: [{name: payments, namespaces: [payments]}]}\n",
			namespace: "bulkhead-system", replicas: 2, pdb: true, memory: "512Mi",
			args: append(slices.Clone(deployed.Args), "--platform-namespaces=ingress-nginx,monitoring-*", "--system-namespaces=sandbox", "--tenants=/etc/bulkhead/tenants.yaml"),
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := mustRender(t, tc.values, tc.namespace)
			d := get[*appsv1.Deployment](t, r, "Deployment/bulkhead-webhook")
			if d.Namespace != tc.namespace || d.Spec.Replicas == nil || *d.Spec.Replicas != tc.replicas {
				t.Errorf("Deployment in %q with %v replicas, want %q and %d", d.Namespace, d.Spec.Replicas, tc.namespace, tc.replicas)
			}
			c := container(t, r)
			if c.Image != "registry.example/bulkhead:v0.1.0" {
				t.Errorf("image %q", c.Image)
			}
			if d := cmp.Diff(tc.args, c.Args); d != "" {
				t.Errorf("args (-want +got):\n%s", d)
			}
			if d := cmp.Diff(deployed.SecurityContext, c.SecurityContext); d != "" {
				t.Errorf("securityContext differs from deploy/webhook.yaml's:\n%s", d)
			}
			if got := c.Resources.Limits.Memory().String(); got != tc.memory {
				t.Errorf("memory limit %s, want %s", got, tc.memory)
			}
			if d.Spec.Template.Spec.Affinity == nil || d.Spec.Template.Spec.Affinity.PodAntiAffinity == nil {
				t.Error("no pod anti-affinity")
			}
			pdb, ok := r.objects["PodDisruptionBudget/bulkhead-webhook"].(*policyv1.PodDisruptionBudget)
			if ok != tc.pdb {
				t.Fatalf("PodDisruptionBudget rendered: %v, want %v", ok, tc.pdb)
			}
			if ok && (pdb.Spec.MinAvailable == nil || pdb.Spec.MinAvailable.IntValue() != 1 || pdb.Namespace != tc.namespace) {
				t.Errorf("PodDisruptionBudget %+v, want minAvailable 1 in %s", pdb.Spec, tc.namespace)
			}
			svc := get[*corev1.Service](t, r, "Service/bulkhead-webhook")
			if d := cmp.Diff(d.Spec.Selector.MatchLabels, svc.Spec.Selector); d != "" {
				t.Errorf("the Service selects other pods than the Deployment's:\n%s", d)
			}
		})
	}
}

// values' config is the webhook's configuration file, and it loads as
// bulkhead serve loads it at start-up; a change of it rolls the pods.
func TestConfig(t *testing.T) {
	for _, tc := range []struct {
		name, values string
		want         admission.Config
	}{
		{"defaults", withImage, admission.Config{}},
		{
			"rules, dry run and exemptions",
			withImage + "config: {dryRun: true, rules: {BH-NET-011: audit, BH-API-004: enforce}, exempt: {users: [ci-deployer], groups: [platform-admins]}}\n",
			admission.Config{
				DryRun: true, Rules: map[string]admission.Mode{"BH-NET-011": "audit", "BH-API-004": "enforce"},
				Exempt: admission.Exempt{Users: []string{"ci-deployer"}, Groups: []string{"platform-admins"}},
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := mustRender(t, tc.values, "bulkhead-system")
			cm := get[*corev1.ConfigMap](t, r, "ConfigMap/bulkhead-webhook")
			got, err := admission.LoadConfig([]byte(cm.Data["config.yaml"]))
			if err != nil {
				t.Fatalf("bulkhead serve would not start: %v\n%s", err, cm.Data["config.yaml"])
			}
			if d := cmp.Diff(tc.want, got, cmpEmpty); d != "" {
				t.Errorf("config (-want +got):\n%s", d)
			}
		})
	}
	// The tenants file is mounted beside the configuration, and reads as
	// bulkhead serve --tenants reads it.
	cm := get[*corev1.ConfigMap](t, mustRender(t, withImage+"tenants: {platform: [monitoring], tenants: [{name: payments, namespaces: [payments, \"payments-*\"]}]}\n", "bulkhead-system"), "ConfigMap/bulkhead-webhook")
	file := filepath.Join(t.TempDir(), "tenants.yaml")
	if err := os.WriteFile(file, []byte(cm.Data["tenants.yaml"]), 0o600); err != nil {
		t.Fatal(err)
	}
	if f, err := tenancy.LoadFile(file); err != nil || len(f.Tenants) != 1 || f.Tenants[0].Name != "payments" {
		t.Errorf("tenants.yaml %q: %+v, %v", cm.Data["tenants.yaml"], f, err)
	}
	checksum := func(values string) string {
		d := get[*appsv1.Deployment](t, mustRender(t, values, "bulkhead-system"), "Deployment/bulkhead-webhook")
		return d.Spec.Template.Annotations["checksum/config"]
	}
	if a, b := checksum(withImage), checksum(withImage+"config: {dryRun: true}\n"); a == "" || a == b {
		t.Errorf("config checksums %q and %q: a change of config must change the pod template", a, b)
	}
}

// cmpEmpty treats empty and nil maps and slices alike.
var cmpEmpty = cmp.FilterValues(func(x, y any) bool {
	return isEmpty(x) && isEmpty(y)
}, cmp.Comparer(func(_, _ any) bool { return true }))

func isEmpty(v any) bool {
	switch v := v.(type) {
	case map[string]admission.Mode:
		return len(v) == 0
	case []string:
		return len(v) == 0
	}
	return false
}

// Helm's own linter finds nothing wrong with the chart, and NOTES.txt
// tells how to uninstall safely. (helm lint only notes a missing required
// value, so the image is checked by TestRenderRefuses.)
func TestLint(t *testing.T) {
	for _, tc := range []struct{ name, values string }{
		{"defaults", withImage},
		{"controller", withImage + "controller: {enabled: true}\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			vals, err := chartutil.ReadValues([]byte(tc.values))
			if err != nil {
				t.Fatal(err)
			}
			l := lint.All(chartDir, vals.AsMap(), "bulkhead-system", false)
			for _, m := range l.Messages {
				if m.Severity >= support.WarningSev {
					t.Errorf("helm lint: %s", m)
				}
			}
			notes := mustRender(t, tc.values, "bulkhead-system").notes
			if !strings.Contains(notes, "kubectl delete validatingwebhookconfiguration bulkhead") {
				t.Errorf("NOTES.txt does not say to delete the webhook configuration first:\n%s", notes)
			}
		})
	}
}
