package admission

import (
	"net/netip"

	corev1 "k8s.io/api/core/v1"
)

// PodIndex finds the pod that holds a pod IP: what judging an address of
// Endpoints or EndpointSlices given by IP alone needs. The webhook keeps
// one fed by its Pod informer, apart from the snapshot, so that pod churn
// never rebuilds the decisions; offline, the snapshot's pods are indexed.
type PodIndex interface {
	// PodAt returns the namespace and name of the pod holding ip
	// (hostNetwork pods hold none).
	PodAt(ip netip.Addr) (namespace, name string, ok bool)
}

// Option sets up an Admission beyond its snapshot.
type Option func(*Admission)

// WithPods makes the decisions find pods by IP in idx instead of the
// snapshot's pods.
func WithPods(idx PodIndex) Option { return func(a *Admission) { a.pods = idx } }

// podsByIP indexes pods by their IPs.
type podsByIP map[netip.Addr]*corev1.Pod

func (m podsByIP) PodAt(ip netip.Addr) (string, string, bool) {
	p, ok := m[ip.Unmap()]
	if !ok {
		return "", "", false
	}
	return p.Namespace, p.Name, true
}

// IndexPods indexes pods by the IPs their status gives them, as the
// service checks read them: hostNetwork pods are left out (their IP is
// the node's).
func IndexPods(pods []corev1.Pod) PodIndex {
	m := podsByIP{}
	for i := range pods {
		p := &pods[i]
		for _, ip := range PodIPs(p) {
			m[ip] = p
		}
	}
	return m
}

// PodIPs are the addresses of a pod that is not on the host network.
func PodIPs(p *corev1.Pod) []netip.Addr {
	if p.Spec.HostNetwork {
		return nil
	}
	var out []netip.Addr
	add := func(s string) {
		if ip, err := netip.ParseAddr(s); err == nil {
			ip = ip.Unmap()
			for _, x := range out {
				if x == ip {
					return
				}
			}
			out = append(out, ip)
		}
	}
	add(p.Status.PodIP)
	for _, s := range p.Status.PodIPs {
		add(s.IP)
	}
	return out
}

// podIndex returns the index of pods the decisions read: the one given,
// else the snapshot's, indexed once.
func (a *Admission) podIndex() PodIndex {
	if a.pods != nil {
		return a.pods
	}
	a.podsOnce.Do(func() { a.snapPods = IndexPods(a.snap.Pods) })
	return a.snapPods
}
