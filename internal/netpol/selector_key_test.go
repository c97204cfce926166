package netpol

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
)

// Peers share a compiled atom only when their selectors are equal: a
// selector the loader would refuse ({app: "x,role=db"}, handed to Compile
// directly) and a valid one whose labels spell the same text joined by
// "=" and "," are two atoms, whichever policy comes first.
func TestPeersOfSelectorsThatRunTogether(t *testing.T) {
	peer := func(labels map[string]string) []networkingv1.NetworkPolicyIngressRule {
		return []networkingv1.NetworkPolicyIngressRule{{From: []networkingv1.NetworkPolicyPeer{{PodSelector: &metav1.LabelSelector{MatchLabels: labels}}}}}
	}
	db := metav1.LabelSelector{MatchLabels: map[string]string{"app": "db"}}
	invalid := netPolicy("x", "a-invalid", networkingv1.NetworkPolicySpec{PodSelector: db, Ingress: peer(map[string]string{"app": "x,role=db"})})
	valid := netPolicy("x", "b-valid", networkingv1.NetworkPolicySpec{PodSelector: db, Ingress: peer(map[string]string{"app": "x", "role": "db"})})
	for _, order := range [][]networkingv1.NetworkPolicy{{invalid, valid}, {valid, invalid}} {
		snap := &snapshot.Snapshot{
			Namespaces: []corev1.Namespace{{ObjectMeta: metav1.ObjectMeta{Name: "x"}}},
			Pods: []corev1.Pod{
				testPod("x", "db", map[string]string{"app": "db"}, "10.0.0.1"),
				testPod("x", "client", map[string]string{"app": "x", "role": "db"}, "10.0.0.2"),
			},
			NetworkPolicies: order,
		}
		m := Compile(snap, DefaultOptions())
		v, err := m.Reach(Endpoint{Namespace: "x", Pod: "client"}, Endpoint{Namespace: "x", Pod: "db"}, 8080, corev1.ProtocolTCP)
		if err != nil {
			t.Fatal(err)
		}
		if !v.Allowed {
			t.Errorf("policies %s then %s: x/client does not reach x/db, which %s admits", order[0].Name, order[1].Name, valid.Name)
		}
	}
}
