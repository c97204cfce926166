package netpol

import (
	"fmt"
	"slices"
)

// markAPIServer marks the pods at an address the API server answers on,
// as the endpoints of the Service default/kubernetes say, and those ports.
// On a control-plane node of kubeadm, the API server, etcd, the scheduler
// and the controller manager all run on the host network, at the node's
// address: a connection to that address on the API server's port reaches
// the API server, whichever of them it is addressed to, and talking to the
// API server is what every pod may do (what it may do there is RBAC's to
// say, not the network's). A managed control plane has no pod there. Only
// pods on the host network count: a pod with an address of its own would
// be the API server itself only on a control plane run in pods, which is
// left to reach like any pod.
func (b *builder) markAPIServer() {
	m := b.m
	addrs, ports := b.snap.APIServerEndpoints()
	if len(addrs) == 0 || len(ports) == 0 {
		return
	}
	found := false
	for i := range m.pods {
		p := &m.pods[i]
		if !p.host {
			continue // the API server of a node: a pod's own address is its own
		}
		for _, ip := range p.ips {
			if slices.Contains(addrs, ip) {
				p.api, found = true, true
				break
			}
		}
	}
	if !found {
		return
	}
	for _, p := range ports {
		if proto := protoIndex(p.Protocol); proto >= 0 {
			m.apiPorts = append(m.apiPorts, portRange{proto, p.Port, p.Port})
		}
	}
	slices.SortFunc(m.apiPorts, comparePortRanges)
	// Each port is an atom of its own, so reach on it is told apart from
	// reach on the ports around it.
	b.ranges = append(b.ranges, m.apiPorts...)
}

// apiServerNote says, for a destination pod at an address of the API
// server on a port it answers on there, that the connection lands on the
// API server, whichever pod sharing the address it names.
func (m *Model) apiServerNote(d resolved, pi int, port int32) string {
	if d.pod == nil || !d.pod.api || !slices.Contains(m.apiPorts, portRange{pi, port, port}) {
		return ""
	}
	return fmt.Sprintf("%s/%d here is the API server's (default/kubernetes's endpoints): the connection reaches the API server, not the pod named; no breach in the attack graph", Protocols[pi], port)
}

// serviceOnly reports whether pod class s reaches pod class d only as
// every pod does: to resolve names (DNSOnly) or to call the API server
// (APIOnly). Neither is a breach.
func (m *Model) serviceOnly(s, d int) bool {
	return (m.classes[d].dns && m.DNSOnly(ClassID(s), ClassID(d))) || (m.classes[d].api && m.APIOnly(ClassID(s), ClassID(d)))
}

// APIOnly reports whether src reaches dst only as a client of the API
// server: dst holds pods at an address the API server answers on, and
// every port src reaches them on is one it answers on there. Such
// traffic is the API every pod may call; it exposes nothing of the pods'
// tenant that RBAC does not decide.
func (m *Model) APIOnly(src, dst ClassID) bool {
	d := int(dst)
	return d >= 0 && d < m.nPod && m.classes[d].api && m.only(src, dst, m.apiAtom)
}
