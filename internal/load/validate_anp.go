package load

import (
	"fmt"
	"net/netip"
	"slices"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
	anp "sigs.k8s.io/network-policy-api/apis/v1alpha1"
)

// The AdminNetworkPolicy checks follow the CRD schema of
// sigs.k8s.io/network-policy-api v1alpha1 (its kubebuilder markers and
// CEL rules): what the API server refuses to store.

const maxANPPriority = 1000

func validateANP(a *anp.AdminNetworkPolicy) field.ErrorList {
	p := field.NewPath("spec")
	var errs field.ErrorList
	if a.Spec.Priority < 0 || a.Spec.Priority > maxANPPriority {
		errs = append(errs, field.Invalid(p.Child("priority"), a.Spec.Priority, fmt.Sprintf("must be between 0 and %d", maxANPPriority)))
	}
	errs = append(errs, validateANPSubject(a.Spec.Subject, p.Child("subject"))...)
	errs = append(errs, maxItems(len(a.Spec.Ingress), p.Child("ingress"))...)
	errs = append(errs, maxItems(len(a.Spec.Egress), p.Child("egress"))...)
	actions := []string{string(anp.AdminNetworkPolicyRuleActionAllow), string(anp.AdminNetworkPolicyRuleActionDeny), string(anp.AdminNetworkPolicyRuleActionPass)}
	for i, r := range a.Spec.Ingress {
		rp := p.Child("ingress").Index(i)
		errs = append(errs, validateANPRule(r.Name, string(r.Action), actions, r.Ports, rp)...)
		errs = append(errs, validateANPIngressPeers(r.From, rp.Child("from"))...)
	}
	for i, r := range a.Spec.Egress {
		rp := p.Child("egress").Index(i)
		errs = append(errs, validateANPRule(r.Name, string(r.Action), actions, r.Ports, rp)...)
		errs = append(errs, validateANPEgressPeers(r.To, r.Ports, rp)...)
	}
	return errs
}

func validateBANP(b *anp.BaselineAdminNetworkPolicy) field.ErrorList {
	p := field.NewPath("spec")
	var errs field.ErrorList
	if b.Name != "default" {
		errs = append(errs, field.Invalid(field.NewPath("metadata", "name"), b.Name, `Only one baseline admin network policy with metadata.name="default" can be created in the cluster`))
	}
	errs = append(errs, validateANPSubject(b.Spec.Subject, p.Child("subject"))...)
	errs = append(errs, maxItems(len(b.Spec.Ingress), p.Child("ingress"))...)
	errs = append(errs, maxItems(len(b.Spec.Egress), p.Child("egress"))...)
	actions := []string{string(anp.BaselineAdminNetworkPolicyRuleActionAllow), string(anp.BaselineAdminNetworkPolicyRuleActionDeny)}
	for i, r := range b.Spec.Ingress {
		rp := p.Child("ingress").Index(i)
		errs = append(errs, validateANPRule(r.Name, string(r.Action), actions, r.Ports, rp)...)
		errs = append(errs, validateANPIngressPeers(r.From, rp.Child("from"))...)
	}
	for i, r := range b.Spec.Egress {
		rp := p.Child("egress").Index(i)
		errs = append(errs, validateANPRule(r.Name, string(r.Action), actions, r.Ports, rp)...)
		errs = append(errs, validateANPEgressPeers(r.To, r.Ports, rp)...)
	}
	return errs
}

func maxItems(n int, p *field.Path) field.ErrorList {
	if n > 100 {
		return field.ErrorList{field.TooMany(p, n, 100)}
	}
	return nil
}

func validateANPSubject(s anp.AdminNetworkPolicySubject, p *field.Path) field.ErrorList {
	switch {
	case s.Namespaces != nil && s.Pods != nil:
		return field.ErrorList{field.Invalid(p, "namespaces, pods", "must have exactly one of namespaces or pods")}
	case s.Namespaces != nil:
		return selector(s.Namespaces, p.Child("namespaces"))
	case s.Pods != nil:
		return append(selector(&s.Pods.NamespaceSelector, p.Child("pods", "namespaceSelector")), selector(&s.Pods.PodSelector, p.Child("pods", "podSelector"))...)
	}
	return field.ErrorList{field.Required(p, "must have exactly one of namespaces or pods")}
}

// validateANPRule checks what ingress and egress rules share: a name of
// at most 100 characters, an action, and ports.
func validateANPRule(name, action string, actions []string, ports *[]anp.AdminNetworkPolicyPort, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if len(name) > 100 {
		errs = append(errs, field.TooLong(p.Child("name"), name, 100))
	}
	switch {
	case action == "":
		errs = append(errs, field.Required(p.Child("action"), fmt.Sprintf("one of %q", actions)))
	case !slices.Contains(actions, action):
		errs = append(errs, field.NotSupported(p.Child("action"), action, actions))
	}
	if ports == nil {
		return errs
	}
	for i, port := range *ports {
		pp := p.Child("ports").Index(i)
		set := 0
		if port.PortNumber != nil {
			set++
			errs = append(errs, validateProtocol(port.PortNumber.Protocol, pp.Child("portNumber", "protocol"))...)
			errs = append(errs, portRange(port.PortNumber.Port, pp.Child("portNumber", "port"))...)
		}
		if port.NamedPort != nil {
			set++
		}
		if r := port.PortRange; r != nil {
			set++
			rp := pp.Child("portRange")
			errs = append(errs, validateProtocol(r.Protocol, rp.Child("protocol"))...)
			errs = append(errs, portRange(r.Start, rp.Child("start"))...)
			errs = append(errs, portRange(r.End, rp.Child("end"))...)
			if r.End < r.Start {
				errs = append(errs, field.Invalid(rp.Child("end"), r.End, fmt.Sprintf("must be greater than or equal to start (%d)", r.Start)))
			}
		}
		if set != 1 {
			errs = append(errs, field.Invalid(pp, set, "must have exactly one of portNumber, namedPort or portRange"))
		}
	}
	return errs
}

func portRange(port int32, p *field.Path) field.ErrorList {
	if port < 1 || port > 65535 {
		return field.ErrorList{field.Invalid(p, port, "must be between 1 and 65535, inclusive")}
	}
	return nil
}

func validateANPIngressPeers(peers []anp.AdminNetworkPolicyIngressPeer, p *field.Path) field.ErrorList {
	errs := peerCount(len(peers), p)
	for i, peer := range peers {
		errs = append(errs, validateANPPeer(peer.Namespaces, peer.Pods, p.Index(i), peer.Namespaces != nil, peer.Pods != nil)...)
	}
	return errs
}

func validateANPEgressPeers(peers []anp.AdminNetworkPolicyEgressPeer, ports *[]anp.AdminNetworkPolicyPort, rule *field.Path) field.ErrorList {
	p := rule.Child("to")
	errs := peerCount(len(peers), p)
	hostPeer := false
	for i, peer := range peers {
		ip := p.Index(i)
		errs = append(errs, validateANPPeer(peer.Namespaces, peer.Pods, ip, peer.Namespaces != nil, peer.Pods != nil, peer.Nodes != nil, peer.Networks != nil)...)
		if peer.Nodes != nil {
			hostPeer = true
			errs = append(errs, selector(peer.Nodes, ip.Child("nodes"))...)
		}
		if peer.Networks != nil {
			hostPeer = true
			errs = append(errs, validateNetworks(peer.Networks, ip.Child("networks"))...)
		}
	}
	if hostPeer && ports != nil {
		for i, port := range *ports {
			if port.NamedPort != nil {
				errs = append(errs, field.Invalid(rule.Child("ports").Index(i).Child("namedPort"), *port.NamedPort, "networks/nodes peer cannot be set with namedPorts since there are no namedPorts for networks/nodes"))
			}
		}
	}
	return errs
}

func peerCount(n int, p *field.Path) field.ErrorList {
	switch {
	case n == 0:
		return field.ErrorList{field.Required(p, "at least one peer")}
	case n > 100:
		return field.ErrorList{field.TooMany(p, n, 100)}
	}
	return nil
}

// validateANPPeer checks that exactly one kind of peer is set (set lists
// which are) and validates the namespace and pod selectors.
func validateANPPeer(ns *metav1.LabelSelector, pods *anp.NamespacedPod, p *field.Path, set ...bool) field.ErrorList {
	n := 0
	for _, s := range set {
		if s {
			n++
		}
	}
	var errs field.ErrorList
	if n != 1 {
		errs = append(errs, field.Invalid(p, n, "must have exactly one of namespaces, pods, nodes or networks"))
	}
	if ns != nil {
		errs = append(errs, selector(ns, p.Child("namespaces"))...)
	}
	if pods != nil {
		errs = append(errs, selector(&pods.NamespaceSelector, p.Child("pods", "namespaceSelector"))...)
		errs = append(errs, selector(&pods.PodSelector, p.Child("pods", "podSelector"))...)
	}
	return errs
}

// validateNetworks checks CIDRs as the CRD does: 1 to 25 of them, each of
// one address family.
func validateNetworks(nets []anp.CIDR, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if len(nets) == 0 || len(nets) > 25 {
		errs = append(errs, field.Invalid(p, len(nets), "must have between 1 and 25 items"))
	}
	for i, c := range nets {
		if _, err := netip.ParsePrefix(string(c)); err != nil {
			errs = append(errs, field.Invalid(p.Index(i), string(c), "must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)"))
		}
	}
	return errs
}
