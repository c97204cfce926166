package admission

import (
	"fmt"
	"net/netip"
	"strings"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"

	"github.com/bulkhead-dev/bulkhead/internal/finding"
	"github.com/bulkhead-dev/bulkhead/internal/service"
	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
)

// endpoints judges Endpoints and EndpointSlices with the Service check of
// CVE-2021-25740 (BH-NET-012): an address that is a pod of another tenant,
// named by its targetRef or, without one, by its IP, sends the traffic of
// the namespace's Service, and of ingress controllers routing by
// endpoints, to that pod. Addresses given by IP are looked up in the pod
// index (podIndex): the webhook's informer keeps one, apart from the
// snapshot; offline it is the snapshot's pods.
func (a *Admission) endpoints(e *corev1.Endpoints, es *discoveryv1.EndpointSlice, namespace string) []Violation {
	one := &snapshot.Snapshot{Namespaces: a.snap.Namespaces}
	var kind, name string
	var fields func(pod finding.Ref) []string
	at := a.podsAt()
	switch {
	case e != nil:
		e = withNamespace(e, namespace)
		one.Endpoints = []corev1.Endpoints{*e}
		kind, name, namespace = "Endpoints", e.Name, e.Namespace
		for _, ss := range e.Subsets {
			for _, ad := range append(append([]corev1.EndpointAddress(nil), ss.Addresses...), ss.NotReadyAddresses...) {
				at.add(ad.IP, ad.TargetRef)
			}
		}
		fields = func(pod finding.Ref) []string { return endpointsFields(e, pod, at) }
	case es != nil:
		if es.Namespace == "" {
			es = es.DeepCopy()
			es.Namespace = namespace
		}
		one.EndpointSlices = []discoveryv1.EndpointSlice{*es}
		kind, name, namespace = "EndpointSlice", es.Name, es.Namespace
		if es.AddressType != discoveryv1.AddressTypeFQDN {
			for _, ep := range es.Endpoints {
				for _, ad := range ep.Addresses {
					at.add(ad, ep.TargetRef)
				}
			}
		}
		fields = func(pod finding.Ref) []string { return sliceFields(es, pod, at) }
	default:
		return nil
	}
	one.Pods = at.pods
	var out []Violation
	for _, f := range service.Analyze(one, a.ten) {
		if f.ID != service.IDForeignEndpoints || len(f.Objects) < 2 {
			continue
		}
		out = append(out, Violation{
			Rule:   f.ID,
			Source: f.SourceTenant, Target: f.TargetTenant,
			Object: kind + " " + namespace + "/" + name,
			Fields: fields(f.Objects[1]),
			Reason: f.Reason + " (CVE-2021-25740): the namespace's Service, and ingress controllers routing by endpoints, would send their traffic to it",
			Fix:    "point endpoints at pods of tenant " + f.SourceTenant + " only, or let the endpoints controllers write them from the Service's selector",
		})
	}
	return out
}

func withNamespace(e *corev1.Endpoints, namespace string) *corev1.Endpoints {
	if e.Namespace != "" {
		return e
	}
	c := e.DeepCopy()
	c.Namespace = namespace
	return c
}

// endpointsFields names the addresses of e that are pod.
func endpointsFields(e *corev1.Endpoints, pod finding.Ref, at *addressPods) []string {
	var out []string
	for i, ss := range e.Subsets {
		for _, list := range []struct {
			name  string
			addrs []corev1.EndpointAddress
		}{{"addresses", ss.Addresses}, {"notReadyAddresses", ss.NotReadyAddresses}} {
			for j, ad := range list.addrs {
				if f, ok := at.field(ad.IP, ad.TargetRef, pod); ok {
					out = append(out, fmt.Sprintf("subsets[%d].%s[%d].%s", i, list.name, j, f))
				}
			}
		}
	}
	return out
}

// sliceFields names the endpoints of es that are pod.
func sliceFields(es *discoveryv1.EndpointSlice, pod finding.Ref, at *addressPods) []string {
	var out []string
	for i, ep := range es.Endpoints {
		if named(ep.TargetRef) {
			if f, ok := at.field("", ep.TargetRef, pod); ok {
				out = append(out, fmt.Sprintf("endpoints[%d].%s", i, f))
			}
			continue
		}
		for j, ad := range ep.Addresses {
			if f, ok := at.field(ad, nil, pod); ok {
				out = append(out, fmt.Sprintf("endpoints[%d].addresses[%d]=%s", i, j, strings.TrimPrefix(f, "ip=")))
			}
		}
	}
	return out
}

// named reports whether a targetRef names a pod by namespace and name:
// the service check takes such an address to be that pod, whatever its
// IP.
func named(ref *corev1.ObjectReference) bool {
	return ref != nil && ref.Kind == "Pod" && ref.Namespace != ""
}

// addressPods are the pods the addresses of one object given by IP
// alone are, found in the pod index.
type addressPods struct {
	idx  PodIndex
	pods []corev1.Pod
	byIP map[netip.Addr]finding.Ref
}

func (a *Admission) podsAt() *addressPods {
	return &addressPods{idx: a.podIndex(), byIP: map[netip.Addr]finding.Ref{}}
}

// add looks up the pod of an address without a targetRef naming one.
func (at *addressPods) add(ip string, ref *corev1.ObjectReference) {
	if named(ref) {
		return
	}
	addr, err := netip.ParseAddr(ip)
	if err != nil {
		return
	}
	addr = addr.Unmap()
	if _, ok := at.byIP[addr]; ok {
		return
	}
	ns, name, ok := at.idx.PodAt(addr)
	if !ok {
		return
	}
	at.byIP[addr] = finding.Ref{Kind: "Pod", Namespace: ns, Name: name}
	// Only what the service check reads: where the pod is and the
	// address it holds.
	one := corev1.Pod{}
	one.Namespace, one.Name = ns, name
	one.Status.PodIP = addr.String()
	at.pods = append(at.pods, one)
}

// field names the address (ip, ref) when it is pod: "targetRef=Pod ns/n"
// for a targetRef naming it, "ip=IP (Pod ns/n)" for an IP it holds.
func (at *addressPods) field(ip string, ref *corev1.ObjectReference, pod finding.Ref) (string, bool) {
	if named(ref) {
		if ref.Namespace == pod.Namespace && ref.Name == pod.Name {
			return "targetRef=" + pod.String(), true
		}
		return "", false
	}
	addr, err := netip.ParseAddr(ip)
	if err != nil {
		return "", false
	}
	if r, ok := at.byIP[addr.Unmap()]; ok && r == pod {
		return fmt.Sprintf("ip=%s (%s)", ip, pod), true
	}
	return "", false
}
