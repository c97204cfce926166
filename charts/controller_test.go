package charts

import (
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	appsv1 "k8s.io/api/apps/v1"
	rbacv1 "k8s.io/api/rbac/v1"
)

// deploy/controller-rbac.yaml is what the chart's controller.enabled adds
// in bulkhead-system: the same objects, rules, role references and
// subjects, and those subjects are the service account the server of
// deploy/webhook.yaml runs as (the controller runs inside it), which
// deploy/webhook.yaml creates; the lease Role is in the server's
// namespace.
func TestControllerRBACIsDeploys(t *testing.T) {
	const namespace = "bulkhead-system"
	deployed := deployObjects(t, "controller-rbac.yaml")
	webhook := deployObjects(t, "webhook.yaml")
	server := webhook["Deployment/bulkhead-webhook"].(*appsv1.Deployment)
	account := server.Spec.Template.Spec.ServiceAccountName
	if _, ok := webhook["ServiceAccount/"+account]; !ok || server.Namespace != namespace {
		t.Fatalf("deploy/webhook.yaml runs as %s/%s and creates no such ServiceAccount", server.Namespace, account)
	}

	with := mustRender(t, withImage+"controller: {enabled: true}\n", namespace)
	without := mustRender(t, withImage, namespace)
	var added []string
	for key := range with.objects {
		if _, ok := without.objects[key]; !ok {
			added = append(added, key)
		}
	}
	slices.Sort(added)
	if d := cmp.Diff(added, slices.Sorted(maps.Keys(deployed))); d != "" {
		t.Fatalf("deploy/controller-rbac.yaml's objects are not those controller.enabled adds (-chart +deploy):\n%s", d)
	}

	serverAccount := []rbacv1.Subject{{Kind: "ServiceAccount", Name: account, Namespace: namespace}}
	for _, key := range added {
		t.Run(key, func(t *testing.T) {
			switch d := deployed[key].(type) {
			case *rbacv1.ClusterRole, *rbacv1.Role:
				if diff := cmp.Diff(rules(t, with.objects[key]), rules(t, d)); diff != "" {
					t.Errorf("rules (-chart +deploy):\n%s", diff)
				}
				if r, ok := d.(*rbacv1.Role); ok && r.Namespace != roleNamespace(key, namespace) {
					t.Errorf("in %q, want %q", r.Namespace, roleNamespace(key, namespace))
				}
			case *rbacv1.ClusterRoleBinding:
				c := with.objects[key].(*rbacv1.ClusterRoleBinding)
				sameBinding(t, c.RoleRef, c.Subjects, d.RoleRef, d.Subjects, serverAccount)
			case *rbacv1.RoleBinding:
				c := with.objects[key].(*rbacv1.RoleBinding)
				sameBinding(t, c.RoleRef, c.Subjects, d.RoleRef, d.Subjects, serverAccount)
				if d.Namespace != roleNamespace(key, namespace) {
					t.Errorf("in %q, want %q", d.Namespace, roleNamespace(key, namespace))
				}
			default:
				t.Errorf("a %T, not RBAC", d)
			}
		})
	}
}

// roleNamespace is where a Role of the controller's, and its binding, are:
// the release's namespace (its leader election), but for the read of the
// API server's endpoints, which are in default.
func roleNamespace(key, release string) string {
	if strings.HasSuffix(key, "/bulkhead-controller-apiserver") {
		return "default"
	}
	return release
}

// sameBinding checks that deploy/'s binding references the chart's role
// and binds the server's account, as the chart's does.
func sameBinding(t *testing.T, chartRef rbacv1.RoleRef, chartSubjects []rbacv1.Subject, ref rbacv1.RoleRef, subjects, server []rbacv1.Subject) {
	t.Helper()
	if d := cmp.Diff(chartRef, ref); d != "" {
		t.Errorf("roleRef (-chart +deploy):\n%s", d)
	}
	if d := cmp.Diff(chartSubjects, subjects); d != "" {
		t.Errorf("subjects (-chart +deploy):\n%s", d)
	}
	if d := cmp.Diff(server, subjects); d != "" {
		t.Errorf("subjects are not the account the server runs as (-server +deploy):\n%s", d)
	}
}
