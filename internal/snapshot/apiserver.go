package snapshot

import (
	"net/netip"
	"slices"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
)

// The Service every cluster fronts its API server with; the API server
// writes its endpoints itself.
const (
	APIServiceNamespace = "default"
	APIServiceName      = "kubernetes"
)

// EndpointPort is a port an endpoint answers on.
type EndpointPort struct {
	Protocol corev1.Protocol // TCP when unset
	Port     int32
}

// APIServerEndpoints returns where the API server answers, as the
// endpoints of the Service default/kubernetes say (Endpoints and
// EndpointSlices alike): its addresses, sorted, and their ports, in the
// order first met. Empty when the input holds none. Only the objects the
// API server writes count, both named kubernetes: another EndpointSlice
// labelled for the Service (anyone allowed to write EndpointSlices in
// default may make one) would lend its addresses the API server's
// standing, which harden allows and the attack graph passes over.
func (s *Snapshot) APIServerEndpoints() ([]netip.Addr, []EndpointPort) {
	var addrs []netip.Addr
	var ports []EndpointPort
	addAddr := func(a string) {
		if ip, err := netip.ParseAddr(a); err == nil && !slices.Contains(addrs, ip.Unmap()) {
			addrs = append(addrs, ip.Unmap())
		}
	}
	addPort := func(proto corev1.Protocol, port int32) {
		if proto == "" {
			proto = corev1.ProtocolTCP
		}
		if p := (EndpointPort{proto, port}); port > 0 && !slices.Contains(ports, p) {
			ports = append(ports, p)
		}
	}
	for i := range s.Endpoints {
		e := &s.Endpoints[i]
		if e.Namespace != APIServiceNamespace || e.Name != APIServiceName {
			continue
		}
		for _, ss := range e.Subsets {
			for _, ad := range ss.Addresses {
				addAddr(ad.IP)
			}
			for _, p := range ss.Ports {
				addPort(p.Protocol, p.Port)
			}
		}
	}
	for i := range s.EndpointSlices {
		es := &s.EndpointSlices[i]
		if es.Namespace != APIServiceNamespace || es.Name != APIServiceName || es.Labels[discoveryv1.LabelServiceName] != APIServiceName {
			continue
		}
		for _, ep := range es.Endpoints {
			for _, ad := range ep.Addresses {
				addAddr(ad)
			}
		}
		for _, p := range es.Ports {
			if p.Port != nil {
				var proto corev1.Protocol
				if p.Protocol != nil {
					proto = *p.Protocol
				}
				addPort(proto, *p.Port)
			}
		}
	}
	slices.SortFunc(addrs, netip.Addr.Compare)
	return addrs, ports
}
