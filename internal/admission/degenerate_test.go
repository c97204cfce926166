package admission

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	anp "sigs.k8s.io/network-policy-api/apis/v1alpha1"
)

// TestDegenerateObjects: objects of the kinds judged through other
// objects, with fields missing or malformed, are answered, never a panic.
func TestDegenerateObjects(t *testing.T) {
	a := grantsFixture(t, Config{})
	badSelector := &anp.AdminNetworkPolicy{Spec: anp.AdminNetworkPolicySpec{
		Subject: anp.AdminNetworkPolicySubject{Namespaces: &metaSelectorBad},
		Ingress: []anp.AdminNetworkPolicyIngressRule{{Action: anp.AdminNetworkPolicyRuleActionAllow, From: []anp.AdminNetworkPolicyIngressPeer{{Pods: &anp.NamespacedPod{}}, {}}}},
	}}
	cases := []struct {
		name      string
		kind      schema.GroupVersionKind
		namespace string
		obj       runtime.Object
	}{
		{"ClusterRole without a name", rbacv1.SchemeGroupVersion.WithKind("ClusterRole"), "", &rbacv1.ClusterRole{}},
		{"ClusterRole with an aggregation selector that does not parse", rbacv1.SchemeGroupVersion.WithKind("ClusterRole"), "", &rbacv1.ClusterRole{
			AggregationRule: &rbacv1.AggregationRule{ClusterRoleSelectors: []metaSelector{metaSelectorBad}}}},
		{"Role without a namespace", rbacv1.SchemeGroupVersion.WithKind("Role"), "a-web", &rbacv1.Role{}},
		{"ServiceAccount without a name", corev1.SchemeGroupVersion.WithKind("ServiceAccount"), "b-app", &corev1.ServiceAccount{}},
		{"AdminNetworkPolicy without a spec", anp.SchemeGroupVersion.WithKind("AdminNetworkPolicy"), "", &anp.AdminNetworkPolicy{}},
		{"AdminNetworkPolicy with a selector that does not parse and empty peers", anp.SchemeGroupVersion.WithKind("AdminNetworkPolicy"), "", badSelector},
		{"BaselineAdminNetworkPolicy without a spec", anp.SchemeGroupVersion.WithKind("BaselineAdminNetworkPolicy"), "", &anp.BaselineAdminNetworkPolicy{}},
		{"Endpoints with addresses that are not IPs", corev1.SchemeGroupVersion.WithKind("Endpoints"), "a-web", &corev1.Endpoints{
			Subsets: []corev1.EndpointSubset{{Addresses: []corev1.EndpointAddress{{IP: "not-an-ip"}, {IP: ""}}}}}},
		{"EndpointSlice of FQDNs", discoveryv1.SchemeGroupVersion.WithKind("EndpointSlice"), "a-web", &discoveryv1.EndpointSlice{
			AddressType: discoveryv1.AddressTypeFQDN, Endpoints: []discoveryv1.Endpoint{{Addresses: []string{"db.example.com"}}}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, op := range []Operation{Create, Update} {
				req := Request{Operation: op, Kind: c.kind, Namespace: c.namespace, Object: c.obj, User: User{Name: "alice"}}
				if op == Update {
					req.OldObject = c.obj
				}
				if d := a.Decide(req); !d.Allowed {
					t.Errorf("%s denied: %s", op, d.Message)
				}
			}
		})
	}
}

type metaSelector = metav1.LabelSelector

// metaSelectorBad is a selector the API would refuse: an operator that
// does not exist.
var metaSelectorBad = metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "x", Operator: "Near"}}}
