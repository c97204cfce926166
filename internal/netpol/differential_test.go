package netpol

import (
	"fmt"
	"math/rand"
	"net/netip"
	"sort"
	"testing"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
	anp "sigs.k8s.io/network-policy-api/apis/v1alpha1"

	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
)

// The naive oracle below reads the API objects directly for one pod pair,
// with apimachinery's selectors and net/netip, the way the API
// documentation states the rules. It shares no code with the engine
// beyond the snapshot types.

func oracleSelects(sel *metav1.LabelSelector, lbls map[string]string) bool {
	s, err := metav1.LabelSelectorAsSelector(sel)
	if err != nil {
		return false
	}
	return s.Matches(labels.Set(lbls))
}

type oracle struct {
	snap     *snapshot.Snapshot
	nsLabels map[string]map[string]string
}

func newOracle(snap *snapshot.Snapshot) *oracle {
	o := &oracle{snap: snap, nsLabels: map[string]map[string]string{}}
	for _, ns := range snap.Namespaces {
		l := map[string]string{corev1.LabelMetadataName: ns.Name}
		for k, v := range ns.Labels {
			l[k] = v
		}
		o.nsLabels[ns.Name] = l
	}
	return o
}

func podIP(p *corev1.Pod) netip.Addr {
	ip, _ := netip.ParseAddr(p.Status.PodIP)
	return ip
}

func inCIDR(ip netip.Addr, cidr string, except []string) bool {
	p, err := netip.ParsePrefix(cidr)
	if err != nil || !ip.IsValid() || !p.Masked().Contains(ip) {
		return false
	}
	for _, e := range except {
		if q, err := netip.ParsePrefix(e); err == nil && q.Masked().Contains(ip) {
			return false
		}
	}
	return true
}

// namedPortOf returns the number of the destination's container port with
// that name and protocol.
func namedPortOf(d *corev1.Pod, name string, proto corev1.Protocol, anyProto bool) (int32, corev1.Protocol, bool) {
	for _, c := range d.Spec.Containers {
		for _, cp := range c.Ports {
			p := cp.Protocol
			if p == "" {
				p = corev1.ProtocolTCP
			}
			if cp.Name == name && (anyProto || p == proto) {
				return cp.ContainerPort, p, true
			}
		}
	}
	return 0, "", false
}

func (o *oracle) npPortMatches(ports []networkingv1.NetworkPolicyPort, d *corev1.Pod, port int32, proto corev1.Protocol) bool {
	if len(ports) == 0 {
		return true
	}
	for _, p := range ports {
		pp := corev1.ProtocolTCP
		if p.Protocol != nil {
			pp = *p.Protocol
		}
		if pp != proto {
			continue
		}
		switch {
		case p.Port == nil:
			return true
		case p.Port.Type == intstr.String:
			if n, _, ok := namedPortOf(d, p.Port.StrVal, proto, false); ok && n == port {
				return true
			}
		default:
			end := p.Port.IntVal
			if p.EndPort != nil {
				end = *p.EndPort
			}
			if p.Port.IntVal <= port && port <= end {
				return true
			}
		}
	}
	return false
}

func (o *oracle) npPeerMatches(peers []networkingv1.NetworkPolicyPeer, policyNS string, peer *corev1.Pod) bool {
	if len(peers) == 0 {
		return true
	}
	for _, p := range peers {
		switch {
		case p.IPBlock != nil:
			if inCIDR(podIP(peer), p.IPBlock.CIDR, p.IPBlock.Except) {
				return true
			}
		case p.NamespaceSelector != nil:
			if oracleSelects(p.NamespaceSelector, o.nsLabels[peer.Namespace]) && (p.PodSelector == nil || oracleSelects(p.PodSelector, peer.Labels)) {
				return true
			}
		case p.PodSelector != nil:
			if peer.Namespace == policyNS && oracleSelects(p.PodSelector, peer.Labels) {
				return true
			}
		}
	}
	return false
}

func anpPortMatches(ports *[]anp.AdminNetworkPolicyPort, d *corev1.Pod, port int32, proto corev1.Protocol) bool {
	if ports == nil || len(*ports) == 0 {
		return true
	}
	for _, p := range *ports {
		switch {
		case p.PortNumber != nil:
			if p.PortNumber.Protocol == proto && p.PortNumber.Port == port {
				return true
			}
		case p.PortRange != nil:
			if p.PortRange.Protocol == proto && p.PortRange.Start <= port && port <= p.PortRange.End {
				return true
			}
		case p.NamedPort != nil:
			if n, pp, ok := namedPortOf(d, *p.NamedPort, proto, true); ok && n == port && pp == proto {
				return true
			}
		}
	}
	return false
}

func (o *oracle) anpSubject(s anp.AdminNetworkPolicySubject, p *corev1.Pod) bool {
	switch {
	case s.Namespaces != nil:
		return oracleSelects(s.Namespaces, o.nsLabels[p.Namespace])
	case s.Pods != nil:
		return oracleSelects(&s.Pods.NamespaceSelector, o.nsLabels[p.Namespace]) && oracleSelects(&s.Pods.PodSelector, p.Labels)
	}
	return false
}

func (o *oracle) anpPeer(ns *metav1.LabelSelector, pods *anp.NamespacedPod, networks []anp.CIDR, peer *corev1.Pod) bool {
	switch {
	case ns != nil:
		return oracleSelects(ns, o.nsLabels[peer.Namespace])
	case pods != nil:
		return oracleSelects(&pods.NamespaceSelector, o.nsLabels[peer.Namespace]) && oracleSelects(&pods.PodSelector, peer.Labels)
	}
	for _, c := range networks {
		if inCIDR(podIP(peer), string(c), nil) {
			return true
		}
	}
	return false
}

// side decides one direction for subject pod self and peer pod, with dst
// the destination (whose named ports count).
func (o *oracle) side(egress bool, self, peer, dst *corev1.Pod, port int32, proto corev1.Protocol) bool {
	anps := append([]anp.AdminNetworkPolicy(nil), o.snap.AdminNetworkPolicies...)
	sort.SliceStable(anps, func(i, j int) bool {
		if anps[i].Spec.Priority != anps[j].Spec.Priority {
			return anps[i].Spec.Priority < anps[j].Spec.Priority
		}
		return anps[i].Name < anps[j].Name
	})
	passed := false
	for _, a := range anps {
		if passed || !o.anpSubject(a.Spec.Subject, self) {
			continue
		}
		var action string
		if egress {
			for _, r := range a.Spec.Egress {
				hit := false
				for _, p := range r.To {
					hit = hit || o.anpPeer(p.Namespaces, p.Pods, p.Networks, peer)
				}
				if hit && anpPortMatches(r.Ports, dst, port, proto) {
					action = string(r.Action)
					break
				}
			}
		} else {
			for _, r := range a.Spec.Ingress {
				hit := false
				for _, p := range r.From {
					hit = hit || o.anpPeer(p.Namespaces, p.Pods, nil, peer)
				}
				if hit && anpPortMatches(r.Ports, dst, port, proto) {
					action = string(r.Action)
					break
				}
			}
		}
		switch action {
		case "Allow":
			return true
		case "Deny":
			return false
		case "Pass":
			passed = true
		}
	}
	isolated, allowed := false, false
	for i := range o.snap.NetworkPolicies {
		np := &o.snap.NetworkPolicies[i]
		if np.Namespace != self.Namespace || !oracleSelects(&np.Spec.PodSelector, self.Labels) {
			continue
		}
		types := np.Spec.PolicyTypes
		if len(types) == 0 {
			types = []networkingv1.PolicyType{networkingv1.PolicyTypeIngress}
			if len(np.Spec.Egress) > 0 {
				types = append(types, networkingv1.PolicyTypeEgress)
			}
		}
		want := networkingv1.PolicyTypeIngress
		if egress {
			want = networkingv1.PolicyTypeEgress
		}
		has := false
		for _, t := range types {
			has = has || t == want
		}
		if !has {
			continue
		}
		isolated = true
		if egress {
			for _, r := range np.Spec.Egress {
				if o.npPeerMatches(r.To, np.Namespace, peer) && o.npPortMatches(r.Ports, dst, port, proto) {
					allowed = true
				}
			}
		} else {
			for _, r := range np.Spec.Ingress {
				if o.npPeerMatches(r.From, np.Namespace, peer) && o.npPortMatches(r.Ports, dst, port, proto) {
					allowed = true
				}
			}
		}
	}
	if isolated {
		return allowed
	}
	for _, b := range o.snap.BaselineAdminNetworkPolicies {
		if b.Name != "default" || !o.anpSubject(b.Spec.Subject, self) {
			continue
		}
		if egress {
			for _, r := range b.Spec.Egress {
				hit := false
				for _, p := range r.To {
					hit = hit || o.anpPeer(p.Namespaces, p.Pods, p.Networks, peer)
				}
				if hit && anpPortMatches(r.Ports, dst, port, proto) {
					return r.Action == anp.BaselineAdminNetworkPolicyRuleActionAllow
				}
			}
		} else {
			for _, r := range b.Spec.Ingress {
				hit := false
				for _, p := range r.From {
					hit = hit || o.anpPeer(p.Namespaces, p.Pods, nil, peer)
				}
				if hit && anpPortMatches(r.Ports, dst, port, proto) {
					return r.Action == anp.BaselineAdminNetworkPolicyRuleActionAllow
				}
			}
		}
	}
	return true
}

func (o *oracle) allowed(s, d *corev1.Pod, port int32, proto corev1.Protocol) bool {
	return o.side(true, s, d, d, port, proto) && o.side(false, d, s, d, port, proto)
}

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
			switch r.Intn(5) {
			case 0:
				out = append(out, networkingv1.NetworkPolicyPeer{PodSelector: podSel()})
			case 1:
				out = append(out, networkingv1.NetworkPolicyPeer{NamespaceSelector: nsSel()})
			case 2:
				out = append(out, networkingv1.NetworkPolicyPeer{NamespaceSelector: nsSel(), PodSelector: podSel()})
			case 3:
				out = append(out, networkingv1.NetworkPolicyPeer{IPBlock: &networkingv1.IPBlock{CIDR: "10.0.0.0/16", Except: []string{fmt.Sprintf("10.0.%d.0/24", r.Intn(3))}}})
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
		return anp.AdminNetworkPolicyEgressPeer{Networks: []anp.CIDR{anp.CIDR(fmt.Sprintf("10.0.%d.0/24", r.Intn(3)))}}
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
		m := Compile(snap, DefaultOptions())
		o := newOracle(snap)
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
