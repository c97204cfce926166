package serve

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	anpv1alpha1 "sigs.k8s.io/network-policy-api/apis/v1alpha1"

	"github.com/go-logr/logr/testr"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"
	sigsyaml "sigs.k8s.io/yaml"

	"github.com/bulkhead-dev/bulkhead/examples"
	"github.com/bulkhead-dev/bulkhead/internal/admission"
	"github.com/bulkhead-dev/bulkhead/internal/tenancy"
	"github.com/bulkhead-dev/bulkhead/internal/testenv"
)

// running is a webhook server started by a test.
type running struct {
	stop func()
	done chan error
	err  error
}

// startWebhook runs bulkhead serve's server on a free loopback port
// against the API server of cfg, injecting its CA into the webhook
// configuration, and waits until it is ready.
func startWebhook(t *testing.T, cfg *rest.Config, port int) (*running, *Server) {
	t.Helper()
	s, err := New(cfg, Options{
		Host: "127.0.0.1", Port: port, Hosts: []string{"127.0.0.1"},
		InjectCABundle: ConfigurationName,
		CertSecret:     client.ObjectKey{Namespace: "kube-system", Name: "bulkhead-webhook-tls"},
		Tenancy:        tenancy.Config{Label: tenantLabel},
		Config:         admission.Config{},
		Log:            testr.NewWithOptions(t, testr.Options{Verbosity: 1}),
	})
	if err != nil {
		t.Fatal(err)
	}
	return runServer(t, s), s
}

// runServer starts s, waits until it is ready and halts it when the test
// ends.
func runServer(t *testing.T, s *Server) *running {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{stop: cancel, done: make(chan error, 1)}
	go func() { r.done <- s.Start(ctx) }()
	select {
	case <-s.Ready():
	case err := <-r.done:
		t.Fatalf("webhook stopped before it was ready: %v", err)
	case <-time.After(60 * time.Second):
		cancel()
		t.Fatal("webhook not ready within 60s")
	}
	t.Cleanup(r.halt)
	return r
}

func (r *running) halt() {
	r.stop()
	r.err = <-r.done // stopped: the cancellation, or what stopped it before
	r.done <- nil    // halting twice returns at once
}

func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = l.Close() }()
	return l.Addr().(*net.TCPAddr).Port
}

// eventually retries f until it returns nil or the deadline passes: the
// API server takes a moment to notice a changed webhook configuration.
func eventually(t *testing.T, what string, f func() error) time.Duration {
	t.Helper()
	start := time.Now()
	var err error
	for time.Since(start) < 30*time.Second {
		if err = f(); err == nil {
			return time.Since(start)
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("%s: %v", what, err)
	return 0
}

func seedBusybox(t *testing.T, namespace string) *corev1.Pod {
	t.Helper()
	data, err := examples.SeedCluster.ReadFile("seed-cluster/40-busybox.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var p corev1.Pod
	if err := sigsyaml.UnmarshalStrict(data, &p); err != nil {
		t.Fatal(err)
	}
	p.Namespace = namespace
	return &p
}

func plainPod(namespace, name string) *corev1.Pod {
	return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: name},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "web", Image: "nginx"}}}}
}

// deniedWith checks that err is the webhook's denial carrying want.
func deniedWith(err error, want ...string) error {
	if err == nil {
		return fmt.Errorf("admitted, want a denial with %q", want)
	}
	if !apierrors.IsForbidden(err) || !strings.Contains(err.Error(), "denied the request") {
		return fmt.Errorf("error %v, want the webhook's denial", err)
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			return fmt.Errorf("denial %q lacks %q", err, w)
		}
	}
	return nil
}

// TestAdmissionAPIServer runs the webhook against a real kube-apiserver,
// which calls it over TLS as a cluster would: the seed cases are refused
// in tenant namespaces with their messages and pass in kube-system, as
// are labels that join another tenant's selectors; with
// the webhook stopped, tenant namespaces fail closed while kube-system,
// leases and nodes keep working; restarted, it answers again.
func TestAdmissionAPIServer(t *testing.T) {
	ctrllog.SetLogger(testr.New(t))
	cfg := testenv.Start(t)
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, ns := range []*corev1.Namespace{namespace("team-a", "a"), namespace("team-b", "b")} {
		if _, err := cs.CoreV1().Namespaces().Create(ctx, ns, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := cs.CoreV1().ServiceAccounts("team-b").Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "runner"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	dangling := danglingGrants(t, ctx, cs)
	zoneAllow := installAdminPolicies(t, ctx, cfg)
	// Written before the webhook was there: tenant b lets in the pods
	// labelled role=monitoring of every namespace.
	legacy := &networkingv1.NetworkPolicy{ObjectMeta: metav1.ObjectMeta{Namespace: "team-b", Name: "from-monitoring"},
		Spec: networkingv1.NetworkPolicySpec{Ingress: []networkingv1.NetworkPolicyIngressRule{{From: []networkingv1.NetworkPolicyPeer{{
			NamespaceSelector: &metav1.LabelSelector{},
			PodSelector:       &metav1.LabelSelector{MatchLabels: map[string]string{"role": "monitoring"}},
		}}}}}}
	if _, err := cs.NetworkingV1().NetworkPolicies("team-b").Create(ctx, legacy, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	port := freePort(t)
	vwc := WebhookConfiguration(Endpoint{URL: fmt.Sprintf("https://127.0.0.1:%d", port)}, nil)
	if _, err := cs.AdmissionregistrationV1().ValidatingWebhookConfigurations().Create(ctx, vwc, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	hook, first := startWebhook(t, cfg, port)
	dry := metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}}
	eventually(t, "the API server calls the webhook", func() error {
		_, err := cs.CoreV1().Pods("team-a").Create(ctx, seedBusybox(t, "team-a"), dry)
		return deniedWith(err, "BH-NODE-001")
	})

	t.Run("a second server on the taken port exits saying why", func(t *testing.T) {
		s, err := New(cfg, Options{
			Host: "127.0.0.1", Port: port, Hosts: []string{"127.0.0.1"},
			CertSecret: client.ObjectKey{Namespace: "kube-system", Name: "bulkhead-webhook-tls"},
			Tenancy:    tenancy.Config{Label: tenantLabel},
			Log:        testr.NewWithOptions(t, testr.Options{Verbosity: 1}),
		})
		if err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- s.Start(context.Background()) }()
		select {
		case err := <-done:
			if err == nil || !strings.Contains(err.Error(), "address already in use") {
				t.Errorf("Start: %v, want the taken address", err)
			}
		case <-time.After(60 * time.Second):
			t.Fatal("a server on a taken port still runs after 60s, silent")
		}
	})

	t.Run("a claim bound to the node's root by name is refused, pod or no pod", func(t *testing.T) {
		pv := &corev1.PersistentVolume{ObjectMeta: metav1.ObjectMeta{Name: "node-root"}, Spec: corev1.PersistentVolumeSpec{
			Capacity:               corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("1Gi")},
			AccessModes:            []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
			PersistentVolumeSource: corev1.PersistentVolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: "/"}},
		}}
		if _, err := cs.CoreV1().PersistentVolumes().Create(ctx, pv, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		pvc := &corev1.PersistentVolumeClaim{ObjectMeta: metav1.ObjectMeta{Namespace: "team-a", Name: "just-created"}, Spec: corev1.PersistentVolumeClaimSpec{
			AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
			Resources:   corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("1Gi")}},
			VolumeName:  "node-root",
		}}
		eventually(t, "the webhook sees the volume", func() error {
			_, err := cs.CoreV1().PersistentVolumeClaims("team-a").Create(ctx, pvc, metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}})
			return deniedWith(err, "BH-NODE-001 (tenant a → its node and every tenant on it): PersistentVolumeClaim team-a/just-created", "spec.volumeName=node-root")
		})
	})

	t.Run("the article's busybox pod is refused in a tenant namespace", func(t *testing.T) {
		_, err := cs.CoreV1().Pods("team-a").Create(ctx, seedBusybox(t, "team-a"), metav1.CreateOptions{})
		if err := deniedWith(err, "BH-NODE-001 (tenant a → its node and every tenant on it): Pod team-a/busybox would be root on its node", "spec.containers[shell].securityContext.privileged=true", "fix: "); err != nil {
			t.Error(err)
		}
		t.Logf("message: %v", err)
	})
	t.Run("a plain pod passes", func(t *testing.T) {
		if _, err := cs.CoreV1().Pods("team-a").Create(ctx, plainPod("team-a", "web"), metav1.CreateOptions{}); err != nil {
			t.Error(err)
		}
	})
	t.Run("a RoleBinding giving another tenant's service account access is refused", func(t *testing.T) {
		rb := &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Namespace: "team-a", Name: "let-b-in"},
			RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "edit"},
			Subjects: []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: "runner", Namespace: "team-b"}}}
		_, err := cs.RbacV1().RoleBindings("team-a").Create(ctx, rb, metav1.CreateOptions{})
		if err := deniedWith(err, "BH-API-001 (tenant b → tenant a)", "subjects[0]=ServiceAccount/team-b/runner"); err != nil {
			t.Error(err)
		}
	})
	t.Run("relabelling a namespace into another tenant is refused", func(t *testing.T) {
		ns, err := cs.CoreV1().Namespaces().Get(ctx, "team-a", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		ns.Labels[tenantLabel] = "b"
		_, err = cs.CoreV1().Namespaces().Update(ctx, ns, metav1.UpdateOptions{})
		if err := deniedWith(err, "BH-ADM-001 (tenant a → tenant b)", "metadata.labels[bulkhead.dev/tenant]: a → b"); err != nil {
			t.Error(err)
		}
		// GHSA-2ww6-hf35-mfjm: the same change through the status
		// subresource.
		_, err = cs.CoreV1().Namespaces().UpdateStatus(ctx, ns, metav1.UpdateOptions{})
		if err := deniedWith(err, "BH-ADM-001", "subresource status"); err != nil {
			t.Error(err)
		}
	})
	t.Run("a Service with externalIPs is refused", func(t *testing.T) {
		svc := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: "team-a", Name: "grab"},
			Spec: corev1.ServiceSpec{Ports: []corev1.ServicePort{{Port: 80}}, ExternalIPs: []string{"10.0.0.10"}}}
		_, err := cs.CoreV1().Services("team-a").Create(ctx, svc, metav1.CreateOptions{})
		if err := deniedWith(err, "BH-NET-009", "spec.externalIPs=10.0.0.10"); err != nil {
			t.Error(err)
		}
	})
	t.Run("kube-system objects pass untouched", func(t *testing.T) {
		if _, err := cs.CoreV1().Pods("kube-system").Create(ctx, seedBusybox(t, "kube-system"), metav1.CreateOptions{}); err != nil {
			t.Error(err)
		}
		svc := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: "kube-system", Name: "grab"},
			Spec: corev1.ServiceSpec{Ports: []corev1.ServicePort{{Port: 80}}, ExternalIPs: []string{"10.0.0.11"}}}
		if _, err := cs.CoreV1().Services("kube-system").Create(ctx, svc, metav1.CreateOptions{}); err != nil {
			t.Error(err)
		}
	})

	t.Run("a ClusterRole bound in tenant a to tenant b's account gaining secrets get is refused", func(t *testing.T) {
		cr, err := cs.RbacV1().ClusterRoles().Get(ctx, dangling.role, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		cr.Rules = []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"secrets"}, Verbs: []string{"get"}}}
		_, err = cs.RbacV1().ClusterRoles().Update(ctx, cr, metav1.UpdateOptions{})
		if err := deniedWith(err, "BH-API-001 (tenant b → tenant a): ClusterRole "+dangling.role+" would grant through RoleBinding team-a/"+dangling.roleBinding, "get secrets in namespace team-a"); err != nil {
			t.Error(err)
		}
		t.Logf("message: %v", err)
		cr.Labels = map[string]string{"team": "platform"}
		cr.Rules = nil
		if _, err := cs.RbacV1().ClusterRoles().Update(ctx, cr, metav1.UpdateOptions{}); err != nil {
			t.Errorf("an update granting nothing new: %v", err)
		}
	})
	t.Run("a service account activating a dangling binding is refused", func(t *testing.T) {
		sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: "team-b", Name: dangling.account}}
		_, err := cs.CoreV1().ServiceAccounts("team-b").Create(ctx, sa, metav1.CreateOptions{})
		if err := deniedWith(err, "BH-API-001 (tenant b → tenant a): ServiceAccount team-b/"+dangling.account+" would activate RoleBinding team-a/"+dangling.accountBinding); err != nil {
			t.Error(err)
		}
		t.Logf("message: %v", err)
		sa.Name = "fresh"
		if _, err := cs.CoreV1().ServiceAccounts("team-b").Create(ctx, sa, metav1.CreateOptions{}); err != nil {
			t.Errorf("an account no binding names: %v", err)
		}
	})
	t.Run("Endpoints naming another tenant's pod by IP alone are refused", func(t *testing.T) {
		db, err := cs.CoreV1().Pods("team-b").Create(ctx, plainPod("team-b", "db-0"), metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		db.Status.PodIP, db.Status.PodIPs = "10.244.2.7", []corev1.PodIP{{IP: "10.244.2.7"}}
		if _, err := cs.CoreV1().Pods("team-b").UpdateStatus(ctx, db, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
		ep := &corev1.Endpoints{ObjectMeta: metav1.ObjectMeta{Namespace: "team-a", Name: "web"},
			Subsets: []corev1.EndpointSubset{{Addresses: []corev1.EndpointAddress{{IP: "10.244.2.7"}}, Ports: []corev1.EndpointPort{{Port: 5432}}}}}
		eventually(t, "the webhook's pod informer delivers the pod's IP", func() error {
			_, err := cs.CoreV1().Endpoints("team-a").Create(ctx, ep, dry)
			return deniedWith(err, "BH-NET-012 (tenant a → tenant b)", "ip=10.244.2.7 (Pod/team-b/db-0)")
		})
	})

	t.Run("labels that join another tenant's selectors are refused", func(t *testing.T) {
		partners := &networkingv1.NetworkPolicy{ObjectMeta: metav1.ObjectMeta{Namespace: "team-b", Name: "from-partners"},
			Spec: networkingv1.NetworkPolicySpec{Ingress: []networkingv1.NetworkPolicyIngressRule{{From: []networkingv1.NetworkPolicyPeer{{
				NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"access": "b-partners"}},
			}}}}}}
		if _, err := cs.NetworkingV1().NetworkPolicies("team-b").Create(ctx, partners, metav1.CreateOptions{}); err != nil {
			t.Fatalf("a policy selecting no other tenant's namespace: %v", err)
		}
		eventually(t, "a namespace labelled into tenant b's selector is refused", func() error {
			ns, err := cs.CoreV1().Namespaces().Get(ctx, "team-a", metav1.GetOptions{})
			if err != nil {
				return err
			}
			ns.Labels["access"] = "b-partners"
			_, err = cs.CoreV1().Namespaces().Update(ctx, ns, metav1.UpdateOptions{DryRun: []string{metav1.DryRunAll}})
			return deniedWith(err, "BH-NET-001 (tenant a → tenant b): Namespace team-a would match the namespaceSelector of NetworkPolicy team-b/from-partners", "metadata.labels[access]: (none) → b-partners")
		})
		pod := plainPod("team-a", "scraper")
		pod.Labels = map[string]string{"role": "monitoring"}
		_, err := cs.CoreV1().Pods("team-a").Create(ctx, pod, metav1.CreateOptions{})
		if err := deniedWith(err, "BH-NET-001 (tenant a → tenant b): Pod team-a/scraper would match the podSelector of NetworkPolicy team-b/from-monitoring", "role=monitoring"); err != nil {
			t.Error(err)
		}
		t.Logf("message: %v", err)
	})

	t.Run("a namespace labelled into an admin network policy written before the webhook is refused", func(t *testing.T) {
		eventually(t, "the webhook's informer holds the admin network policy", func() error {
			ns, err := cs.CoreV1().Namespaces().Get(ctx, "team-a", metav1.GetOptions{})
			if err != nil {
				return err
			}
			ns.Labels["zone"] = "dmz"
			_, err = cs.CoreV1().Namespaces().Update(ctx, ns, metav1.UpdateOptions{DryRun: []string{metav1.DryRunAll}})
			return deniedWith(err, "BH-ADM-003", "AdminNetworkPolicy "+zoneAllow)
		})
	})

	hook.halt()
	t.Run("stopped, tenant namespaces fail closed", func(t *testing.T) {
		_, err := cs.CoreV1().Pods("team-a").Create(ctx, plainPod("team-a", "while-down"), metav1.CreateOptions{})
		if err == nil || !strings.Contains(err.Error(), "failed calling webhook") {
			t.Errorf("error %v, want the API server failing closed on the webhook", err)
		}
	})
	t.Run("stopped, kube-system, leases and nodes keep working", func(t *testing.T) {
		if _, err := cs.CoreV1().Pods("kube-system").Create(ctx, plainPod("kube-system", "while-down"), metav1.CreateOptions{}); err != nil {
			t.Errorf("kube-system pod: %v", err)
		}
		lease := &coordinationv1.Lease{ObjectMeta: metav1.ObjectMeta{Namespace: "team-a", Name: "leader"}, Spec: coordinationv1.LeaseSpec{HolderIdentity: ptr.To("me")}}
		if _, err := cs.CoordinationV1().Leases("team-a").Create(ctx, lease, metav1.CreateOptions{}); err != nil {
			t.Errorf("lease in a tenant namespace: %v", err)
		}
		if _, err := cs.CoreV1().Nodes().Create(ctx, &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "node-1"}}, metav1.CreateOptions{}); err != nil {
			t.Errorf("node: %v", err)
		}
		if _, err := cs.CoreV1().ConfigMaps("team-a").Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "settings"}}, metav1.CreateOptions{}); err != nil {
			t.Errorf("configmap in a tenant namespace: %v", err)
		}
	})
	t.Run("restarted, it answers again", func(t *testing.T) {
		start := time.Now()
		_, again := startWebhook(t, cfg, port)
		ready := time.Since(start)
		if !bytes.Equal(again.CABundle(), first.CABundle()) || len(first.CABundle()) == 0 {
			t.Error("the restarted webhook did not share the certificate of the Secret: replicas would need different caBundles")
		}
		answered := eventually(t, "the restarted webhook admits a plain pod", func() error {
			_, err := cs.CoreV1().Pods("team-a").Create(ctx, plainPod("team-a", "after-restart"), dry)
			return err
		})
		t.Logf("ready %v after restart; the API server trusted its new CA %v later", ready, answered)
	})
}

// dangling names the grants danglingGrants made.
type dangling struct {
	// role is a ClusterRole with no rules that roleBinding, in team-a,
	// binds to team-b's account runner.
	role, roleBinding string
	// accountBinding, in team-a, binds a Role reading ConfigMaps to
	// team-b's account, which does not exist.
	account, accountBinding string
}

// danglingGrants creates, before the webhook is configured (as a cluster
// holds them from before bulkhead), bindings of tenant a that grant
// tenant b nothing yet: one to a ClusterRole without rules, one naming a
// service account of tenant b that does not exist.
func danglingGrants(t *testing.T, ctx context.Context, cs kubernetes.Interface) dangling {
	t.Helper()
	d := dangling{role: "helper", roleBinding: "helper-for-runner", account: "ghost", accountBinding: "reader-for-ghost"}
	objs := []func() error{
		func() error {
			_, err := cs.RbacV1().ClusterRoles().Create(ctx, &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: d.role}}, metav1.CreateOptions{})
			return err
		},
		func() error {
			_, err := cs.RbacV1().RoleBindings("team-a").Create(ctx, &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: d.roleBinding},
				RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: d.role},
				Subjects: []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: "runner", Namespace: "team-b"}}}, metav1.CreateOptions{})
			return err
		},
		func() error {
			_, err := cs.RbacV1().Roles("team-a").Create(ctx, &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Name: "reader"},
				Rules: []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"configmaps"}, Verbs: []string{"get"}}}}, metav1.CreateOptions{})
			return err
		},
		func() error {
			_, err := cs.RbacV1().RoleBindings("team-a").Create(ctx, &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: d.accountBinding},
				RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: "reader"},
				Subjects: []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: d.account, Namespace: "team-b"}}}, metav1.CreateOptions{})
			return err
		},
	}
	for _, create := range objs {
		if err := create(); err != nil {
			t.Fatal(err)
		}
	}
	return d
}

// installAdminPolicies serves the admin network policies' kinds as a
// cluster with sigs.k8s.io/network-policy-api installed does (their group,
// version, kinds and scope; the schema left open), and writes, before the
// webhook is there, an AdminNetworkPolicy letting the namespaces labelled
// zone=dmz into tenant b's. It returns that policy's name.
func installAdminPolicies(t *testing.T, ctx context.Context, cfg *rest.Config) string {
	t.Helper()
	open := true
	var crds []*apiextensionsv1.CustomResourceDefinition
	for _, k := range []struct{ kind, plural string }{{"AdminNetworkPolicy", "adminnetworkpolicies"}, {"BaselineAdminNetworkPolicy", "baselineadminnetworkpolicies"}} {
		crds = append(crds, &apiextensionsv1.CustomResourceDefinition{
			ObjectMeta: metav1.ObjectMeta{Name: k.plural + "." + anpv1alpha1.GroupName,
				// a *.k8s.io group: the API server wants its approval named
				Annotations: map[string]string{"api-approved.kubernetes.io": "https://github.com/kubernetes-sigs/network-policy-api/pull/30"}},
			Spec: apiextensionsv1.CustomResourceDefinitionSpec{
				Group: anpv1alpha1.GroupName, Scope: apiextensionsv1.ClusterScoped,
				Names: apiextensionsv1.CustomResourceDefinitionNames{Kind: k.kind, ListKind: k.kind + "List", Plural: k.plural, Singular: strings.ToLower(k.kind)},
				Versions: []apiextensionsv1.CustomResourceDefinitionVersion{{Name: "v1alpha1", Served: true, Storage: true,
					Schema: &apiextensionsv1.CustomResourceValidation{OpenAPIV3Schema: &apiextensionsv1.JSONSchemaProps{Type: "object", XPreserveUnknownFields: &open}}}},
			},
		})
	}
	if _, err := envtest.InstallCRDs(cfg, envtest.CRDInstallOptions{CRDs: crds}); err != nil {
		t.Fatal(err)
	}
	scheme := runtime.NewScheme()
	if err := anpv1alpha1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	c, err := client.New(cfg, client.Options{Scheme: scheme})
	if err != nil {
		t.Fatal(err)
	}
	p := &anpv1alpha1.AdminNetworkPolicy{ObjectMeta: metav1.ObjectMeta{Name: "dmz-to-b"},
		Spec: anpv1alpha1.AdminNetworkPolicySpec{Priority: 10,
			Subject: anpv1alpha1.AdminNetworkPolicySubject{Namespaces: &metav1.LabelSelector{MatchLabels: map[string]string{tenantLabel: "b"}}},
			Ingress: []anpv1alpha1.AdminNetworkPolicyIngressRule{{Action: anpv1alpha1.AdminNetworkPolicyRuleActionAllow,
				From: []anpv1alpha1.AdminNetworkPolicyIngressPeer{{Namespaces: &metav1.LabelSelector{MatchLabels: map[string]string{"zone": "dmz"}}}}}}}}
	if err := c.Create(ctx, p); err != nil {
		t.Fatal(err)
	}
	return p.Name
}
