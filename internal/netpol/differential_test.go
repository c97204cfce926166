package netpol

import (
	"fmt"
	"math/rand"
	"testing"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	anp "sigs.k8s.io/network-policy-api/apis/v1alpha1"

	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
)

// randomCluster builds a small random cluster with random policies of
// every tier.
func randomCluster(r *rand.Rand) *snapshot.Snapshot {
	pick := func(xs ...string) string { return xs[r.Intn(len(xs))] }
	snap := &snapshot.Snapshot{}
	nss := []string{"a", "b", "c"}
	for i, ns := range nss {
		snap.Namespaces = append(snap.Namespaces, corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns, Labels: map[string]string{"team": pick("red", "blue")}}})
		for j := 0; j < 2+r.Intn(3); j++ {
			p := corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: fmt.Sprintf("p%d", j), Labels: map[string]string{"app": pick("x", "y")}}}
			if r.Intn(2) == 0 {
				p.Labels["tier"] = pick("1", "2")
			}
			p.Status.PodIP = fmt.Sprintf("10.0.%d.%d", i, j+1)
			p.Spec.NodeName = pick("", "n1", "n2")
			switch r.Intn(8) {
			case 0: // on the host network: the node's address, when known
				p.Spec.HostNetwork = true
				p.Status.PodIP = map[string]string{"": "", "n1": "192.168.0.1", "n2": "192.168.0.2"}[p.Spec.NodeName]
			case 1: // not yet scheduled, or read from a manifest
				p.Status.PodIP = ""
			}
			c := corev1.Container{Name: "c"}
			for _, cp := range []corev1.ContainerPort{
				{Name: "http", ContainerPort: 80}, {Name: "http", ContainerPort: 8080}, {Name: "dns", ContainerPort: 53, Protocol: corev1.ProtocolUDP},
				{Name: "metrics", ContainerPort: 9000, Protocol: corev1.ProtocolSCTP}, {Name: "http", ContainerPort: 8050, Protocol: corev1.ProtocolUDP},
			} {
				// Port names are unique within a pod.
				if r.Intn(2) == 0 && len(c.Ports) < 2 && (len(c.Ports) == 0 || c.Ports[0].Name != cp.Name) {
					c.Ports = append(c.Ports, cp)
				}
			}
			p.Spec.Containers = []corev1.Container{c}
			snap.Pods = append(snap.Pods, p)
		}
	}
	podSel := func() *metav1.LabelSelector {
		switch r.Intn(4) {
		case 0:
			return &metav1.LabelSelector{}
		case 1:
			return &metav1.LabelSelector{MatchLabels: map[string]string{"app": pick("x", "y")}}
		case 2:
			return &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "tier", Operator: metav1.LabelSelectorOpIn, Values: []string{pick("1", "2")}}}}
		}
		return &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "tier", Operator: metav1.LabelSelectorOpDoesNotExist}}}
	}
	nsSel := func() *metav1.LabelSelector {
		switch r.Intn(3) {
		case 0:
			return &metav1.LabelSelector{}
		case 1:
			return &metav1.LabelSelector{MatchLabels: map[string]string{"team": pick("red", "blue")}}
		}
		return &metav1.LabelSelector{MatchLabels: map[string]string{corev1.LabelMetadataName: pick(nss...)}}
	}
	peers := func() []networkingv1.NetworkPolicyPeer {
		var out []networkingv1.NetworkPolicyPeer
		for k := r.Intn(3); k > 0; k-- {
			switch r.Intn(6) {
			case 0:
				out = append(out, networkingv1.NetworkPolicyPeer{PodSelector: podSel()})
			case 1:
				out = append(out, networkingv1.NetworkPolicyPeer{NamespaceSelector: nsSel()})
			case 2:
				out = append(out, networkingv1.NetworkPolicyPeer{NamespaceSelector: nsSel(), PodSelector: podSel()})
			case 3:
				out = append(out, networkingv1.NetworkPolicyPeer{IPBlock: &networkingv1.IPBlock{CIDR: "10.0.0.0/16", Except: []string{fmt.Sprintf("10.0.%d.0/24", r.Intn(3))}}})
			case 4:
				out = append(out, networkingv1.NetworkPolicyPeer{IPBlock: &networkingv1.IPBlock{CIDR: pick("192.168.0.0/24", "192.168.0.1/32", "0.0.0.0/0")}})
			default:
				out = append(out, networkingv1.NetworkPolicyPeer{IPBlock: &networkingv1.IPBlock{CIDR: fmt.Sprintf("10.0.%d.%d/32", r.Intn(3), 1+r.Intn(3))}})
			}
		}
		return out
	}
	proto := func(p corev1.Protocol) *corev1.Protocol { return &p }
	ports := func() []networkingv1.NetworkPolicyPort {
		var out []networkingv1.NetworkPolicyPort
		for k := r.Intn(3); k > 0; k-- {
			switch r.Intn(6) {
			case 0:
				p := intstr.FromInt32(80)
				out = append(out, networkingv1.NetworkPolicyPort{Port: &p})
			case 1:
				p := intstr.FromString("http")
				out = append(out, networkingv1.NetworkPolicyPort{Port: &p, Protocol: proto(Protocols[r.Intn(2)])})
			case 2:
				p := intstr.FromInt32(53)
				out = append(out, networkingv1.NetworkPolicyPort{Port: &p, Protocol: proto(corev1.ProtocolUDP)})
			case 3:
				p, end := intstr.FromInt32(8000), int32(8100)
				out = append(out, networkingv1.NetworkPolicyPort{Port: &p, EndPort: &end})
			case 4:
				out = append(out, networkingv1.NetworkPolicyPort{Protocol: proto(Protocols[r.Intn(3)])})
			default:
				p := intstr.FromString("metrics")
				out = append(out, networkingv1.NetworkPolicyPort{Port: &p, Protocol: proto(corev1.ProtocolSCTP)})
			}
		}
		return out
	}
	for i := r.Intn(6); i > 0; i-- {
		np := networkingv1.NetworkPolicy{ObjectMeta: metav1.ObjectMeta{Namespace: pick(nss...), Name: fmt.Sprintf("np%d", i)}}
		np.Spec.PodSelector = *podSel()
		for k := r.Intn(3); k > 0; k-- {
			np.Spec.Ingress = append(np.Spec.Ingress, networkingv1.NetworkPolicyIngressRule{From: peers(), Ports: ports()})
		}
		for k := r.Intn(3); k > 0; k-- {
			np.Spec.Egress = append(np.Spec.Egress, networkingv1.NetworkPolicyEgressRule{To: peers(), Ports: ports()})
		}
		switch r.Intn(4) {
		case 0:
			np.Spec.PolicyTypes = []networkingv1.PolicyType{networkingv1.PolicyTypeIngress}
		case 1:
			np.Spec.PolicyTypes = []networkingv1.PolicyType{networkingv1.PolicyTypeEgress}
		case 2:
			np.Spec.PolicyTypes = []networkingv1.PolicyType{networkingv1.PolicyTypeIngress, networkingv1.PolicyTypeEgress}
		}
		snap.NetworkPolicies = append(snap.NetworkPolicies, np)
	}
	anpPorts := func() *[]anp.AdminNetworkPolicyPort {
		if r.Intn(2) == 0 {
			return nil
		}
		var out []anp.AdminNetworkPolicyPort
		switch r.Intn(3) {
		case 0:
			out = append(out, anp.AdminNetworkPolicyPort{PortNumber: &anp.Port{Protocol: Protocols[r.Intn(3)], Port: pick32(r, 80, 53, 9000)}})
		case 1:
			n := pick("http", "dns", "metrics")
			out = append(out, anp.AdminNetworkPolicyPort{NamedPort: &n})
		default:
			out = append(out, anp.AdminNetworkPolicyPort{PortRange: &anp.PortRange{Protocol: corev1.ProtocolTCP, Start: 70, End: 8060}})
		}
		return &out
	}
	subject := func() anp.AdminNetworkPolicySubject {
		if r.Intn(2) == 0 {
			return anp.AdminNetworkPolicySubject{Namespaces: nsSel()}
		}
		return anp.AdminNetworkPolicySubject{Pods: &anp.NamespacedPod{NamespaceSelector: *nsSel(), PodSelector: *podSel()}}
	}
	actions := []anp.AdminNetworkPolicyRuleAction{anp.AdminNetworkPolicyRuleActionAllow, anp.AdminNetworkPolicyRuleActionDeny, anp.AdminNetworkPolicyRuleActionPass}
	inPeer := func() anp.AdminNetworkPolicyIngressPeer {
		if r.Intn(2) == 0 {
			return anp.AdminNetworkPolicyIngressPeer{Namespaces: nsSel()}
		}
		return anp.AdminNetworkPolicyIngressPeer{Pods: &anp.NamespacedPod{NamespaceSelector: *nsSel(), PodSelector: *podSel()}}
	}
	egPeer := func() anp.AdminNetworkPolicyEgressPeer {
		switch r.Intn(3) {
		case 0:
			return anp.AdminNetworkPolicyEgressPeer{Namespaces: nsSel()}
		case 1:
			return anp.AdminNetworkPolicyEgressPeer{Pods: &anp.NamespacedPod{NamespaceSelector: *nsSel(), PodSelector: *podSel()}}
		}
		return anp.AdminNetworkPolicyEgressPeer{Networks: []anp.CIDR{anp.CIDR(pick("10.0.0.0/24", "10.0.1.0/24", "10.0.2.0/24", "192.168.0.0/24"))}}
	}
	for i := r.Intn(4); i > 0; i-- {
		a := anp.AdminNetworkPolicy{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("anp%d", i)}, Spec: anp.AdminNetworkPolicySpec{Priority: int32(r.Intn(3)), Subject: subject()}}
		for k := r.Intn(3); k > 0; k-- {
			a.Spec.Ingress = append(a.Spec.Ingress, anp.AdminNetworkPolicyIngressRule{Action: actions[r.Intn(3)], From: []anp.AdminNetworkPolicyIngressPeer{inPeer()}, Ports: anpPorts()})
		}
		for k := r.Intn(3); k > 0; k-- {
			a.Spec.Egress = append(a.Spec.Egress, anp.AdminNetworkPolicyEgressRule{Action: actions[r.Intn(3)], To: []anp.AdminNetworkPolicyEgressPeer{egPeer()}, Ports: anpPorts()})
		}
		snap.AdminNetworkPolicies = append(snap.AdminNetworkPolicies, a)
	}
	if r.Intn(2) == 0 {
		b := anp.BaselineAdminNetworkPolicy{ObjectMeta: metav1.ObjectMeta{Name: "default"}, Spec: anp.BaselineAdminNetworkPolicySpec{Subject: subject()}}
		bact := []anp.BaselineAdminNetworkPolicyRuleAction{anp.BaselineAdminNetworkPolicyRuleActionAllow, anp.BaselineAdminNetworkPolicyRuleActionDeny}
		for k := r.Intn(3); k > 0; k-- {
			b.Spec.Ingress = append(b.Spec.Ingress, anp.BaselineAdminNetworkPolicyIngressRule{Action: bact[r.Intn(2)], From: []anp.AdminNetworkPolicyIngressPeer{inPeer()}, Ports: anpPorts()})
		}
		for k := r.Intn(3); k > 0; k-- {
			b.Spec.Egress = append(b.Spec.Egress, anp.BaselineAdminNetworkPolicyEgressRule{Action: bact[r.Intn(2)], To: []anp.AdminNetworkPolicyEgressPeer{egPeer()}, Ports: anpPorts()})
		}
		snap.BaselineAdminNetworkPolicies = append(snap.BaselineAdminNetworkPolicies, b)
	}
	return snap
}

func pick32(r *rand.Rand, xs ...int32) int32 { return xs[r.Intn(len(xs))] }

// TestDifferential compares the class matrices, the per-pair explanation
// and the naive oracle on random clusters, pair by pair and port by port.
func TestDifferential(t *testing.T) {
	probes := []struct {
		port  int32
		proto corev1.Protocol
	}{{80, "TCP"}, {8080, "TCP"}, {8050, "TCP"}, {8050, "UDP"}, {53, "UDP"}, {53, "TCP"}, {9000, "SCTP"}, {81, "TCP"}, {70, "TCP"}}
	seeds := 200
	if testing.Short() {
		seeds = 50
	}
	for seed := 0; seed < seeds; seed++ {
		r := rand.New(rand.NewSource(int64(seed)))
		snap := randomCluster(r)
		opts := DefaultOptions()
		opts.IPBlockMatchesPods = seed%3 != 0
		m := Compile(snap, opts)
		o := newOracle(snap, opts.IPBlockMatchesPods)
		for i := range snap.Pods {
			for j := range snap.Pods {
				s, d := &snap.Pods[i], &snap.Pods[j]
				se := Endpoint{Namespace: s.Namespace, Pod: s.Name}
				de := Endpoint{Namespace: d.Namespace, Pod: d.Name}
				ports, err := m.AllowedPorts(se, de)
				if err != nil {
					t.Fatal(err)
				}
				for _, pr := range probes {
					want := o.allowed(s, d, pr.port, pr.proto)
					v, err := m.Reach(se, de, pr.port, pr.proto)
					if err != nil {
						t.Fatal(err)
					}
					if v.Allowed != want || portsInclude(ports, pr.proto, pr.port) != want {
						t.Fatalf("seed %d: %s/%s -> %s/%s %s/%d: oracle %v, reach %v, matrix %v\n%v\nports %v", seed, s.Namespace, s.Name, d.Namespace, d.Name,
							pr.proto, pr.port, want, v.Allowed, portsInclude(ports, pr.proto, pr.port), v.Explain(), ports)
					}
				}
			}
		}
	}
}
