package harden

import (
	"fmt"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/bulkhead-dev/bulkhead/internal/netpol"
	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
	"github.com/bulkhead-dev/bulkhead/internal/tenancy"
)

// exposedService is a Service that takes traffic from outside the cluster
// to the pods it selects: of type LoadBalancer or NodePort, or with
// externalIPs.
type exposedService struct {
	svc  *corev1.Service
	how  string // "LoadBalancer", "NodePort" or "externalIPs"
	pods []*corev1.Pod
}

func (e exposedService) name() string { return e.svc.Namespace + "/" + e.svc.Name }

// exposure says how a Service takes traffic from outside the cluster, if
// it does: "type: LoadBalancer — a Service of type LoadBalancer ... is
// exposed externally using an external load balancer"; "type: NodePort —
// exposes the Service on each Node's IP at a static port"; externalIPs are
// "IP addresses for which nodes in the cluster will also accept traffic for
// this service".
func exposure(s *corev1.Service) (string, bool) {
	switch {
	case s.Spec.Type == corev1.ServiceTypeLoadBalancer:
		return string(corev1.ServiceTypeLoadBalancer), true
	case s.Spec.Type == corev1.ServiceTypeNodePort:
		return string(corev1.ServiceTypeNodePort), true
	case len(s.Spec.ExternalIPs) > 0:
		return "externalIPs", true
	}
	return "", false
}

// exposedServices lists, by namespace, the Services that take traffic
// from outside the cluster to some pod of theirs (not on the host network,
// which pod policy does not cover). A Service without a selector selects
// no pod: its endpoints are written by hand, and are judged elsewhere.
func exposedServices(snap *snapshot.Snapshot) map[string][]exposedService {
	out := map[string][]exposedService{}
	for i := range snap.Services {
		s := &snap.Services[i]
		how, ok := exposure(s)
		if !ok || len(s.Spec.Selector) == 0 {
			continue
		}
		if pods := selected(snap, s); len(pods) > 0 {
			out[s.Namespace] = append(out[s.Namespace], exposedService{svc: s, how: how, pods: pods})
		}
	}
	for _, es := range out {
		sort.Slice(es, func(i, j int) bool { return es[i].svc.Name < es[j].svc.Name })
	}
	return out
}

// exposedNote says why a namespace's ingress is left as it is: walling it
// in would cut the traffic its Services take from outside the cluster,
// whose source a NetworkPolicy cannot name (kube-proxy rewrites it to a
// node's address, or keeps the client's, depending on
// externalTrafficPolicy and the network plugin).
func exposedNote(ns string, es []exposedService) string {
	var svcs []string
	for _, e := range es {
		svcs = append(svcs, fmt.Sprintf("Service %s (%s)", e.name(), e.how))
	}
	return fmt.Sprintf("network: namespace %s is left as it is for ingress: %s takes traffic from outside the cluster to its pods, whose source address a NetworkPolicy cannot name for sure (kube-proxy may rewrite it to a node's), so a default deny would cut it; if the namespace is a shared service (an ingress controller), declare it with --platform-namespaces %s",
		ns, strings.Join(svcs, ", "), ns)
}

// sharedReachMin is how many other tenants a tenant's pods must reach
// through policies for it to look like a shared platform service.
const sharedReachMin = 3

// sharedServices notes the tenants whose pods reach pods of at least
// sharedReachMin other tenants today through policies that name them: a
// policy isolates the source for egress and allows the target, or
// isolates the target for ingress and allows the source. Reach that only
// exists because nothing is isolated does not count: in a cluster without
// policies every tenant reaches every other. Such a tenant looks like a
// shared platform service (monitoring that scrapes, an ingress controller
// that proxies): harden closes those paths all the same, and the note
// makes the trade-off visible. Notes are sorted by tenant.
func sharedServices(snap *snapshot.Snapshot, m *netpol.Model, ten *tenancy.Tenancy) []string {
	walled := func(ns string) bool { return ns != "" && !ten.IsSystem(ns) && !ten.IsPlatform(ns) }
	inIso, egIso := isolatedPods(snap)
	type side struct{ in, eg bool }
	classes := m.Classes()
	iso := make([]side, len(classes))
	for _, c := range classes {
		if c.IsExternal() || c.HostNetwork || !walled(c.Namespace) {
			continue
		}
		for _, p := range c.Pods {
			iso[c.ID].in = iso[c.ID].in || inIso[p]
			iso[c.ID].eg = iso[c.ID].eg || egIso[p]
		}
	}
	reached := map[string]map[string]bool{}
	m.EachReachable(func(s, d netpol.ClassID) bool {
		src, dst := &classes[s], &classes[d]
		if src.IsExternal() || dst.IsExternal() || src.HostNetwork || dst.HostNetwork || !walled(src.Namespace) || !walled(dst.Namespace) {
			return true
		}
		if !iso[s].eg && !iso[d].in {
			return true
		}
		from, to := ten.Of(src.Namespace), ten.Of(dst.Namespace)
		if from == to {
			return true
		}
		if reached[from] == nil {
			reached[from] = map[string]bool{}
		}
		reached[from][to] = true
		return true
	})
	var notes []string
	for _, t := range ten.Tenants() {
		to := reached[t.Name]
		if len(to) < sharedReachMin {
			continue
		}
		names := make([]string, 0, len(to))
		for n := range to {
			names = append(names, n)
		}
		sort.Strings(names)
		if len(names) > namedMax {
			names = append(names[:namedMax], fmt.Sprintf("and %d more", len(to)-namedMax))
		}
		notes = append(notes, fmt.Sprintf("network: tenant %s reaches pods of %d other tenants today (%s) through policies that allow it, like a shared platform service (monitoring that scrapes, an ingress controller): harden closes those paths; if it is one, declare it with --platform-namespaces %s to keep its connections into the tenants",
			t.Name, len(to), strings.Join(names, ", "), strings.Join(t.Namespaces, ",")))
	}
	return notes
}

// namedMax is how many tenants a note names before it counts the others.
const namedMax = 10

// isolatedPods returns the pods ("namespace/name") some NetworkPolicy
// selects for ingress, and those it selects for egress.
func isolatedPods(snap *snapshot.Snapshot) (in, eg map[string]bool) {
	in, eg = map[string]bool{}, map[string]bool{}
	byNS := map[string][]*corev1.Pod{}
	for i := range snap.Pods {
		p := &snap.Pods[i]
		byNS[p.Namespace] = append(byNS[p.Namespace], p)
	}
	for i := range snap.NetworkPolicies {
		np := &snap.NetworkPolicies[i]
		sel, err := metav1.LabelSelectorAsSelector(&np.Spec.PodSelector)
		if err != nil {
			continue // a malformed selector selects no pod
		}
		dirIn, dirEg := hasDirection(np, networkingv1.PolicyTypeIngress), hasDirection(np, networkingv1.PolicyTypeEgress)
		for _, p := range byNS[np.Namespace] {
			if !sel.Matches(labels.Set(p.Labels)) {
				continue
			}
			id := p.Namespace + "/" + p.Name
			in[id] = in[id] || dirIn
			eg[id] = eg[id] || dirEg
		}
	}
	return in, eg
}

// headlineMarks are the words of the notes about a trade-off the user
// should see first: a namespace left open to keep its outside traffic,
// a tenant that looks like a shared platform service, tenants' calls to a
// platform namespace closed.
var headlineMarks = []string{"takes traffic from outside the cluster", "like a shared platform service", "reach platform namespace"}

// Headline reports whether a note of a plan is about a trade-off to show
// before the rest: harden walled in (or left open) a tenant that looks
// like a shared platform service, and --platform-namespaces would change
// that. Such notes come first among a plan's notes.
func Headline(note string) bool {
	for _, m := range headlineMarks {
		if strings.Contains(note, m) {
			return true
		}
	}
	return false
}
