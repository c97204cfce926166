package admission

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
	"github.com/bulkhead-dev/bulkhead/internal/tenancy"
)

// TestPolicyInOpenNamespace: a NetworkPolicy that admits every peer, or
// another tenant's, opens nothing in a direction no policy of its
// namespace isolates its pods in (they accept every peer already; Online
// Boutique's policies allow all egress, its frontend all ingress), and
// is denied where the namespace is walled in — by a default-deny, or by
// the stored version of the policy itself on an update.
func TestPolicyInOpenNamespace(t *testing.T) {
	ns := func(name, tenant string) corev1.Namespace {
		return corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{tenantLabel: tenant}}}
	}
	deny := func(namespace string, sel map[string]string, types ...networkingv1.PolicyType) networkingv1.NetworkPolicy {
		return networkingv1.NetworkPolicy{ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: "deny"},
			Spec: networkingv1.NetworkPolicySpec{PodSelector: metav1.LabelSelector{MatchLabels: sel}, PolicyTypes: types}}
	}
	allowAll := &networkingv1.NetworkPolicy{ObjectMeta: metav1.ObjectMeta{Namespace: "a-web", Name: "frontend"},
		Spec: networkingv1.NetworkPolicySpec{PodSelector: metav1.LabelSelector{MatchLabels: map[string]string{"app": "frontend"}},
			PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress, networkingv1.PolicyTypeEgress},
			Ingress:     []networkingv1.NetworkPolicyIngressRule{{}}, Egress: []networkingv1.NetworkPolicyEgressRule{{}}}}
	for _, c := range []struct {
		name     string
		policies []networkingv1.NetworkPolicy
		denied   int // violations enforced
	}{
		{"no policy in the namespace", nil, 0},
		{"policies of pods it cannot select", []networkingv1.NetworkPolicy{deny("a-web", map[string]string{"app": "db"}, networkingv1.PolicyTypeIngress, networkingv1.PolicyTypeEgress)}, 0},
		{"a default-deny of ingress only", []networkingv1.NetworkPolicy{deny("a-web", nil, networkingv1.PolicyTypeIngress)}, 1},
		{"a default-deny of both", []networkingv1.NetworkPolicy{deny("a-web", nil, networkingv1.PolicyTypeIngress, networkingv1.PolicyTypeEgress)}, 2},
		{"another namespace walled in", []networkingv1.NetworkPolicy{deny("b-app", nil, networkingv1.PolicyTypeIngress, networkingv1.PolicyTypeEgress)}, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			snap := &snapshot.Snapshot{Namespaces: []corev1.Namespace{ns("a-web", "a"), ns("b-app", "b")}, NetworkPolicies: c.policies}
			a, err := New(snapshot.NewStore(snap).View(), tenancy.Config{Label: tenantLabel}, Config{})
			if err != nil {
				t.Fatal(err)
			}
			d := a.Decide(request(Create, allowAll, nil))
			if n := enforced(d); n != c.denied {
				t.Errorf("%d violations enforced, want %d: %s", n, c.denied, d.Message)
			}
		})
	}
	t.Run("an update widening the policy that isolates", func(t *testing.T) {
		old := allowAll.DeepCopy()
		old.Spec.Ingress, old.Spec.Egress = nil, nil
		snap := &snapshot.Snapshot{Namespaces: []corev1.Namespace{ns("a-web", "a"), ns("b-app", "b")}, NetworkPolicies: []networkingv1.NetworkPolicy{*old}}
		a, err := New(snapshot.NewStore(snap).View(), tenancy.Config{Label: tenantLabel}, Config{})
		if err != nil {
			t.Fatal(err)
		}
		if d := a.Decide(request(Update, allowAll, old)); enforced(d) != 2 {
			t.Errorf("widening the policy that walls the pods in: %s", d.Message)
		}
	})
}

func enforced(d Decision) int {
	n := 0
	for _, v := range d.Violations {
		if v.Mode == Enforce {
			n++
		}
	}
	return n
}

// TestPlatformExposureAudited: what the platform tenant gains — its
// account bound cluster-wide, as ingress-nginx's and kube-state-metrics'
// installs bind theirs — is audited, as the audit reports it apart from
// breaches; the same binding of a tenant's account is denied.
func TestPlatformExposureAudited(t *testing.T) {
	a := fixture(t, Config{})
	for _, c := range []struct {
		namespace string
		allowed   bool
	}{{"ingress-nginx", true}, {"a-web", false}} {
		crb := &rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "read-all"},
			RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "view"},
			Subjects: []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Namespace: c.namespace, Name: "reader"}}}
		d := a.Decide(request(Create, crb, nil))
		if d.Allowed != c.allowed || len(d.Violations) == 0 {
			t.Errorf("%s's account bound cluster-wide: allowed %v with %v, want %v and a violation", c.namespace, d.Allowed, d.Violations, c.allowed)
		}
		if c.allowed && d.Violations[0].Mode != Audit {
			t.Errorf("the platform's exposure judged %s, want audit", d.Violations[0].Mode)
		}
	}
}
