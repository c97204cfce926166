package netpol

import (
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
)

// Reaching the pods at the API server's address on the ports it answers
// on there is calling the API server: no reach row of the attack graph,
// whichever static pod the address is (kubeadm's etcd shares it); any
// other port of theirs is reach, and so are pods elsewhere.
func TestAPIOnly(t *testing.T) {
	tcp := corev1.ProtocolTCP
	api := &corev1.Endpoints{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "kubernetes"},
		Subsets: []corev1.EndpointSubset{{Addresses: []corev1.EndpointAddress{{IP: "10.0.0.10"}}, Ports: []corev1.EndpointPort{{Name: "https", Port: 6443, Protocol: tcp}}}}}
	for _, tt := range []struct {
		name     string
		ports    []networkingv1.NetworkPolicyPort
		endpoint bool
		apiOnly  bool
	}{
		{"the API server's port", []networkingv1.NetworkPolicyPort{npPort(tcp, 6443)}, true, true},
		{"etcd's port too", []networkingv1.NetworkPolicyPort{npPort(tcp, 6443), npPort(tcp, 2379)}, true, false},
		{"every port", nil, true, false},
		{"no endpoints of the API server in the input", []networkingv1.NetworkPolicyPort{npPort(tcp, 6443)}, false, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			snap := &snapshot.Snapshot{
				Pods: []corev1.Pod{
					testPod("a", "web", nil, "10.244.1.5"),
					hostPod("kube-system", "etcd-cp1", "cp1", "10.0.0.10"),
					hostPod("kube-system", "kube-apiserver-cp1", "cp1", "10.0.0.10"),
					hostPod("kube-system", "kube-proxy-w1", "w1", "10.0.0.11"),
				},
				NetworkPolicies: []networkingv1.NetworkPolicy{netPolicy("a", "egress", networkingv1.NetworkPolicySpec{
					PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeEgress},
					Egress: []networkingv1.NetworkPolicyEgressRule{{Ports: tt.ports, To: []networkingv1.NetworkPolicyPeer{
						{IPBlock: &networkingv1.IPBlock{CIDR: "10.0.0.0/24"}}}}}})},
			}
			if tt.endpoint {
				snap.Endpoints = []corev1.Endpoints{*api}
			}
			m := Compile(snap, DefaultOptions())
			web, _ := m.ClassOf("a", "web")
			rows := m.ReachRows()
			for _, name := range []string{"etcd-cp1", "kube-apiserver-cp1"} {
				c, _ := m.ClassOf("kube-system", name)
				if !m.Reaches(web, c) {
					t.Fatalf("web does not reach %s", name)
				}
				if got := m.APIOnly(web, c); got != tt.apiOnly {
					t.Errorf("APIOnly(web, %s) = %v, want %v (ports %s)", name, got, tt.apiOnly, FormatPorts(m.Ports(web, c)))
				}
				if inRow := rows[web][c/64]&(1<<(uint(c)%64)) != 0; inRow == tt.apiOnly {
					t.Errorf("%s in web's reach row: %v, want %v", name, inRow, !tt.apiOnly)
				}
			}
			for port, want := range map[int32]bool{6443: tt.endpoint, 2379: false} {
				v, err := m.Reach(Endpoint{Namespace: "a", Pod: "web"}, Endpoint{Namespace: "kube-system", Pod: "etcd-cp1"}, port, tcp)
				if err != nil {
					t.Fatal(err)
				}
				if got := slices.ContainsFunc(v.Notes, func(n string) bool { return strings.Contains(n, "reaches the API server") }); got != want {
					t.Errorf("reach etcd-cp1 on %d: a note that it is the API server %v, want %v: %q", port, got, want, v.Notes)
				}
			}
			proxy, _ := m.ClassOf("kube-system", "kube-proxy-w1")
			if m.APIOnly(web, proxy) {
				t.Error("APIOnly towards a pod at another address")
			}
		})
	}
}

// Calling the API server is no cross-tenant reach (BH-NET-001), even where
// a tenant's own host-network pod shares the API server's address; any
// other port of that pod is.
func TestCrossTenantIgnoresAPIServer(t *testing.T) {
	tcp := corev1.ProtocolTCP
	bToA := brief{IDCrossTenant, "high", "b", "a", "pods of tenant b can open connections to pods of tenant a"}
	for _, tt := range []struct {
		name  string
		ports []networkingv1.NetworkPolicyPort
		want  []brief
	}{
		// b's agent reaches a's pod, which no ingress policy isolates
		{"the API server's port", []networkingv1.NetworkPolicyPort{npPort(tcp, 6443)}, []brief{bToA}},
		{"and the agent's", []networkingv1.NetworkPolicyPort{npPort(tcp, 6443), npPort(tcp, 9100)},
			[]brief{{IDCrossTenant, "high", "a", "b", "pods of tenant a can open connections to pods of tenant b"}, bToA}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			snap := &snapshot.Snapshot{
				Namespaces: []corev1.Namespace{{ObjectMeta: metav1.ObjectMeta{Name: "a"}}, {ObjectMeta: metav1.ObjectMeta{Name: "b"}}, {ObjectMeta: metav1.ObjectMeta{Name: "kube-system"}}},
				Pods: []corev1.Pod{
					testPod("a", "web", nil, "10.244.1.5"),
					hostPod("b", "agent", "cp1", "10.0.0.10"),
					hostPod("kube-system", "kube-apiserver-cp1", "cp1", "10.0.0.10"),
				},
				Endpoints: []corev1.Endpoints{{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "kubernetes"},
					Subsets: []corev1.EndpointSubset{{Addresses: []corev1.EndpointAddress{{IP: "10.0.0.10"}}, Ports: []corev1.EndpointPort{{Port: 6443, Protocol: tcp}}}}}},
				NetworkPolicies: []networkingv1.NetworkPolicy{netPolicy("a", "egress", networkingv1.NetworkPolicySpec{
					PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeEgress},
					Egress: []networkingv1.NetworkPolicyEgressRule{{Ports: tt.ports, To: []networkingv1.NetworkPolicyPeer{
						{IPBlock: &networkingv1.IPBlock{CIDR: "10.0.0.10/32"}}}}}})},
			}
			got := briefsOf(Analyze(snap, resolveTenancy(t, snap), DefaultOptions()), IDCrossTenant)
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
		})
	}
}
