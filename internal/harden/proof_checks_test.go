package harden

import (
	"net/netip"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/bulkhead-dev/bulkhead/internal/netpol"
	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
	"github.com/bulkhead-dev/bulkhead/internal/tenancy"
)

// fromOutside admits, to edge's controller, the addresses outside the pod
// range on a port.
func fromOutside(name string, port int32) Object {
	np := newPolicy("edge", name, metav1.LabelSelector{MatchLabels: map[string]string{"app": "controller"}}, []networkingv1.PolicyType{networkingv1.PolicyTypeIngress})
	np.Spec.Ingress = []networkingv1.NetworkPolicyIngressRule{{
		From:  []networkingv1.NetworkPolicyPeer{{IPBlock: &networkingv1.IPBlock{CIDR: "0.0.0.0/0", Except: []string{"10.244.0.0/16"}}}},
		Ports: []networkingv1.NetworkPolicyPort{{Port: netPtr(intstr.FromInt32(port))}},
	}}
	return Object{Layer: Network, Namespace: "edge", Obj: np}
}

// TestChecksExternalTraffic: the check of traffic from outside the cluster
// passes harden's own plan and plans that keep the Service's target port
// open to outside addresses, and fails, naming the pod, a plan that walls
// the exposed namespace in.
func TestChecksExternalTraffic(t *testing.T) {
	deny := Object{Layer: Network, Namespace: "edge", Obj: newPolicy("edge", "naive-deny", metav1.LabelSelector{}, []networkingv1.PolicyType{networkingv1.PolicyTypeIngress})}
	for _, tc := range []struct {
		name  string
		tweak func(*snapshot.Snapshot, *corev1.Service)
		plan  func(in proofInput) Plan
		// broken is the pod reported, "" when the check passes.
		broken string
		before string
	}{
		{name: "harden's plan", plan: func(in proofInput) Plan { return in.plan(t, Options{}) }},
		{name: "a default deny in the exposed namespace", plan: func(proofInput) Plan { return Plan{Objects: []Object{deny}} },
			broken: "edge/controller", before: "TCP 8080"},
		{name: "a default deny and an allow from outside on the target port", plan: func(proofInput) Plan {
			return Plan{Objects: []Object{deny, fromOutside("outside-http", 8080)}}
		}},
		{name: "a default deny and an allow from outside on another port", plan: func(proofInput) Plan {
			return Plan{Objects: []Object{deny, fromOutside("outside-other", 9999)}}
		}, broken: "edge/controller", before: "TCP 8080"},
		{name: "NodePort with a numeric target port", tweak: func(_ *snapshot.Snapshot, s *corev1.Service) {
			s.Spec.Type = corev1.ServiceTypeNodePort
			s.Spec.Ports[0].TargetPort = intstr.FromInt32(8080)
		}, plan: func(proofInput) Plan { return Plan{Objects: []Object{deny}} }, broken: "edge/controller", before: "TCP 8080"},
		{name: "a ClusterIP Service is not checked", tweak: func(_ *snapshot.Snapshot, s *corev1.Service) { s.Spec.Type = corev1.ServiceTypeClusterIP },
			plan: func(proofInput) Plan { return Plan{Objects: []Object{deny}} }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			snap, _ := edgeCluster(t, tc.tweak)
			in := newProofInput(t, snap, tenancy.Config{})
			c := in.prove(t, tc.plan(in)).Checks
			exposed := tc.tweak == nil || !strings.Contains(tc.name, "ClusterIP")
			if want := map[bool]int{true: 1, false: 0}[exposed]; c.ExternalPods != want {
				t.Errorf("ExternalPods %d, want %d", c.ExternalPods, want)
			}
			if tc.broken == "" {
				if len(c.External) > 0 {
					t.Errorf("external %v: want none broken", c.External)
				}
				return
			}
			if c.OK() || len(c.External) != 1 {
				t.Fatalf("external %v: want %s reported", c.External, tc.broken)
			}
			b := c.External[0]
			if b.To != tc.broken || b.Before != tc.before || b.After != "nothing" || !strings.HasPrefix(b.From, "outside the cluster (") {
				t.Errorf("broken %+v: want %s, %s before, nothing after", b, tc.broken, tc.before)
			}
		})
	}
}

func TestOutsideAddrs(t *testing.T) {
	snap, ten := edgeCluster(t, func(snap *snapshot.Snapshot, _ *corev1.Service) {
		// A policy naming 203.0.113.0/24 splits the outside into ranges;
		// the node's address and the pod range are inside the cluster.
		snap.Nodes[0].Status.Addresses = []corev1.NodeAddress{{Type: corev1.NodeInternalIP, Address: "192.0.2.1"}}
		snap.NetworkPolicies = append(snap.NetworkPolicies, networkingv1.NetworkPolicy{
			ObjectMeta: metav1.ObjectMeta{Namespace: "t1", Name: "doc"},
			Spec: networkingv1.NetworkPolicySpec{Ingress: []networkingv1.NetworkPolicyIngressRule{{From: []networkingv1.NetworkPolicyPeer{
				{IPBlock: &networkingv1.IPBlock{CIDR: "203.0.113.0/24"}}, {IPBlock: &networkingv1.IPBlock{CIDR: "192.0.2.1/32"}},
			}}}},
		})
	})
	m := netpol.Compile(snap, netpol.DefaultOptions())
	got := outsideAddrs(snap, ten, m)
	pods, _ := podRanges(snap, ten)
	for _, a := range got {
		for _, p := range append(pods, netip.MustParsePrefix("192.0.2.1/32"), netip.MustParsePrefix("10.96.0.0/16")) {
			if p.Contains(a) {
				t.Errorf("%s is inside the cluster (%s)", a, p)
			}
		}
	}
	if len(got) == 0 || got[0].String() != "203.0.113.1" {
		t.Errorf("outside addresses %v: want 203.0.113.1 first", got)
	}
	has := map[string]bool{}
	for _, a := range got {
		has[a.String()] = true
	}
	for _, want := range []string{"203.0.113.1"} {
		if !has[want] || has["2001:db8::1"] {
			t.Errorf("outside addresses %v: want %s, and no IPv6 address (the pods have IPv4 ones)", got, want)
		}
	}
}
