package snapshot

import (
	"cmp"
	"reflect"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// Normalize brings a snapshot to the form every engine expects, whatever its
// source: the API server's defaults for the fields bulkhead reads, ClusterRole
// aggregation recomputed, workload controllers expanded to representative
// pods, and every slice sorted by namespace and name. It is idempotent.
func (s *Snapshot) Normalize() {
	s.applyDefaults()
	s.Aggregate()
	s.expandControllers()
	s.NoteConnectivity()
	s.sort()
}

// applyDefaults sets what the API server would have set on admission.
func (s *Snapshot) applyDefaults() {
	for _, k := range Kinds {
		if k.ops.defaulted() {
			for i, n := 0, k.Len(s); i < n; i++ {
				applyDefault(k.ops.at(s, i))
			}
		}
	}
}

// NamespaceLabels returns the labels of namespace name as the API server
// holds them: with the kubernetes.io/metadata.name label it sets on
// every namespace to the namespace's name. It is labels itself when they
// say so already, else a copy; either way it must not be changed.
func NamespaceLabels(name string, labels map[string]string) map[string]string {
	if labels[corev1.LabelMetadataName] == name {
		return labels
	}
	out := make(map[string]string, len(labels)+1)
	for k, v := range labels {
		out[k] = v
	}
	out[corev1.LabelMetadataName] = name
	return out
}

// applyDefault sets what the API server would have set on admission of
// one object, for the kinds whose defaults the engines read.
func applyDefault(obj runtime.Object) {
	switch o := obj.(type) {
	case *corev1.Namespace:
		// Since v1.21 the API server labels every namespace with its name,
		// which is what namespaceSelectors usually match on.
		if o.Labels == nil {
			o.Labels = map[string]string{}
		}
		o.Labels[corev1.LabelMetadataName] = o.Name
	case *networkingv1.NetworkPolicy:
		DefaultNetworkPolicy(o)
	case *corev1.Pod:
		DefaultPodSpec(&o.Spec)
	case *corev1.Service:
		if o.Spec.Type == "" {
			o.Spec.Type = corev1.ServiceTypeClusterIP
		}
		for j := range o.Spec.Ports {
			p := &o.Spec.Ports[j]
			if p.Protocol == "" {
				p.Protocol = corev1.ProtocolTCP
			}
			if p.TargetPort.Type == intstr.Int && p.TargetPort.IntVal == 0 {
				p.TargetPort = intstr.FromInt32(p.Port)
			}
		}
	case *discoveryv1.EndpointSlice:
		for j := range o.Ports {
			if o.Ports[j].Protocol == nil {
				tcp := corev1.ProtocolTCP
				o.Ports[j].Protocol = &tcp
			}
		}
	case *corev1.Endpoints:
		for j := range o.Subsets {
			for k := range o.Subsets[j].Ports {
				p := &o.Subsets[j].Ports[k]
				if p.Protocol == "" {
					p.Protocol = corev1.ProtocolTCP
				}
			}
		}
	}
}

// defaultedKinds are the kinds applyDefault changes.
var defaultedKinds = map[reflect.Type]bool{
	reflect.TypeFor[*corev1.Namespace]():           true,
	reflect.TypeFor[*networkingv1.NetworkPolicy](): true,
	reflect.TypeFor[*corev1.Pod]():                 true,
	reflect.TypeFor[*corev1.Service]():             true,
	reflect.TypeFor[*discoveryv1.EndpointSlice]():  true,
	reflect.TypeFor[*corev1.Endpoints]():           true,
}

// DefaultNetworkPolicy applies the API defaults NetworkPolicy semantics
// depend on.
//
// policyTypes: "If this field is not specified, it will default based on the
// existence of ingress or egress rules; policies that contain an egress
// section are assumed to affect egress, and all policies (whether or not
// they contain an ingress section) are assumed to affect ingress."
// ports[].protocol: "If not specified, this field defaults to TCP."
func DefaultNetworkPolicy(np *networkingv1.NetworkPolicy) {
	if len(np.Spec.PolicyTypes) == 0 {
		np.Spec.PolicyTypes = []networkingv1.PolicyType{networkingv1.PolicyTypeIngress}
		if len(np.Spec.Egress) > 0 {
			np.Spec.PolicyTypes = append(np.Spec.PolicyTypes, networkingv1.PolicyTypeEgress)
		}
	}
	tcp := corev1.ProtocolTCP
	for i := range np.Spec.Ingress {
		for j := range np.Spec.Ingress[i].Ports {
			if np.Spec.Ingress[i].Ports[j].Protocol == nil {
				np.Spec.Ingress[i].Ports[j].Protocol = &tcp
			}
		}
	}
	for i := range np.Spec.Egress {
		for j := range np.Spec.Egress[i].Ports {
			if np.Spec.Egress[i].Ports[j].Protocol == nil {
				np.Spec.Egress[i].Ports[j].Protocol = &tcp
			}
		}
	}
}

// DefaultPodSpec applies the API defaults the engines read: container port
// protocols, hostPath types ("" = no check) and the service account
// ("default" when none is named).
func DefaultPodSpec(spec *corev1.PodSpec) {
	if spec.ServiceAccountName == "" {
		spec.ServiceAccountName = spec.DeprecatedServiceAccount
	}
	if spec.ServiceAccountName == "" {
		spec.ServiceAccountName = "default"
	}
	defaultPorts := func(cs []corev1.Container) {
		for i := range cs {
			for j := range cs[i].Ports {
				if cs[i].Ports[j].Protocol == "" {
					cs[i].Ports[j].Protocol = corev1.ProtocolTCP
				}
			}
		}
	}
	defaultPorts(spec.InitContainers)
	defaultPorts(spec.Containers)
	for i := range spec.Volumes {
		if hp := spec.Volumes[i].HostPath; hp != nil && hp.Type == nil {
			unset := corev1.HostPathUnset
			hp.Type = &unset
		}
	}
}

// sort sorts every kind's objects by namespace and name, and the gaps by
// resource.
func (s *Snapshot) sort() {
	for _, k := range Kinds {
		k.ops.sort(s, k.Namespaced)
	}
	s.sortGaps()
}

// sortGaps sorts the gaps by resource, in a slice of their own.
func (s *Snapshot) sortGaps() {
	if !slices.IsSortedFunc(s.Gaps, compareGaps) {
		s.Gaps = slices.SortedStableFunc(slices.Values(s.Gaps), compareGaps)
	}
}

func compareGaps(a, b Gap) int { return strings.Compare(a.Resource, b.Resource) }

// sortBy sorts a slice by the (namespace, name) key returned for each
// index, objects of one key in the order they came. It sorts the keys
// first, so that the key function may keep indexing the original slice,
// then moves each object once, in place, cycle by cycle of the
// permutation: a copy of the slice would be every pod twice over.
func sortBy[T any](xs []T, key func(int) (string, string)) {
	type k struct {
		ns, name string
		i        int
	}
	keys := make([]k, len(xs))
	for i := range xs {
		ns, n := key(i)
		keys[i] = k{ns, n, i}
	}
	order := func(a, b k) int { return compareNames(a.ns, a.name, b.ns, b.name) }
	// Most input comes in order (a snapshot, a listing, a generated
	// file), with what was added after it at the end (the pods that
	// stand for controllers, the objects of a change): only that tail is
	// sorted, then merged into the rest.
	run := 1
	for run < len(keys) && order(keys[run-1], keys[run]) <= 0 {
		run++
	}
	if run >= len(keys) {
		return
	}
	tail := keys[run:]
	slices.SortFunc(tail, func(a, b k) int { // stable: the index breaks ties
		if c := order(a, b); c != 0 {
			return c
		}
		return cmp.Compare(a.i, b.i)
	})
	merged := make([]k, 0, len(keys))
	head := keys[:run]
	for len(head) > 0 && len(tail) > 0 {
		if order(tail[0], head[0]) < 0 { // ties: the head came first
			merged, tail = append(merged, tail[0]), tail[1:]
		} else {
			merged, head = append(merged, head[0]), head[1:]
		}
	}
	keys = append(append(merged, head...), tail...)
	// Position j takes the object at keys[j].i; a position filled is
	// marked keys[j].i = j.
	for j := range keys {
		if keys[j].i == j {
			continue
		}
		held := xs[j]
		for at := j; ; {
			from := keys[at].i
			keys[at].i = at
			if from == j {
				xs[at] = held
				break
			}
			xs[at] = xs[from]
			at = from
		}
	}
}
