package netpol

import (
	"slices"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// dnsServices are the Services that front the cluster DNS server, by
// distribution: kubeadm, kind, k3s and the managed clouds name it
// kube-system/kube-dns, some installs kube-system/coredns, OpenShift
// openshift-dns/dns-default.
var dnsServices = []struct{ namespace, name string }{
	{"kube-system", "kube-dns"},
	{"kube-system", "coredns"},
	{"openshift-dns", "dns-default"},
}

// dnsPort is the port clients send DNS queries to.
const dnsPort = 53

// markDNS finds the cluster DNS pods and the ports they answer DNS on.
// The pods are those the DNS Service selects; the ports are the
// targetPorts of its port 53 (policies see the pod's port, not the
// Service's). Without such a Service, pods of kube-system labelled
// k8s-app=kube-dns serve UDP and TCP 53. Traffic to these pods on these
// ports is the DNS every pod needs: expected, not a breach.
func (b *builder) markDNS() {
	m := b.m
	ports := map[portRange]bool{}
	found := false
	for i := range b.snap.Services {
		s := &b.snap.Services[i]
		if !isDNSService(s) || len(s.Spec.Selector) == 0 {
			continue
		}
		sel := labels.SelectorFromSet(s.Spec.Selector)
		for j := range m.pods {
			p := &m.pods[j]
			if p.ns != s.Namespace || p.host || !sel.Matches(labels.Set(p.labels)) {
				continue
			}
			p.dns, found = true, true
			for _, sp := range s.Spec.Ports {
				if sp.Port != dnsPort {
					continue
				}
				proto := protoIndex(sp.Protocol)
				if port, ok := targetPort(p.pod, sp, proto); ok && proto >= 0 {
					ports[portRange{proto, port, port}] = true
				}
			}
		}
	}
	if !found {
		for j := range m.pods {
			p := &m.pods[j]
			if p.ns == "kube-system" && !p.host && p.labels["k8s-app"] == "kube-dns" {
				p.dns, found = true, true
			}
		}
	}
	if !found {
		return
	}
	if len(ports) == 0 {
		ports[portRange{0, dnsPort, dnsPort}] = true
		ports[portRange{1, dnsPort, dnsPort}] = true
	}
	for r := range ports {
		m.dnsPorts = append(m.dnsPorts, r)
	}
	slices.SortFunc(m.dnsPorts, comparePortRanges)
	// Each DNS port is an atom of its own, so reach on it is told apart
	// from reach on the ports around it.
	b.ranges = append(b.ranges, m.dnsPorts...)
}

func isDNSService(s *corev1.Service) bool {
	for _, d := range dnsServices {
		if s.Namespace == d.namespace && s.Name == d.name {
			return true
		}
	}
	return false
}

// targetPort resolves a Service port's targetPort on a pod: a number (0
// means the Service port), or a container port name of that protocol.
func targetPort(pod *corev1.Pod, sp corev1.ServicePort, proto int) (int32, bool) {
	switch {
	case sp.TargetPort.Type == intstr.Int && sp.TargetPort.IntVal == 0:
		return sp.Port, true
	case sp.TargetPort.Type == intstr.Int:
		return sp.TargetPort.IntVal, true
	}
	if pod == nil {
		return 0, false
	}
	for _, c := range pod.Spec.Containers {
		for _, cp := range c.Ports {
			if cp.Name == sp.TargetPort.StrVal && protoIndex(cp.Protocol) == proto {
				return cp.ContainerPort, true
			}
		}
	}
	return 0, false
}

// markDNSAtoms records which port atoms are DNS ports.
func (m *Model) markDNSAtoms() { m.dnsAtom = m.atomsOf(m.dnsPorts) }

// atomsOf marks the port atoms that are one of the ports, each an atom of
// its own.
func (m *Model) atomsOf(ports []portRange) []bool {
	out := make([]bool, len(m.ports.atoms))
	for _, r := range ports {
		if a := m.ports.find(r.proto, r.lo); a >= 0 && m.ports.atoms[a].lo == r.lo && m.ports.atoms[a].hi == r.hi {
			out[a] = true
		}
	}
	return out
}

// DNSServer reports whether a class holds cluster DNS pods: those the DNS
// Service (kube-system/kube-dns, kube-system/coredns or
// openshift-dns/dns-default) selects, else kube-system's pods labelled
// k8s-app=kube-dns. A class never mixes DNS pods with others.
func (m *Model) DNSServer(c ClassID) bool {
	return int(c) >= 0 && int(c) < m.nPod && m.classes[c].dns
}

// DNSPorts lists the ports the cluster DNS pods answer DNS queries on.
func (m *Model) DNSPorts() []PortRange { return mergePorts(m.dnsPorts) }

// DNSOnly reports whether src reaches dst only as a DNS client: dst holds
// cluster DNS pods and every port src reaches them on is a DNS port. Such
// traffic is what every pod needs to resolve names; it exposes nothing
// else of the DNS pods' tenant.
func (m *Model) DNSOnly(src, dst ClassID) bool {
	return m.DNSServer(dst) && m.only(src, dst, m.dnsAtom)
}

// only reports whether src reaches dst on some port, and only on ports
// of the atoms marked.
func (m *Model) only(src, dst ClassID, marked []bool) bool {
	s, d := int(src), int(dst)
	if s < 0 || s >= len(m.classes) || d < 0 || d >= len(m.classes) {
		return false
	}
	some := false
	for a, mx := range m.reach {
		if mx.row(s).has(d) {
			if !marked[a] {
				return false
			}
			some = true
		}
	}
	return some
}
