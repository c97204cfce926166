package netpol

import (
	"net/netip"
	"slices"
	"sort"

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
	snap        *snapshot.Snapshot
	nsLabels    map[string]map[string]string
	ipBlockPods bool // ipBlock peers match (non-host-network) pod IPs
}

func newOracle(snap *snapshot.Snapshot, ipBlockPods bool) *oracle {
	o := &oracle{snap: snap, nsLabels: map[string]map[string]string{}, ipBlockPods: ipBlockPods}
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

// inCIDR: a pod without a known address is in a block only when the block
// holds every address a pod can get (a whole family, excepting at most
// loopback, link-local and multicast ranges).
func inCIDR(ip netip.Addr, cidr string, except []string) bool {
	p, err := netip.ParsePrefix(cidr)
	if err == nil && !ip.IsValid() {
		if p.Bits() != 0 {
			return false
		}
		for _, e := range except {
			q, err := netip.ParsePrefix(e)
			if err != nil {
				return false
			}
			if !slices.ContainsFunc([]string{"127.0.0.0/8", "169.254.0.0/16", "224.0.0.0/4", "::1/128", "fe80::/10", "ff00::/8"}, func(s string) bool {
				n := netip.MustParsePrefix(s)
				return n.Bits() <= q.Bits() && n.Contains(q.Addr())
			}) {
				return false
			}
		}
		return true
	}
	if err != nil || !p.Masked().Contains(ip) {
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
			if (o.ipBlockPods || peer.Spec.HostNetwork) && inCIDR(podIP(peer), p.IPBlock.CIDR, p.IPBlock.Except) {
				return true
			}
		case peer.Spec.HostNetwork:
			// A host-network pod's traffic carries its node's address:
			// no pod or namespace selector matches it.
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
	case peer.Spec.HostNetwork && (ns != nil || pods != nil):
		return false
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
	if self.Spec.HostNetwork {
		return true // pod policy does not apply to host-network pods
	}
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
	ownNode := s.Spec.HostNetwork && s.Spec.NodeName != "" && s.Spec.NodeName == d.Spec.NodeName
	return o.side(true, s, d, d, port, proto) && (ownNode || o.side(false, d, s, d, port, proto))
}
