package admission

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"

	"github.com/bulkhead-dev/bulkhead/internal/finding"
	"github.com/bulkhead-dev/bulkhead/internal/service"
	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
)

// endpoints judges Endpoints and EndpointSlices with the Service check of
// CVE-2021-25740 (BH-NET-012): an address whose targetRef names a pod of
// another tenant sends the traffic of the namespace's Service, and of
// ingress controllers routing by endpoints, to that pod. Only targetRefs
// count: the webhook holds no pods (their churn would rebuild its
// decisions at every request), so an address given by IP alone is the
// audit's, and bulkhead check judges it as the webhook does.
func (a *Admission) endpoints(e *corev1.Endpoints, es *discoveryv1.EndpointSlice, namespace string) []Violation {
	one := &snapshot.Snapshot{Namespaces: a.snap.Namespaces}
	var kind, name string
	var fields func(pod finding.Ref) []string
	switch {
	case e != nil:
		e = withNamespace(e, namespace)
		one.Endpoints = []corev1.Endpoints{*e}
		kind, name, namespace = "Endpoints", e.Name, e.Namespace
		fields = func(pod finding.Ref) []string { return endpointsFields(e, pod) }
	case es != nil:
		if es.Namespace == "" {
			es = es.DeepCopy()
			es.Namespace = namespace
		}
		one.EndpointSlices = []discoveryv1.EndpointSlice{*es}
		kind, name, namespace = "EndpointSlice", es.Name, es.Namespace
		fields = func(pod finding.Ref) []string { return sliceFields(es, pod) }
	default:
		return nil
	}
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

// endpointsFields names the addresses of e whose targetRef is pod.
func endpointsFields(e *corev1.Endpoints, pod finding.Ref) []string {
	var out []string
	for i, ss := range e.Subsets {
		for _, list := range []struct {
			name  string
			addrs []corev1.EndpointAddress
		}{{"addresses", ss.Addresses}, {"notReadyAddresses", ss.NotReadyAddresses}} {
			for j, ad := range list.addrs {
				if refersTo(ad.TargetRef, pod) {
					out = append(out, fmt.Sprintf("subsets[%d].%s[%d].targetRef=%s", i, list.name, j, pod))
				}
			}
		}
	}
	return out
}

// sliceFields names the endpoints of es whose targetRef is pod.
func sliceFields(es *discoveryv1.EndpointSlice, pod finding.Ref) []string {
	var out []string
	for i, ep := range es.Endpoints {
		if refersTo(ep.TargetRef, pod) {
			out = append(out, fmt.Sprintf("endpoints[%d].targetRef=%s", i, pod))
		}
	}
	return out
}

func refersTo(ref *corev1.ObjectReference, pod finding.Ref) bool {
	return ref != nil && ref.Kind == "Pod" && ref.Namespace == pod.Namespace && ref.Name == pod.Name
}
