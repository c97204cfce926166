package attackpath

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/selection"

	"github.com/bulkhead-dev/bulkhead/internal/finding"
	"github.com/bulkhead-dev/bulkhead/internal/node"
	"github.com/bulkhead-dev/bulkhead/internal/rbac"
	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
)

/*
Whoever may patch or update a Namespace object chooses its labels
(kubernetes.io/metadata.name aside: the API server sets it to the name and
refuses any other value). A RoleBinding in namespace X reaches the Namespace
object X; a ClusterRoleBinding reaches every one. Two things trust those
labels:

  - Pod Security admission: removing pod-security.kubernetes.io/enforce (or
    setting it to privileged) admits privileged pods with hostPath / —
    for whoever may also create pods there (lifts-pod-security);
  - namespaceSelectors: a NetworkPolicy ingress rule admitting pods of
    "namespaces labelled team=b" admits the pods of any namespace relabelled
    team=b (relabels → Labels → joins-selector). A selector on
    kubernetes.io/metadata.name alone cannot be joined.

The same facts give the node engine's BH-NODE-008 (workload/relabel.go):
RBAC's "namespaces write" capability and the namespace's enforce level.
*/

// Labels is an internal vertex: "chooses the labels of namespace N".
const Labels Kind = "Labels"

// relabelEdges adds the relabelling steps of a grant of namespaces write
// (or of everything) in its scope: the namespace of a RoleBinding, every
// namespace of a ClusterRoleBinding (through a hub), or only the named
// ones.
func (m *Model) relabelEdges(g *grant, names []string) {
	if g.cluster && names == nil {
		m.g.Add(Edge{From: g.from, To: m.hub(hubLabels, ""), Type: Relabels, Layer: finding.API, Severity: finding.High,
			Detail: "every namespace", Evidence: relabelEvidence(g, "(every namespace)")})
		m.liftEdge(g, "")
		return
	}
	namespaces := []string{g.access.Namespace}
	if names != nil {
		namespaces = nil
		for _, n := range names {
			if containsString(m.namespaces, n) && (g.cluster || n == g.access.Namespace) {
				namespaces = append(namespaces, n)
			}
		}
	}
	for _, ns := range namespaces {
		m.g.Add(Edge{From: g.from, To: m.labels(ns), Type: Relabels, Layer: finding.API, Severity: finding.High,
			Detail: "namespace " + ns, Evidence: relabelEvidence(g, ns)})
		m.liftEdge(g, ns)
	}
}

func relabelEvidence(g *grant, ns string) []finding.Step {
	return append(g.evidence(), finding.Step{Object: finding.Ref{Kind: "Namespace", Name: ns},
		Fact: "its labels are the holder's to set, " + corev1.LabelMetadataName + " aside"})
}

// labels returns the Labels vertex of a namespace, with its edges into
// the selectors it may join.
func (m *Model) labels(ns string) int32 {
	v := Vertex{Kind: Labels, Name: ns}
	if id, ok := m.g.Lookup(v); ok {
		return id
	}
	id := m.g.Vertex(v)
	m.selectorEdges(id, ns)
	return id
}

// liftEdge: a namespace that enforces a Pod Security level stops doing so
// when relabelled; whoever may also create pods there runs a privileged
// pod on any node (one edge per subject: the first such namespace is its
// evidence). ns "" stands for every namespace, with pods created
// cluster-wide. Namespaces that enforce nothing already have their
// runs-privileged-pod-on edges.
func (m *Model) liftEdge(g *grant, ns string) {
	w := m.in.Workload
	nodes := m.hub(hubNodes, "")
	if w == nil || m.g.seen[edgeKey{g.from, nodes, LiftsPSA, ""}] {
		return
	}
	var p *node.NamespacePolicy
	if ns != "" {
		p = w.Namespace(ns)
	} else {
		for i := range w.Namespaces {
			if x := &w.Namespaces[i]; x.Enforces() && x.InSnapshot {
				p = x
				break
			}
		}
	}
	if p == nil || !p.Enforces() || !p.InSnapshot {
		return
	}
	create, ok := m.createsPods(g, ns)
	if !ok {
		return
	}
	steps := append(relabelEvidence(g, p.Namespace), create...)
	steps = append(steps, finding.Step{Object: finding.Ref{Kind: "Namespace", Name: p.Namespace},
		Fact: "enforces " + p.Policy.Enforce.String() + ": relabelled pod-security.kubernetes.io/enforce=privileged, it admits a privileged pod with hostPath / on any node (its author picks nodeName and tolerations)"})
	m.g.Add(Edge{From: g.from, To: nodes, Type: LiftsPSA, Layer: finding.Node, Severity: finding.Critical, Evidence: steps})
}

// createsPods says whether the grant's holder may create pods (or a pod
// controller) in ns: through the role of the grant itself, or through any
// other binding of the subject. The evidence is the allowing rule.
func (m *Model) createsPods(g *grant, ns string) ([]finding.Step, bool) {
	for _, h := range m.in.RBAC.Held(g.role, g.cluster) {
		if h.StartsPods() {
			return []finding.Step{{Object: g.role.Ref, Fact: fmt.Sprintf("rule %d: %s", h.RuleIndex, rbac.RuleString(g.role.Rules[h.RuleIndex]))}}, true
		}
	}
	if g.subject.Kind == "" {
		return nil, false // a Grant holds its role's rules only
	}
	user, groups := rbac.Identity(g.subject)
	for _, p := range rbac.CapabilityNamed("pods create").Probes {
		d := m.in.RBAC.Authorize(rbac.Request{User: user, Groups: groups, Verb: p.Verb, APIGroup: p.APIGroup, Resource: p.Resource, Namespace: ns})
		if d.By != nil {
			return d.By.Witness(), true
		}
	}
	return nil, false
}

// selectorEdges adds, for a namespace whose labels a tenant chooses, the
// pods of other tenants it reaches by joining their NetworkPolicies'
// namespaceSelectors: an ingress rule's peer that selects namespaces by
// labels other than kubernetes.io/metadata.name, with no podSelector (any
// pod of the selected namespaces), that the namespace does not match
// today but matches once relabelled. NetworkPolicy ingress rules add up, so
// the rule admits the relabelled namespace's pods whatever other policies
// say; the namespace needs a pod whose egress no policy restricts (an
// AdminNetworkPolicy Deny may still refuse it: the edge says so).
func (m *Model) selectorEdges(lv int32, ns string) {
	snap := m.in.Snapshot
	x := m.relabelIndex()
	// Without a pod free to open connections, no selector joined helps.
	source := m.unrestrictedPod(ns)
	if source < 0 {
		return
	}
	current := labels.Set(snapshot.NamespaceLabels(ns, x.nsLabels[ns]))
	home := m.ten.Of(ns)
	for _, c := range x.peers {
		np := &snap.NetworkPolicies[c.policy]
		if m.ten.Of(np.Namespace) == home {
			continue
		}
		want, ok := joinableBy(c.selector, c.peer.NamespaceSelector, ns, current)
		if !ok {
			continue
		}
		r := np.Spec.Ingress[c.rule]
		hub, ok := m.selectorHub(c.rule, np, r)
		if !ok {
			continue
		}
		src := &snap.Pods[source]
		ref := finding.Ref{Kind: "NetworkPolicy", Namespace: np.Namespace, Name: np.Name}
		evidence := []finding.Step{
			{Object: ref, Fact: fmt.Sprintf("ingress rule %d admits the pods of namespaces matching %s, on %s", c.rule, metav1.FormatLabelSelector(c.peer.NamespaceSelector), portsOf(r.Ports))},
			{Object: finding.Ref{Kind: "Namespace", Name: ns}, Fact: "relabelled " + want.String() + " it matches; " + podRef(src).String() + " has no egress policy (unless an AdminNetworkPolicy denies the connection)"},
		}
		m.g.Add(Edge{From: lv, To: hub, Type: JoinsSelector, Layer: finding.Network, Severity: finding.Medium,
			Detail: portsOf(r.Ports), Evidence: evidence})
	}
}

// relabelIndex is what relabelling looks up for every namespace, built
// once: the namespaces' labels, their egress policies' selectors, and the
// ingress peers a relabelled namespace could join, in policy, rule and
// peer order.
type relabelIndex struct {
	nsLabels map[string]map[string]string
	egress   map[string][]labels.Selector
	peers    []joinPeer
}

// joinPeer is an ingress peer that admits every pod of the namespaces its
// namespaceSelector matches.
type joinPeer struct {
	policy, rule int
	peer         networkingv1.NetworkPolicyPeer
	selector     labels.Selector
	// keys are the label keys the selector reads: whether relabelling
	// joins a namespace to the peer depends on its labels at these alone
	// (joinableBy).
	keys []string
}

func (m *Model) relabelIndex() *relabelIndex {
	if m.relabel != nil {
		return m.relabel
	}
	snap := m.in.Snapshot
	x := &relabelIndex{nsLabels: map[string]map[string]string{}, egress: map[string][]labels.Selector{}}
	for i := range snap.Namespaces {
		if _, ok := x.nsLabels[snap.Namespaces[i].Name]; !ok {
			x.nsLabels[snap.Namespaces[i].Name] = snap.Namespaces[i].Labels
		}
	}
	for pi := range snap.NetworkPolicies {
		np := &snap.NetworkPolicies[pi]
		if hasPolicyType(np, networkingv1.PolicyTypeEgress) {
			s, err := metav1.LabelSelectorAsSelector(&np.Spec.PodSelector)
			if err != nil {
				s = labels.Everything() // unreadable: take it as restricting every pod
			}
			x.egress[np.Namespace] = append(x.egress[np.Namespace], s)
		}
	}
	x.peers = m.joinable()
	m.relabel = x
	return x
}

// joinable returns joinPeers of the model's snapshot, made once: the
// graph reads them when built, and KeepsRelabels after each relabel.
func (m *Model) joinable() []joinPeer {
	m.joinOnce.Do(func() { m.joinPeers = joinPeers(m.in.Snapshot) })
	return m.joinPeers
}

// joinPeers lists the ingress peers of the snapshot's NetworkPolicies
// that a relabelled namespace could join, in policy, rule and peer order.
func joinPeers(snap *snapshot.Snapshot) []joinPeer {
	var out []joinPeer
	for pi := range snap.NetworkPolicies {
		np := &snap.NetworkPolicies[pi]
		if !hasPolicyType(np, networkingv1.PolicyTypeIngress) {
			continue
		}
		for ri, r := range np.Spec.Ingress {
			for _, peer := range r.From {
				if s, ok := joinablePeer(peer); ok {
					reqs, _ := s.Requirements()
					keys := make([]string, len(reqs))
					for i, r := range reqs {
						keys[i] = r.Key()
					}
					out = append(out, joinPeer{policy: pi, rule: ri, peer: peer, selector: s, keys: keys})
				}
			}
		}
	}
	return out
}

// Relabel is a namespace whose labels changed from Before to After.
type Relabel struct {
	Namespace     string
	Before, After map[string]string
}

// KeepsRelabels reports whether the graph, built with namespaces labelled
// as before, is also the graph of the same snapshot with them labelled as
// after. The graph reads a namespace's labels only for the selectors that
// relabelling it could join (selectorEdges): each must be joinable alike,
// by the same labels, under both.
func (m *Model) KeepsRelabels(relabels []Relabel) bool {
	peers := m.joinable()
	for _, r := range relabels {
		lb, la := labels.Set(snapshot.NamespaceLabels(r.Namespace, r.Before)), labels.Set(snapshot.NamespaceLabels(r.Namespace, r.After))
		for _, c := range peers {
			if !slices.ContainsFunc(c.keys, func(k string) bool { bv, bok := lb[k]; av, aok := la[k]; return bv != av || bok != aok }) {
				continue // the labels it reads did not move
			}
			wb, okb := joinableBy(c.selector, c.peer.NamespaceSelector, r.Namespace, lb)
			wa, oka := joinableBy(c.selector, c.peer.NamespaceSelector, r.Namespace, la)
			if okb != oka || !maps.Equal(wb, wa) {
				return false
			}
		}
	}
	return true
}

// selectorHub returns the vertex standing for the pods an ingress rule of
// a NetworkPolicy admits from relabelled namespaces, wired to them on first
// use: every relabelling namespace joins the rule through it, so that the
// edges number namespaces plus pods, not their product. It is false when
// the policy selects no pod.
func (m *Model) selectorHub(ri int, np *networkingv1.NetworkPolicy, r networkingv1.NetworkPolicyIngressRule) (int32, bool) {
	v := Vertex{Kind: Hub, Name: fmt.Sprintf("selector|%s|%s|%d", np.Namespace, np.Name, ri)}
	if id, ok := m.g.Lookup(v); ok {
		return id, len(m.g.out[id]) > 0
	}
	hub := m.g.Vertex(v)
	for _, t := range m.selectedPods(np) {
		m.g.Add(Edge{From: hub, To: m.pod(t), Type: JoinsSelector, Layer: finding.Network, Severity: finding.Medium,
			Hidden: true, Final: true, Detail: portsOf(r.Ports)})
	}
	return hub, len(m.g.out[hub]) > 0
}

// joinablePeer returns the compiled namespaceSelector of a peer that admits
// every pod of the namespaces it selects, unless it selects by
// kubernetes.io/metadata.name alone.
func joinablePeer(peer networkingv1.NetworkPolicyPeer) (labels.Selector, bool) {
	sel := peer.NamespaceSelector
	if sel == nil || (peer.PodSelector != nil && (len(peer.PodSelector.MatchLabels) > 0 || len(peer.PodSelector.MatchExpressions) > 0)) {
		return nil, false
	}
	if _, byName := sel.MatchLabels[corev1.LabelMetadataName]; byName && len(sel.MatchLabels) == 1 && len(sel.MatchExpressions) == 0 {
		return nil, false // the name label is the API server's
	}
	s, err := metav1.LabelSelectorAsSelector(sel)
	if err != nil || s.Empty() {
		return nil, false
	}
	return s, true
}

// joinableBy returns the labels that make namespace ns match the
// namespaceSelector sel (compiled: s) of a peer joinablePeer accepts, when
// relabelling is what it takes: ns does not match it now, and some labels
// (with ns's name kept) do.
func joinableBy(s labels.Selector, sel *metav1.LabelSelector, ns string, current labels.Set) (labels.Set, bool) {
	if s.Matches(current) {
		return nil, false
	}
	want := labels.Set{}
	for k, v := range sel.MatchLabels {
		want[k] = v
	}
	for _, e := range sel.MatchExpressions {
		switch e.Operator {
		case metav1.LabelSelectorOpIn:
			if len(e.Values) > 0 {
				want[e.Key] = e.Values[0]
			}
		case metav1.LabelSelectorOpExists:
			want[e.Key] = "true"
		}
	}
	if v, ok := want[corev1.LabelMetadataName]; ok && v != ns {
		return nil, false // the API server keeps the name label
	}
	delete(want, corev1.LabelMetadataName)
	if len(want) == 0 {
		return nil, false
	}
	relabelled := labels.Set{corev1.LabelMetadataName: ns}
	for k, v := range current {
		if !requiresAbsent(s, k) {
			relabelled[k] = v
		}
	}
	relabelled[corev1.LabelMetadataName] = ns
	for k, v := range want {
		relabelled[k] = v
	}
	if !s.Matches(relabelled) {
		return nil, false
	}
	return want, true
}

// requiresAbsent reports whether a selector wants the key missing (or not
// at its current value): the relabeller drops it.
func requiresAbsent(s labels.Selector, key string) bool {
	reqs, _ := s.Requirements()
	for _, r := range reqs {
		if r.Key() == key && (r.Operator() == selection.DoesNotExist || r.Operator() == selection.NotIn) {
			return key != corev1.LabelMetadataName
		}
	}
	return false
}

// unrestrictedPod returns a pod of ns that no NetworkPolicy selects for
// egress, or -1.
func (m *Model) unrestrictedPod(ns string) int {
	egress := m.relabelIndex().egress[ns]
	for _, i := range m.pods[ns] {
		set := labels.Set(m.in.Snapshot.Pods[i].Labels)
		if !slices.ContainsFunc(egress, func(s labels.Selector) bool { return s.Matches(set) }) {
			return i
		}
	}
	return -1
}

// selectedPods returns the pods a NetworkPolicy selects, in snapshot order.
func (m *Model) selectedPods(np *networkingv1.NetworkPolicy) []int {
	s, err := metav1.LabelSelectorAsSelector(&np.Spec.PodSelector)
	if err != nil {
		return nil
	}
	var out []int
	for _, i := range m.pods[np.Namespace] {
		if s.Matches(labels.Set(m.in.Snapshot.Pods[i].Labels)) {
			out = append(out, i)
		}
	}
	sort.Ints(out)
	return out
}

func hasPolicyType(np *networkingv1.NetworkPolicy, t networkingv1.PolicyType) bool {
	for _, x := range np.Spec.PolicyTypes {
		if x == t {
			return true
		}
	}
	return len(np.Spec.PolicyTypes) == 0 && t == networkingv1.PolicyTypeIngress
}

// portsOf describes the ports of a rule: "all ports" when it names none.
func portsOf(ports []networkingv1.NetworkPolicyPort) string {
	if len(ports) == 0 {
		return "all ports"
	}
	var out []string
	for _, p := range ports {
		proto := "TCP"
		if p.Protocol != nil {
			proto = string(*p.Protocol)
		}
		port := "all"
		if p.Port != nil {
			port = p.Port.String()
			if p.EndPort != nil {
				port += fmt.Sprintf("-%d", *p.EndPort)
			}
		}
		out = append(out, proto+"/"+port)
	}
	return strings.Join(out, ", ")
}
