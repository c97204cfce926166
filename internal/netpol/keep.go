package netpol

import (
	"reflect"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
)

// Keeps reports whether m, compiled from before, is the model of after:
// a snapshot of the same objects but those of changed, each a pod, node,
// Service or Namespace the model reads alike in both. The model does not
// read where a pod may be scheduled (tolerations, node selector,
// affinity), the taints of a node, nor how a Service is exposed outside
// the cluster (its type, node and load-balancer ports, external
// addresses); nor the labels of nodes unless a policy peer selects nodes,
// or they move what cloud the nodes run on; nor a namespace's labels but
// through the policies' namespace selectors, which must each select it
// or not in both. The pods of both must be the same pods in the same
// order: the model names pods by their index.
func (m *Model) Keeps(before, after *snapshot.Snapshot, changed []snapshot.Key) bool {
	if len(before.Pods) != len(after.Pods) {
		return false
	}
	pods, services := map[[2]string]bool{}, map[string]bool{}
	nodes, namespaces := map[string]bool{}, map[string]bool{}
	for _, k := range changed {
		switch k.Resource {
		case podsResource:
			pods[[2]string{k.Namespace, k.Name}] = true
		case nodesResource:
			nodes[k.Name] = true
		case servicesResource:
			services[k.Namespace+"/"+k.Name] = true
		case namespacesResource:
			namespaces[k.Name] = true
		default:
			return false
		}
	}
	if len(namespaces) > 0 && !m.keepsNamespaces(before, after, namespaces) {
		return false
	}
	for i := range before.Pods {
		a, b := &before.Pods[i], &after.Pods[i]
		if a.Namespace != b.Namespace || a.Name != b.Name {
			return false
		}
		if len(pods) > 0 && pods[[2]string{a.Namespace, a.Name}] && !samePod(a, b) {
			return false
		}
	}
	if len(nodes) > 0 {
		relabelled := false
		na, nb := nodesByName(before), nodesByName(after)
		for name := range nodes {
			a, b := na[name], nb[name]
			if a == nil || b == nil || !sameNode(a, b, m.nodeLabels) {
				return false
			}
			relabelled = relabelled || !reflect.DeepEqual(a.Labels, b.Labels)
		}
		if relabelled {
			ca, oka := DetectCloud(before)
			cb, okb := DetectCloud(after)
			if ca != cb || oka != okb {
				return false
			}
		}
	}
	if len(services) == 0 {
		return true
	}
	sa, sb := servicesByID(before), servicesByID(after)
	for id := range services {
		a, b := sa[id], sb[id]
		if a == nil || b == nil || !sameService(a, b) {
			return false
		}
	}
	return true
}

// The resources Keeps tells apart, as snapshot.Key names them.
var (
	podsResource       = corev1.SchemeGroupVersion.WithResource("pods").GroupResource()
	nodesResource      = corev1.SchemeGroupVersion.WithResource("nodes").GroupResource()
	servicesResource   = corev1.SchemeGroupVersion.WithResource("services").GroupResource()
	namespacesResource = corev1.SchemeGroupVersion.WithResource("namespaces").GroupResource()
)

// keepsNamespaces reports whether the namespaces named are in both
// snapshots, alike but for their labels and what the API server keeps,
// and each namespace selector of the policies selects each alike.
func (m *Model) keepsNamespaces(before, after *snapshot.Snapshot, names map[string]bool) bool {
	nb, na := before.NamespacesByName(), after.NamespacesByName()
	for name := range names {
		a, b := nb[name], na[name]
		if a == nil || b == nil {
			return false
		}
		x, y := *a, *b
		for _, ns := range []*corev1.Namespace{&x, &y} {
			unread(&ns.ObjectMeta)
			ns.Labels = nil
		}
		if !reflect.DeepEqual(x, y) {
			return false
		}
		la, lb := snapshot.NamespaceLabels(name, a.Labels), snapshot.NamespaceLabels(name, b.Labels)
		for _, sel := range m.nsSelectors {
			if sel.matches(la) != sel.matches(lb) {
				return false
			}
		}
	}
	return true
}

// unread clears what the API server keeps of every object and the model
// never reads: identity, versions, managed fields; and the annotations,
// but the one that marks a representative pod.
func unread(m *metav1.ObjectMeta) {
	synthetic, ok := m.Annotations[snapshot.SyntheticAnnotation]
	m.UID, m.ResourceVersion, m.Generation, m.CreationTimestamp, m.ManagedFields = "", "", 0, metav1.Time{}, nil
	m.Annotations = nil
	if ok {
		m.Annotations = map[string]string{snapshot.SyntheticAnnotation: synthetic}
	}
}

// samePod reports whether two versions of a pod differ at most in where
// it may be scheduled.
func samePod(a, b *corev1.Pod) bool {
	x, y := *a, *b
	for _, p := range []*corev1.Pod{&x, &y} {
		unread(&p.ObjectMeta)
		p.Spec.Tolerations, p.Spec.NodeSelector, p.Spec.Affinity = nil, nil, nil
	}
	return reflect.DeepEqual(x, y)
}

// sameNode reports whether two versions of a node differ at most in their
// taints, and in their labels unless labels are read.
func sameNode(a, b *corev1.Node, labels bool) bool {
	x, y := *a, *b
	for _, n := range []*corev1.Node{&x, &y} {
		unread(&n.ObjectMeta)
		n.Spec.Taints = nil
		if !labels {
			n.Labels = nil
		}
	}
	return reflect.DeepEqual(x, y)
}

// sameService reports whether two versions of a Service differ at most in
// how it is exposed outside the cluster, and in its labels.
func sameService(a, b *corev1.Service) bool {
	x, y := *a, *b
	for _, s := range []*corev1.Service{&x, &y} {
		unread(&s.ObjectMeta)
		s.Labels, s.Status = nil, corev1.ServiceStatus{}
		sp := &s.Spec
		sp.Type, sp.ExternalIPs, sp.ExternalTrafficPolicy, sp.HealthCheckNodePort = "", nil, "", 0
		sp.LoadBalancerIP, sp.LoadBalancerSourceRanges, sp.LoadBalancerClass, sp.AllocateLoadBalancerNodePorts = "", nil, nil, nil
		ports := make([]corev1.ServicePort, len(sp.Ports))
		for i, p := range sp.Ports {
			p.NodePort = 0
			ports[i] = p
		}
		sp.Ports = ports
	}
	return reflect.DeepEqual(x, y)
}

func nodesByName(s *snapshot.Snapshot) map[string]*corev1.Node {
	out := make(map[string]*corev1.Node, len(s.Nodes))
	for i := range s.Nodes {
		out[s.Nodes[i].Name] = &s.Nodes[i]
	}
	return out
}

// servicesByID returns the Services of s by "namespace/name".
func servicesByID(s *snapshot.Snapshot) map[string]*corev1.Service {
	out := make(map[string]*corev1.Service, len(s.Services))
	for i := range s.Services {
		out[s.Services[i].Namespace+"/"+s.Services[i].Name] = &s.Services[i]
	}
	return out
}
