package snapshot

import (
	"sort"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
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
	s.noteConnectivity()
	s.sort()
}

// applyDefaults sets what the API server would have set on admission.
func (s *Snapshot) applyDefaults() {
	for i := range s.Namespaces {
		ns := &s.Namespaces[i]
		// Since v1.21 the API server labels every namespace with its name,
		// which is what namespaceSelectors usually match on.
		if ns.Labels == nil {
			ns.Labels = map[string]string{}
		}
		ns.Labels[corev1.LabelMetadataName] = ns.Name
	}
	for i := range s.NetworkPolicies {
		DefaultNetworkPolicy(&s.NetworkPolicies[i])
	}
	for i := range s.Pods {
		DefaultPodSpec(&s.Pods[i].Spec)
	}
	for i := range s.Services {
		svc := &s.Services[i]
		if svc.Spec.Type == "" {
			svc.Spec.Type = corev1.ServiceTypeClusterIP
		}
		for j := range svc.Spec.Ports {
			p := &svc.Spec.Ports[j]
			if p.Protocol == "" {
				p.Protocol = corev1.ProtocolTCP
			}
			if p.TargetPort.Type == intstr.Int && p.TargetPort.IntVal == 0 {
				p.TargetPort = intstr.FromInt32(p.Port)
			}
		}
	}
	for i := range s.EndpointSlices {
		for j := range s.EndpointSlices[i].Ports {
			p := &s.EndpointSlices[i].Ports[j]
			if p.Protocol == nil {
				tcp := corev1.ProtocolTCP
				p.Protocol = &tcp
			}
		}
	}
	for i := range s.Endpoints {
		for j := range s.Endpoints[i].Subsets {
			for k := range s.Endpoints[i].Subsets[j].Ports {
				p := &s.Endpoints[i].Subsets[j].Ports[k]
				if p.Protocol == "" {
					p.Protocol = corev1.ProtocolTCP
				}
			}
		}
	}
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
	sort.Slice(s.Gaps, func(i, j int) bool { return s.Gaps[i].Resource < s.Gaps[j].Resource })
}

// sortBy sorts a slice by the (namespace, name) key returned for each index.
// It works on a permutation so that the key function may keep indexing the
// original slice while sorting.
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
	sort.SliceStable(keys, func(a, b int) bool {
		if keys[a].ns != keys[b].ns {
			return keys[a].ns < keys[b].ns
		}
		return keys[a].name < keys[b].name
	})
	sorted := make([]T, len(xs))
	for j, kk := range keys {
		sorted[j] = xs[kk.i]
	}
	copy(xs, sorted)
}
