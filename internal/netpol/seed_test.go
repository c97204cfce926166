package netpol

import (
	"fmt"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/bulkhead-dev/bulkhead/examples"
	"github.com/bulkhead-dev/bulkhead/internal/load"
	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
)

func seedSnapshot(t *testing.T) *snapshot.Snapshot {
	t.Helper()
	snap, err := load.FS(examples.SeedCluster, "demo")
	if err != nil {
		t.Fatal(err)
	}
	snap.Normalize()
	return snap
}

func mustEndpoint(t *testing.T, s string) Endpoint {
	t.Helper()
	e, err := ParseEndpoint(s)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// The seed article's curl: busybox (host network) in default reaches nginx
// in network because neither side is isolated; a default-deny ingress
// policy in network stops it. A regular pod behaves the same.
func TestSeedCurl(t *testing.T) {
	for _, src := range []string{"default/busybox", "default/nginx-default"} {
		t.Run(src, func(t *testing.T) {
			snap := seedSnapshot(t)
			m := Compile(snap, DefaultOptions())
			v, err := m.Reach(mustEndpoint(t, src), mustEndpoint(t, "network/nginx"), 80, corev1.ProtocolTCP)
			if err != nil {
				t.Fatal(err)
			}
			if !v.Allowed || v.Summary != "neither side isolated" {
				t.Fatalf("before deny: allowed=%v summary=%q\n%s", v.Allowed, v.Summary, strings.Join(v.Explain(), "\n"))
			}
			snap.NetworkPolicies = append(snap.NetworkPolicies, networkingv1.NetworkPolicy{
				ObjectMeta: metav1.ObjectMeta{Namespace: "network", Name: "default-deny"},
				Spec:       networkingv1.NetworkPolicySpec{PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress}},
			})
			m = Compile(snap, DefaultOptions())
			v, err = m.Reach(mustEndpoint(t, src), mustEndpoint(t, "network/nginx"), 80, corev1.ProtocolTCP)
			if err != nil {
				t.Fatal(err)
			}
			if v.Allowed || v.Ingress.Allowed || len(v.Ingress.Rules) != 1 || v.Ingress.Rules[0].Name != "default-deny" {
				t.Fatalf("after deny: %+v\n%s", v, strings.Join(v.Explain(), "\n"))
			}
			ports, err := m.AllowedPorts(mustEndpoint(t, src), mustEndpoint(t, "network/nginx"))
			if err != nil || len(ports) != 0 {
				t.Fatalf("after deny, ports %v, %v", ports, err)
			}
		})
	}
}

func hostPod(ns, name, node, ip string) corev1.Pod {
	return corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec:       corev1.PodSpec{HostNetwork: true, NodeName: node},
		Status:     corev1.PodStatus{PodIP: ip, HostIP: ip},
	}
}

// A host-network source is its node: ingress ipBlocks covering the node's
// address match it, pod selectors do not, and its own node always gets in.
func TestHostNetworkSemantics(t *testing.T) {
	pod := func(ns, name, node, ip string) corev1.Pod {
		return corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Labels: map[string]string{"app": name}},
			Spec: corev1.PodSpec{NodeName: node}, Status: corev1.PodStatus{PodIP: ip}}
	}
	snap := &snapshot.Snapshot{
		Pods: []corev1.Pod{
			hostPod("sys", "agent1", "n1", "192.168.0.1"),
			hostPod("sys", "agent2", "n2", "192.168.0.2"),
			pod("t", "web", "n1", "10.0.0.1"),
			pod("t", "db", "", "10.0.0.2"),
		},
		NetworkPolicies: []networkingv1.NetworkPolicy{
			{ObjectMeta: metav1.ObjectMeta{Namespace: "t", Name: "web"}, Spec: networkingv1.NetworkPolicySpec{
				PodSelector: metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
				Ingress:     []networkingv1.NetworkPolicyIngressRule{{From: []networkingv1.NetworkPolicyPeer{{NamespaceSelector: &metav1.LabelSelector{}}}}},
			}},
			{ObjectMeta: metav1.ObjectMeta{Namespace: "t", Name: "db"}, Spec: networkingv1.NetworkPolicySpec{
				PodSelector: metav1.LabelSelector{MatchLabels: map[string]string{"app": "db"}},
				Ingress: []networkingv1.NetworkPolicyIngressRule{{From: []networkingv1.NetworkPolicyPeer{
					{IPBlock: &networkingv1.IPBlock{CIDR: "192.168.0.2/32"}}}}},
			}},
			// Selecting a host-network pod isolates nothing.
			{ObjectMeta: metav1.ObjectMeta{Namespace: "sys", Name: "deny"}, Spec: networkingv1.NetworkPolicySpec{
				PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress, networkingv1.PolicyTypeEgress}}},
		},
	}
	m := Compile(snap, DefaultOptions())
	cases := []struct {
		src, dst string
		want     bool
	}{
		{"sys/agent1", "t/web", true},  // own node
		{"sys/agent2", "t/web", false}, // namespaceSelector {} does not match a node
		{"sys/agent2", "t/db", true},   // ipBlock covers agent2's node address
		{"sys/agent1", "t/db", false},
		{"t/web", "sys/agent2", true}, // host-network destination is unprotected
		{"sys/agent1", "203.0.113.9", true},
		{"203.0.113.9", "t/db", false},
		{"192.168.0.2", "t/db", true}, // the node's address is agent2
	}
	for _, c := range cases {
		v, err := m.Reach(mustEndpoint(t, c.src), mustEndpoint(t, c.dst), 443, corev1.ProtocolTCP)
		if err != nil {
			t.Fatal(err)
		}
		ports, _ := m.AllowedPorts(mustEndpoint(t, c.src), mustEndpoint(t, c.dst))
		if v.Allowed != c.want || portsInclude(ports, corev1.ProtocolTCP, 443) != c.want {
			t.Errorf("%s -> %s: reach %v, matrix %v, want %v\n%s", c.src, c.dst, v.Allowed, ports, c.want, strings.Join(v.Explain(), "\n"))
		}
	}
}

// A host-network DaemonSet is one class, however many nodes it runs on:
// its pods differ only by node, and traffic from a pod's own node is kept
// pod by pod (EachNodeLocal), not by splitting classes per node, which
// would make a cluster's reach grow with classes × nodes.
func TestHostNetworkDaemonSetIsOneClass(t *testing.T) {
	snap := &snapshot.Snapshot{}
	for i := 1; i <= 5; i++ {
		p := hostPod("sys", fmt.Sprintf("agent-%d", i), fmt.Sprintf("n%d", i), fmt.Sprintf("192.168.0.%d", i))
		p.Labels = map[string]string{"app": "agent"}
		snap.Pods = append(snap.Pods, p)
		snap.Pods = append(snap.Pods, corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "t", Name: fmt.Sprintf("web-%d", i)},
			Spec: corev1.PodSpec{NodeName: fmt.Sprintf("n%d", i)}, Status: corev1.PodStatus{PodIP: fmt.Sprintf("10.0.0.%d", i)}})
	}
	snap.NetworkPolicies = []networkingv1.NetworkPolicy{{ObjectMeta: metav1.ObjectMeta{Namespace: "t", Name: "deny"},
		Spec: networkingv1.NetworkPolicySpec{PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress}}}}
	m := Compile(snap, DefaultOptions())
	c1, _ := m.ClassOf("sys", "agent-1")
	c5, _ := m.ClassOf("sys", "agent-5")
	if c1 != c5 {
		t.Errorf("the agents of nodes n1 and n5 are classes %d and %d, want one", c1, c5)
	}
	local := map[string]bool{}
	m.EachNodeLocal(func(src, dst string) bool {
		local[src+" → "+dst] = true
		return true
	})
	for i := 1; i <= 5; i++ {
		own := fmt.Sprintf("sys/agent-%d → t/web-%d", i, i)
		other := fmt.Sprintf("sys/agent-%d → t/web-%d", i, i%5+1)
		if !local[own] || local[other] {
			t.Errorf("node-local pairs %v: want %s, not %s", local, own, other)
		}
	}
}
