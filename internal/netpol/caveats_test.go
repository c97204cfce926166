package netpol

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
)

// TestAddressCaveats: an address block of one tenant's policy that pods of
// another tenant without an address may fall in (manifests) is a caveat
// naming the rule and the other tenant; none when the pods have their
// addresses, or when the only such pods are the policy's own tenant's.
func TestAddressCaveats(t *testing.T) {
	cluster := func(ips bool, podNS string) *snapshot.Snapshot {
		pod := func(ns, name, ip string) corev1.Pod {
			p := corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}, Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "x"}}}}
			if ips {
				p.Status = corev1.PodStatus{Phase: corev1.PodRunning, PodIP: ip, PodIPs: []corev1.PodIP{{IP: ip}}}
			}
			return p
		}
		snap := &snapshot.Snapshot{
			Namespaces: []corev1.Namespace{{ObjectMeta: metav1.ObjectMeta{Name: "a"}}, {ObjectMeta: metav1.ObjectMeta{Name: "b"}}},
			Pods:       []corev1.Pod{pod("a", "client", "10.1.0.5"), pod(podNS, "srv", "10.1.0.6")},
			NetworkPolicies: []networkingv1.NetworkPolicy{{ObjectMeta: metav1.ObjectMeta{Namespace: "a", Name: "private-only"},
				Spec: networkingv1.NetworkPolicySpec{PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeEgress},
					Egress: []networkingv1.NetworkPolicyEgressRule{{To: []networkingv1.NetworkPolicyPeer{{IPBlock: &networkingv1.IPBlock{CIDR: "10.0.0.0/8"}}}}}}}},
		}
		snap.Normalize()
		return snap
	}
	block := func(cidr string, except ...string) func(*snapshot.Snapshot) {
		return func(s *snapshot.Snapshot) {
			s.NetworkPolicies[0].Spec.Egress[0].To[0].IPBlock = &networkingv1.IPBlock{CIDR: cidr, Except: except}
		}
	}
	podCIDR := func(c string) func(*snapshot.Snapshot) {
		return func(s *snapshot.Snapshot) {
			s.Nodes = append(s.Nodes, corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "n1"}, Spec: corev1.NodeSpec{PodCIDRs: []string{c}}})
		}
	}
	apiServer := func(s *snapshot.Snapshot) {
		s.Endpoints = append(s.Endpoints, corev1.Endpoints{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "kubernetes"},
			Subsets: []corev1.EndpointSubset{{Addresses: []corev1.EndpointAddress{{IP: "10.0.0.10"}}}}})
	}
	unaddressed := func(ns, name string) func(*snapshot.Snapshot) {
		return func(s *snapshot.Snapshot) {
			s.Pods = append(s.Pods, corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}, Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "x"}}}})
		}
	}
	hostPod := func(s *snapshot.Snapshot) {
		s.Pods = append(s.Pods, corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "b", Name: "agent"}, Spec: corev1.PodSpec{HostNetwork: true, Containers: []corev1.Container{{Name: "c", Image: "x"}}}})
	}
	for _, c := range []struct {
		name   string
		ips    bool
		podNS  string
		change []func(*snapshot.Snapshot)
		want   string
	}{
		{"another tenant's pods without addresses", false, "b", nil, "NetworkPolicy a/private-only egress[0]: address block 10.0.0.0/8 may hold the addresses of 1 pod of another tenant the input gives none; whether it allows traffic to pods of tenant b"},
		{"the pods' addresses known", true, "b", nil, ""},
		{"only the policy's own tenant's pods", false, "a", nil, ""},
		{"the API server's address", false, "b", []func(*snapshot.Snapshot){block("10.0.0.10/32"), apiServer}, ""},
		{"an address no one is known to hold", false, "b", []func(*snapshot.Snapshot){block("10.0.0.11/32"), apiServer}, "address block 10.0.0.11"},
		{"the nodes' pod range excepted", false, "b", []func(*snapshot.Snapshot){block("10.0.0.0/8", "10.244.0.0/16"), podCIDR("10.244.1.0/24")}, ""},
		// the block holds the only range the pods get addresses from: they
		// are in it (TestPodRangeHeldMatches)
		{"the block holds the nodes' pod range", false, "b", []func(*snapshot.Snapshot){podCIDR("10.244.1.0/24")}, ""},
		{"the block holds part of the nodes' pod ranges", false, "b", []func(*snapshot.Snapshot){block("10.244.1.0/24"), podCIDR("10.244.1.0/24"), podCIDR("10.244.2.0/24")}, "address block 10.244.1.0/24"},
		{"a link-local address (NodeLocal DNSCache)", false, "b", []func(*snapshot.Snapshot){block("169.254.20.10/32")}, ""},
		{"the pod range excepted, but a pod's address outside it", true, "b", []func(*snapshot.Snapshot){block("10.0.0.0/8", "10.244.0.0/16"), podCIDR("10.244.1.0/24"), unaddressed("b", "late")}, "address block 10.0.0.0/8"},
		// a host-network pod's address is its node's, and pod policy does
		// not protect it: BH-NET-008 reports it, no caveat
		{"only a host-network pod in the block", true, "b", []func(*snapshot.Snapshot){block("192.168.0.0/16"), podCIDR("10.1.0.0/16"), hostPod}, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			snap := cluster(c.ips, c.podNS)
			for _, ch := range c.change {
				ch(snap)
			}
			got := strings.Join(Compile(snap, DefaultOptions()).AddressCaveats(resolveTenancy(t, snap)), "\n")
			if (c.want == "") != (got == "") || !strings.Contains(got, c.want) {
				t.Errorf("caveats %q, want %q", got, c.want)
			}
		})
	}
}

// TestCrossRemediation: a cross-tenant reach into pods no policy isolates
// is fixed by a default-deny; into isolated pods, by narrowing the rules
// that let the sources in, which the fix names.
func TestCrossRemediation(t *testing.T) {
	open := Verdict{Ingress: Side{Allowed: true}, Egress: Side{Allowed: true}}
	if got := crossRemediation(&open); !strings.HasPrefix(got, "Isolate the target namespaces") {
		t.Errorf("not isolated: %q", got)
	}
	rule := RuleRef{Kind: "NetworkPolicy", Namespace: "default", Name: "frontend", Direction: "ingress", Index: 0}
	isolated := Verdict{Ingress: Side{Allowed: true, Isolated: true, Rules: []RuleRef{rule}}, Egress: Side{Allowed: true}}
	if got := crossRemediation(&isolated); !strings.Contains(got, "NetworkPolicy default/frontend ingress[0] lets these sources in: narrow it") {
		t.Errorf("isolated: %q", got)
	}
	egressRule := RuleRef{Kind: "NetworkPolicy", Namespace: "a", Name: "out", Direction: "egress", Index: 1}
	both := Verdict{Ingress: isolated.Ingress, Egress: Side{Allowed: true, Isolated: true, Rules: []RuleRef{egressRule}}}
	if got := crossRemediation(&both); !strings.Contains(got, "ingress[0] and NetworkPolicy a/out egress[1] let these sources in: narrow them") {
		t.Errorf("both sides: %q", got)
	}
}

// TestPodRangeHeldMatches: a pod without an address matches a block that
// holds every pod range the nodes declare: the egress it allows reaches it.
func TestPodRangeHeldMatches(t *testing.T) {
	snap := &snapshot.Snapshot{
		Namespaces: []corev1.Namespace{{ObjectMeta: metav1.ObjectMeta{Name: "a"}}, {ObjectMeta: metav1.ObjectMeta{Name: "b"}}},
		Nodes:      []corev1.Node{{ObjectMeta: metav1.ObjectMeta{Name: "n1"}, Spec: corev1.NodeSpec{PodCIDRs: []string{"10.244.1.0/24"}}}},
		Pods: []corev1.Pod{
			{ObjectMeta: metav1.ObjectMeta{Namespace: "a", Name: "client"}, Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "x"}}}},
			{ObjectMeta: metav1.ObjectMeta{Namespace: "b", Name: "pending"}, Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "x"}}}},
		},
		NetworkPolicies: []networkingv1.NetworkPolicy{{ObjectMeta: metav1.ObjectMeta{Namespace: "a", Name: "internal"},
			Spec: networkingv1.NetworkPolicySpec{PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeEgress},
				Egress: []networkingv1.NetworkPolicyEgressRule{{To: []networkingv1.NetworkPolicyPeer{{IPBlock: &networkingv1.IPBlock{CIDR: "10.244.0.0/16"}}}}}}}},
	}
	snap.Normalize()
	v, err := Compile(snap, DefaultOptions()).Reach(Endpoint{Namespace: "a", Pod: "client"}, Endpoint{Namespace: "b", Pod: "pending"}, 80, corev1.ProtocolTCP)
	if err != nil {
		t.Fatal(err)
	}
	if !v.Allowed || len(v.Notes) > 0 {
		t.Errorf("allowed %v, notes %q", v.Allowed, v.Notes)
	}
}
