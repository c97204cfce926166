package load

import (
	"net/netip"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
	netutils "k8s.io/utils/net"
)

// validateNetworkPolicy follows kube-apiserver's ValidateNetworkPolicySpec:
// a policy the server refuses is not a deny-all.
func validateNetworkPolicy(np *networkingv1.NetworkPolicy) field.ErrorList {
	p := field.NewPath("spec")
	errs := selector(&np.Spec.PodSelector, p.Child("podSelector"))
	for i, rule := range np.Spec.Ingress {
		rp := p.Child("ingress").Index(i)
		errs = append(errs, validatePolicyPorts(rule.Ports, rp.Child("ports"))...)
		errs = append(errs, validatePeers(rule.From, rp.Child("from"))...)
	}
	for i, rule := range np.Spec.Egress {
		rp := p.Child("egress").Index(i)
		errs = append(errs, validatePolicyPorts(rule.Ports, rp.Child("ports"))...)
		errs = append(errs, validatePeers(rule.To, rp.Child("to"))...)
	}
	if len(np.Spec.PolicyTypes) > 2 {
		errs = append(errs, field.Invalid(p.Child("policyTypes"), np.Spec.PolicyTypes, "may not specify more than two policyTypes"))
	}
	for i, t := range np.Spec.PolicyTypes {
		if t != networkingv1.PolicyTypeIngress && t != networkingv1.PolicyTypeEgress {
			errs = append(errs, field.NotSupported(p.Child("policyTypes").Index(i), t, []string{"Ingress", "Egress"}))
		}
	}
	return errs
}

func validatePolicyPorts(ports []networkingv1.NetworkPolicyPort, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	for i, port := range ports {
		ip := p.Index(i)
		if port.Protocol != nil {
			errs = append(errs, validateProtocol(*port.Protocol, ip.Child("protocol"))...)
		}
		if port.Port != nil {
			errs = append(errs, validatePortOrName(*port.Port, ip.Child("port"))...)
		}
		if port.EndPort == nil {
			continue
		}
		switch {
		case port.Port == nil:
			errs = append(errs, field.Required(ip.Child("port"), "when endPort is specified"))
		case port.Port.Type == intstr.String:
			errs = append(errs, field.Invalid(ip.Child("endPort"), *port.EndPort, "may not be specified when `port` is non-numeric"))
		case *port.EndPort < port.Port.IntVal:
			errs = append(errs, field.Invalid(ip.Child("endPort"), *port.EndPort, "must be greater than or equal to `port`"))
		}
		for _, msg := range validation.IsValidPortNum(int(*port.EndPort)) {
			errs = append(errs, field.Invalid(ip.Child("endPort"), *port.EndPort, msg))
		}
	}
	return errs
}

// validatePortOrName accepts a port number or an IANA service name.
func validatePortOrName(port intstr.IntOrString, p *field.Path) field.ErrorList {
	var msgs []string
	if port.Type == intstr.Int {
		msgs = validation.IsValidPortNum(port.IntValue())
	} else if !portName(port.StrVal) {
		msgs = validation.IsValidPortName(port.StrVal)
	}
	var errs field.ErrorList
	for _, msg := range msgs {
		errs = append(errs, field.Invalid(p, port.String(), msg))
	}
	return errs
}

// validatePeers checks that each peer is exactly one of selectors or an
// ipBlock, and that an ipBlock's exceptions lie strictly inside its CIDR.
func validatePeers(peers []networkingv1.NetworkPolicyPeer, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	for i, peer := range peers {
		ip := p.Index(i)
		kinds := 0
		if peer.PodSelector != nil {
			kinds++
			errs = append(errs, selector(peer.PodSelector, ip.Child("podSelector"))...)
		}
		if peer.NamespaceSelector != nil {
			kinds++
			errs = append(errs, selector(peer.NamespaceSelector, ip.Child("namespaceSelector"))...)
		}
		if peer.IPBlock != nil {
			kinds++
			errs = append(errs, validateIPBlock(peer.IPBlock, ip.Child("ipBlock"))...)
		}
		switch {
		case kinds == 0:
			errs = append(errs, field.Required(ip, "must specify a peer"))
		case peer.IPBlock != nil && kinds > 1:
			errs = append(errs, field.Forbidden(ip, "may not specify both ipBlock and another peer"))
		}
	}
	return errs
}

func validateIPBlock(b *networkingv1.IPBlock, p *field.Path) field.ErrorList {
	if b.CIDR == "" {
		return field.ErrorList{field.Required(p.Child("cidr"), "")}
	}
	errs := validation.IsValidCIDR(p.Child("cidr"), b.CIDR)
	if len(errs) > 0 {
		return errs
	}
	_, outer, _ := netutils.ParseCIDRSloppy(b.CIDR)
	outerPrefix, _ := netip.ParsePrefix(outer.String())
	for i, ex := range b.Except {
		ep := p.Child("except").Index(i)
		exErrs := validation.IsValidCIDR(ep, ex)
		errs = append(errs, exErrs...)
		if len(exErrs) > 0 {
			continue
		}
		_, inner, _ := netutils.ParseCIDRSloppy(ex)
		innerPrefix, _ := netip.ParsePrefix(inner.String())
		if innerPrefix.Addr().Is4() != outerPrefix.Addr().Is4() || innerPrefix.Bits() <= outerPrefix.Bits() || !outerPrefix.Contains(innerPrefix.Addr()) {
			errs = append(errs, field.Invalid(ep, ex, "must be a strict subset of `cidr`"))
		}
	}
	return errs
}

// validateService checks a Service's selector and ports.
func validateService(s *corev1.Service) field.ErrorList {
	p := field.NewPath("spec")
	errs := metav1validation.ValidateLabels(s.Spec.Selector, p.Child("selector"))
	if s.Spec.Type == corev1.ServiceTypeExternalName {
		if s.Spec.ExternalName == "" {
			errs = append(errs, field.Required(p.Child("externalName"), ""))
		}
	} else if len(s.Spec.Ports) == 0 && s.Spec.ClusterIP != corev1.ClusterIPNone {
		errs = append(errs, field.Required(p.Child("ports"), ""))
	}
	names := map[string]bool{}
	for i, port := range s.Spec.Ports {
		ip := p.Child("ports").Index(i)
		if len(s.Spec.Ports) > 1 && port.Name == "" {
			errs = append(errs, field.Required(ip.Child("name"), "when multiple ports are specified"))
		} else if names[port.Name] {
			errs = append(errs, field.Duplicate(ip.Child("name"), port.Name))
		}
		names[port.Name] = true
		for _, msg := range validation.IsValidPortNum(int(port.Port)) {
			errs = append(errs, field.Invalid(ip.Child("port"), port.Port, msg))
		}
		errs = append(errs, validateProtocol(port.Protocol, ip.Child("protocol"))...)
		if port.TargetPort.Type == intstr.String || port.TargetPort.IntVal != 0 {
			errs = append(errs, validatePortOrName(port.TargetPort, ip.Child("targetPort"))...)
		}
	}
	for i, addr := range s.Spec.ExternalIPs {
		errs = append(errs, validation.IsValidIP(p.Child("externalIPs").Index(i), addr)...)
	}
	return errs
}

func validateEndpoints(e *corev1.Endpoints) field.ErrorList {
	var errs field.ErrorList
	for i, ss := range e.Subsets {
		sp := field.NewPath("subsets").Index(i)
		for j, a := range append(append([]corev1.EndpointAddress(nil), ss.Addresses...), ss.NotReadyAddresses...) {
			errs = append(errs, validation.IsValidIP(sp.Child("addresses").Index(j).Child("ip"), a.IP)...)
		}
		for j, port := range ss.Ports {
			pp := sp.Child("ports").Index(j)
			for _, msg := range validation.IsValidPortNum(int(port.Port)) {
				errs = append(errs, field.Invalid(pp.Child("port"), port.Port, msg))
			}
			errs = append(errs, validateProtocol(port.Protocol, pp.Child("protocol"))...)
		}
	}
	return errs
}

func validateEndpointSlice(e *discoveryv1.EndpointSlice) field.ErrorList {
	var errs field.ErrorList
	for i, ep := range e.Endpoints {
		for j, a := range ep.Addresses {
			ap := field.NewPath("endpoints").Index(i).Child("addresses").Index(j)
			switch e.AddressType {
			case discoveryv1.AddressTypeIPv4:
				errs = append(errs, validation.IsValidIPv4Address(ap, a)...)
			case discoveryv1.AddressTypeIPv6:
				errs = append(errs, validation.IsValidIPv6Address(ap, a)...)
			}
		}
	}
	for i, port := range e.Ports {
		pp := field.NewPath("ports").Index(i)
		if port.Port != nil {
			for _, msg := range validation.IsValidPortNum(int(*port.Port)) {
				errs = append(errs, field.Invalid(pp.Child("port"), *port.Port, msg))
			}
		}
		if port.Protocol != nil {
			errs = append(errs, validateProtocol(*port.Protocol, pp.Child("protocol"))...)
		}
	}
	return errs
}

func validateIngress(ing *networkingv1.Ingress) field.ErrorList {
	var errs field.ErrorList
	for i, r := range ing.Spec.Rules {
		if r.Host == "" {
			continue
		}
		hp := field.NewPath("spec", "rules").Index(i).Child("host")
		msgs := validation.IsDNS1123Subdomain(r.Host)
		if len(r.Host) > 2 && r.Host[:2] == "*." {
			msgs = validation.IsWildcardDNS1123Subdomain(r.Host)
		}
		for _, msg := range msgs {
			errs = append(errs, field.Invalid(hp, r.Host, msg))
		}
	}
	return errs
}
