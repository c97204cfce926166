package load

import (
	"net/netip"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
	netutils "k8s.io/utils/net"
)

// validateNetworkPolicy follows kube-apiserver's ValidateNetworkPolicySpec:
// a policy the server refuses is not a deny-all.
func validateNetworkPolicy(m *memo, np *networkingv1.NetworkPolicy) field.ErrorList {
	errs := m.selector(&np.Spec.PodSelector, func() *field.Path { return specPath().Child("podSelector") })
	for i, rule := range np.Spec.Ingress {
		rp := func() *field.Path { return specPath().Child("ingress").Index(i) }
		errs = append(errs, validatePolicyPorts(rule.Ports, func() *field.Path { return rp().Child("ports") })...)
		errs = append(errs, validatePeers(m, rule.From, func() *field.Path { return rp().Child("from") })...)
	}
	for i, rule := range np.Spec.Egress {
		rp := func() *field.Path { return specPath().Child("egress").Index(i) }
		errs = append(errs, validatePolicyPorts(rule.Ports, func() *field.Path { return rp().Child("ports") })...)
		errs = append(errs, validatePeers(m, rule.To, func() *field.Path { return rp().Child("to") })...)
	}
	if len(np.Spec.PolicyTypes) > 2 {
		errs = append(errs, field.Invalid(specPath().Child("policyTypes"), np.Spec.PolicyTypes, "may not specify more than two policyTypes"))
	}
	for i, t := range np.Spec.PolicyTypes {
		if t != networkingv1.PolicyTypeIngress && t != networkingv1.PolicyTypeEgress {
			errs = append(errs, field.NotSupported(specPath().Child("policyTypes").Index(i), t, []string{"Ingress", "Egress"}))
		}
	}
	return errs
}

// validatePolicyPorts checks a rule's ports; at makes their path, for
// an error.
func validatePolicyPorts(ports []networkingv1.NetworkPolicyPort, at func() *field.Path) field.ErrorList {
	var errs field.ErrorList
	for i, port := range ports {
		child := func(name string) *field.Path { return at().Index(i).Child(name) }
		if port.Protocol != nil && !knownProtocol(*port.Protocol) {
			errs = append(errs, validateProtocol(*port.Protocol, child("protocol"))...)
		}
		if port.Port != nil && !validPortOrName(*port.Port) {
			errs = append(errs, validatePortOrName(*port.Port, child("port"))...)
		}
		if port.EndPort == nil {
			continue
		}
		switch {
		case port.Port == nil:
			errs = append(errs, field.Required(child("port"), "when endPort is specified"))
		case port.Port.Type == intstr.String:
			errs = append(errs, field.Invalid(child("endPort"), *port.EndPort, "may not be specified when `port` is non-numeric"))
		case *port.EndPort < port.Port.IntVal:
			errs = append(errs, field.Invalid(child("endPort"), *port.EndPort, "must be greater than or equal to `port`"))
		}
		for _, msg := range validation.IsValidPortNum(int(*port.EndPort)) {
			errs = append(errs, field.Invalid(child("endPort"), *port.EndPort, msg))
		}
	}
	return errs
}

// validPortOrName reports whether validatePortOrName accepts port, for a
// caller to make its path only when it does not.
func validPortOrName(port intstr.IntOrString) bool {
	if port.Type == intstr.Int {
		return len(validation.IsValidPortNum(port.IntValue())) == 0
	}
	return portName(port.StrVal)
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
// at makes the peers' path, for an error.
func validatePeers(m *memo, peers []networkingv1.NetworkPolicyPeer, at func() *field.Path) field.ErrorList {
	var errs field.ErrorList
	for i, peer := range peers {
		ip := func() *field.Path { return at().Index(i) }
		kinds := 0
		if peer.PodSelector != nil {
			kinds++
			errs = append(errs, m.selector(peer.PodSelector, func() *field.Path { return ip().Child("podSelector") })...)
		}
		if peer.NamespaceSelector != nil {
			kinds++
			errs = append(errs, m.selector(peer.NamespaceSelector, func() *field.Path { return ip().Child("namespaceSelector") })...)
		}
		if peer.IPBlock != nil {
			kinds++
			errs = append(errs, validateIPBlock(peer.IPBlock, func() *field.Path { return ip().Child("ipBlock") })...)
		}
		switch {
		case kinds == 0:
			errs = append(errs, field.Required(ip(), "must specify a peer"))
		case peer.IPBlock != nil && kinds > 1:
			errs = append(errs, field.Forbidden(ip(), "may not specify both ipBlock and another peer"))
		}
	}
	return errs
}

// validateIPBlock checks an ipBlock; at makes its path, for an error.
func validateIPBlock(b *networkingv1.IPBlock, at func() *field.Path) field.ErrorList {
	if b.CIDR == "" {
		return field.ErrorList{field.Required(at().Child("cidr"), "")}
	}
	errs := atError(func(p *field.Path) field.ErrorList { return validation.IsValidCIDR(p, b.CIDR) }, func() *field.Path { return at().Child("cidr") })
	if len(errs) > 0 {
		return errs
	}
	_, outer, _ := netutils.ParseCIDRSloppy(b.CIDR)
	outerPrefix, _ := netip.ParsePrefix(outer.String())
	for i, ex := range b.Except {
		ep := func() *field.Path { return at().Child("except").Index(i) }
		exErrs := atError(func(p *field.Path) field.ErrorList { return validation.IsValidCIDR(p, ex) }, ep)
		errs = append(errs, exErrs...)
		if len(exErrs) > 0 {
			continue
		}
		_, inner, _ := netutils.ParseCIDRSloppy(ex)
		innerPrefix, _ := netip.ParsePrefix(inner.String())
		if innerPrefix.Addr().Is4() != outerPrefix.Addr().Is4() || innerPrefix.Bits() <= outerPrefix.Bits() || !outerPrefix.Contains(innerPrefix.Addr()) {
			errs = append(errs, field.Invalid(ep(), ex, "must be a strict subset of `cidr`"))
		}
	}
	return errs
}

// validateService checks a Service's selector and ports.
func validateService(m *memo, s *corev1.Service) field.ErrorList {
	errs := m.validateLabels(s.Spec.Selector, func() *field.Path { return specPath().Child("selector") })
	if s.Spec.Type == corev1.ServiceTypeExternalName {
		if s.Spec.ExternalName == "" {
			errs = append(errs, field.Required(specPath().Child("externalName"), ""))
		}
	} else if len(s.Spec.Ports) == 0 && s.Spec.ClusterIP != corev1.ClusterIPNone {
		errs = append(errs, field.Required(specPath().Child("ports"), ""))
	}
	names := map[string]bool{}
	for i, port := range s.Spec.Ports {
		child := func(name string) *field.Path { return specPath().Child("ports").Index(i).Child(name) }
		if len(s.Spec.Ports) > 1 && port.Name == "" {
			errs = append(errs, field.Required(child("name"), "when multiple ports are specified"))
		} else if names[port.Name] {
			errs = append(errs, field.Duplicate(child("name"), port.Name))
		}
		names[port.Name] = true
		for _, msg := range validation.IsValidPortNum(int(port.Port)) {
			errs = append(errs, field.Invalid(child("port"), port.Port, msg))
		}
		if !knownProtocol(port.Protocol) {
			errs = append(errs, validateProtocol(port.Protocol, child("protocol"))...)
		}
		if (port.TargetPort.Type == intstr.String || port.TargetPort.IntVal != 0) && !validPortOrName(port.TargetPort) {
			errs = append(errs, validatePortOrName(port.TargetPort, child("targetPort"))...)
		}
	}
	for i, addr := range s.Spec.ExternalIPs {
		errs = append(errs, validation.IsValidIP(specPath().Child("externalIPs").Index(i), addr)...)
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
			at := func() *field.Path { return field.NewPath("endpoints").Index(i).Child("addresses").Index(j) }
			switch e.AddressType {
			case discoveryv1.AddressTypeIPv4:
				errs = append(errs, atError(func(p *field.Path) field.ErrorList { return validation.IsValidIPv4Address(p, a) }, at)...)
			case discoveryv1.AddressTypeIPv6:
				errs = append(errs, atError(func(p *field.Path) field.ErrorList { return validation.IsValidIPv6Address(p, a) }, at)...)
			}
		}
	}
	for i, port := range e.Ports {
		child := func(name string) *field.Path { return field.NewPath("ports").Index(i).Child(name) }
		if port.Port != nil {
			for _, msg := range validation.IsValidPortNum(int(*port.Port)) {
				errs = append(errs, field.Invalid(child("port"), *port.Port, msg))
			}
		}
		if port.Protocol != nil && !knownProtocol(*port.Protocol) {
			errs = append(errs, validateProtocol(*port.Protocol, child("protocol"))...)
		}
	}
	return errs
}

// somewhere is the path an apimachinery check is first given by atError.
var somewhere = field.NewPath("somewhere")

// atError runs an apimachinery check that takes the path of the value it
// checks first at a placeholder path, and again at the path at makes
// only when it finds an error: a valid value costs no path.
func atError(check func(*field.Path) field.ErrorList, at func() *field.Path) field.ErrorList {
	if len(check(somewhere)) == 0 {
		return nil
	}
	return check(at())
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
