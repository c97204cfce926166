package admission

import (
	"fmt"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	anp "sigs.k8s.io/network-policy-api/apis/v1alpha1"

	"github.com/bulkhead-dev/bulkhead/internal/netpol"
	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
	"github.com/bulkhead-dev/bulkhead/internal/tenancy"
)

// compileJoins compiles, with the decisions, the selectors that a
// namespace's or a pod's labels can join, so that no request waits for
// it.
func (a *Admission) compileJoins() {
	a.compileNamespacePeers()
	a.compilePodPeers()
	a.adminNSOnce.Do(func() { a.adminNS = compileAdminNamespaces(a.snap) })
	a.adminPodsOnce.Do(func() { a.adminPods = a.compileAdminPods() })
}

func (a *Admission) compileNamespacePeers() {
	a.nsPeersOnce.Do(func() {
		a.nsPeers = compileNamespacePeers(a.snap.NetworkPolicies)
		a.nsIndex = newSelectorIndex(len(a.nsPeers), func(i int) labels.Selector { return a.nsPeers[i].sel })
	})
}

func (a *Admission) compilePodPeers() {
	a.npPeersOnce.Do(func() {
		a.npPeers = compilePodPeers(a.snap.NetworkPolicies)
		a.npIndex = newSelectorIndex(len(a.npPeers), func(i int) labels.Selector { return a.npPeers[i].pods })
	})
}

// selectorJoins judges a namespace's new labels against the
// NetworkPolicies of the other tenants: a peer whose namespaceSelector
// did not select the namespace and now does lets its pods in (an ingress
// peer: the namespace's tenant gains the other's pods) or lets the other
// tenant's pods out to it (an egress peer: it is exposed to them). Either
// way a label the namespace's tenant writes would open a path the other
// tenant's policy never meant for it; this is how a tenant relabels
// itself "into another tenant's selectors". The admin network policies'
// selectors are judged too (adminJoins).
//
// A new namespace is judged against a namespace without labels: a
// selector that selects one (empty, DoesNotExist, NotIn) selects every
// new namespace whatever its labels say, and is the audit's (BH-NET-004),
// while one that awaits a label or a name is joined. The cluster's and
// the platform's namespaces are not judged (what the platform reaches is
// its exposure, not a breach), nor is an egress peer of the platform's
// policies, whose pods would then reach the tenant.
func (a *Admission) selectorJoins(old, ns *corev1.Namespace, own, object string) []Violation {
	if isCluster(own) || own == tenancy.Platform {
		return nil
	}
	now := namespaceLabels(ns)
	was := labels.Set{}
	if old != nil {
		was = namespaceLabels(old)
	}
	changed := changedLabels(ownLabels(old), ownLabels(ns), nil)
	out := a.adminJoins(was, now, own, ns.Name, object, changed)
	a.compileNamespacePeers()
	var matched []*peerAt
	for _, i := range a.nsIndex.candidates(now) {
		if p := &a.nsPeers[i]; p.sel.Matches(now) && !p.sel.Matches(was) && !a.selectsOwn(p.sel, own, ns.Name) {
			matched = append(matched, &p.peerAt)
		}
	}
	return append(out, a.policyJoins(matched, own, func(ingress bool, other, policy string, fields []string) Violation {
		v := Violation{Rule: netpol.IDCrossTenant, Source: own, Target: other, Object: object, Fields: slices.Concat(fields, changed),
			Fix:    fmt.Sprintf("keep the namespace's labels out of %s's selectors; a label another tenant's policy selects by is that tenant's to give", policy),
			Reason: fmt.Sprintf("%s would match the namespaceSelector of %s of tenant %s, which would then admit its pods", object, policy, other)}
		if !ingress {
			v.Source, v.Target = other, own
			v.Reason = fmt.Sprintf("%s would match the namespaceSelector of %s of tenant %s, whose pods could then send to it", object, policy, other)
		}
		return v
	})...)
}

// nsPeer is a peer of a NetworkPolicy rule with a namespaceSelector,
// compiled: the peers a namespace's labels can join.
type nsPeer struct {
	peerAt
	sel labels.Selector
}

// peerAt is where a peer of a NetworkPolicy rule stands.
type peerAt struct {
	namespace, policy string // the policy's namespace, and "namespace/name"
	ingress           bool
	field             string
}

// compileNamespacePeers returns, policy by policy and ingress before
// egress, the peers with a namespaceSelector of the rules the policies'
// policyTypes make count. A namespace request reads only these, compiled
// once per snapshot.
func compileNamespacePeers(nps []networkingv1.NetworkPolicy) []nsPeer {
	var out []nsPeer
	add := func(np *networkingv1.NetworkPolicy, peers []networkingv1.NetworkPolicyPeer, ingress bool, at string) {
		for p, peer := range peers {
			if peer.NamespaceSelector == nil {
				continue
			}
			sel, err := metav1.LabelSelectorAsSelector(peer.NamespaceSelector)
			if err != nil {
				continue
			}
			out = append(out, nsPeer{peerAt: peerOf(np, ingress, fmt.Sprintf("%s[%d].namespaceSelector: %s", at, p, describe(peer.NamespaceSelector))), sel: sel})
		}
	}
	eachRule(nps, add)
	return out
}

// peerOf is where a peer of np's rule stands: field is its path.
func peerOf(np *networkingv1.NetworkPolicy, ingress bool, field string) peerAt {
	return peerAt{namespace: np.Namespace, policy: np.Namespace + "/" + np.Name, ingress: ingress, field: field}
}

// policyJoins turns the peers a namespace's or a pod's labels joined (in
// compiled order: policy by policy, ingress before egress) into one
// violation a policy and direction, made by join with the policy's
// tenant and the peers' fields. Its own tenant's and the cluster's
// policies are left out, and the platform's egress peers (its pods
// reaching a tenant are its exposure).
func (a *Admission) policyJoins(matched []*peerAt, own string, join func(ingress bool, other, policy string, fields []string) Violation) []Violation {
	var out []Violation
	for k := 0; k < len(matched); {
		first := matched[k]
		var fields []string
		for ; k < len(matched) && matched[k].policy == first.policy && matched[k].ingress == first.ingress; k++ {
			fields = append(fields, matched[k].field)
		}
		other := a.ten.Of(first.namespace)
		if other == own || isCluster(other) || (!first.ingress && other == tenancy.Platform) {
			continue
		}
		out = append(out, join(first.ingress, other, "NetworkPolicy "+first.policy, fields))
	}
	return out
}

// eachRule calls f with the peers of every rule of the policies that
// their policyTypes make count, policy by policy, ingress before egress,
// and the rule's peers' path.
func eachRule(nps []networkingv1.NetworkPolicy, f func(np *networkingv1.NetworkPolicy, peers []networkingv1.NetworkPolicyPeer, ingress bool, at string)) {
	for i := range nps {
		np := &nps[i]
		ingress, egress := policyDirections(np)
		if ingress {
			for r, rule := range np.Spec.Ingress {
				f(np, rule.From, true, fmt.Sprintf("spec.ingress[%d].from", r))
			}
		}
		if egress {
			for r, rule := range np.Spec.Egress {
				f(np, rule.To, false, fmt.Sprintf("spec.egress[%d].to", r))
			}
		}
	}
}

// selectsOwn reports whether a selector selects a namespace of the
// tenant own other than name, as the snapshot holds it.
func (a *Admission) selectsOwn(sel labels.Selector, own, name string) bool {
	for _, n := range a.ten.Namespaces(own) {
		if n == name {
			continue
		}
		if l, ok := a.index.labels[n]; ok && sel.Matches(labels.Set(snapshot.NamespaceLabels(n, l))) {
			return true
		}
	}
	return false
}

// namespaceLabels are a namespace's labels as selectors see them: with
// the name label the API server sets.
func namespaceLabels(ns *corev1.Namespace) labels.Set {
	return snapshot.NamespaceLabels(ns.Name, ns.Labels)
}

// ownLabels are the labels of a namespace (none for nil) but the name
// label, which the API server sets and no one changes.
func ownLabels(ns *corev1.Namespace) map[string]string {
	if ns == nil {
		return nil
	}
	out := make(map[string]string, len(ns.Labels))
	for k, v := range ns.Labels {
		if k != metadataNameLabel {
			out[k] = v
		}
	}
	return out
}

// podJoins judges a pod's labels (a controller's template's, for the pods
// it makes) against the NetworkPolicies of the other tenants: a peer
// whose namespaceSelector selects the pod's namespace and whose
// podSelector selects the pod lets it in (an ingress peer) or lets the
// other tenant's pods out to it (egress). A label a policy of another
// tenant selects by is that tenant's to give: a tenant who labels its pod
// role=monitoring to pass another's "from monitoring" rule is what this
// denies. The admin network policies' pods selectors are judged too
// (adminPodJoins). On an update, what the stored pod was already selected
// by is not held against it.
//
// A podSelector that selects a pod without labels (DoesNotExist, NotIn)
// selects every new pod of the tenant whatever it is labelled, and is the
// audit's. The cluster's and the platform's pods are not judged, nor is
// an egress peer of the platform's policies.
func (a *Admission) podJoins(pod *corev1.Pod, object string) []Violation {
	ns := a.snap.Namespace(pod.Namespace)
	own := a.ten.Of(pod.Namespace)
	if ns == nil || isCluster(own) || own == tenancy.Platform {
		return nil
	}
	nsLabels := namespaceLabels(ns)
	podLabels := labels.Set(pod.Labels)
	a.compilePodPeers()
	var matched []*peerAt
	for _, i := range a.npIndex.candidates(podLabels) {
		if p := &a.npPeers[i]; p.pods.Matches(podLabels) && p.namespaces.Matches(nsLabels) {
			matched = append(matched, &p.peerAt)
		}
	}
	out := a.policyJoins(matched, own, func(ingress bool, other, policy string, fields []string) Violation {
		v := Violation{Rule: netpol.IDCrossTenant, Source: own, Target: other, Object: object, Fields: fields,
			Fix:    fmt.Sprintf("remove the labels %s selects by, or have tenant %s name this pod's namespace in it", policy, other),
			Reason: fmt.Sprintf("%s would match the podSelector of %s of tenant %s by its labels, which would then admit it", object, policy, other)}
		if !ingress {
			v.Source, v.Target = other, own
			v.Reason = fmt.Sprintf("%s would match the podSelector of %s of tenant %s by its labels, whose pods could then send to it", object, policy, other)
		}
		return v
	})
	return append(out, a.adminPodJoins(nsLabels, podLabels, own, object)...)
}

// npPodPeer is a peer of a NetworkPolicy rule that selects pods by their
// labels in the namespaces a namespaceSelector selects, compiled.
type npPodPeer struct {
	peerAt
	namespaces, pods labels.Selector
}

// compilePodPeers returns, policy by policy and ingress before egress,
// the peers of the rules their policyTypes make count that select pods
// by label in namespaces chosen by a namespaceSelector: the peers a pod's
// labels can join. A peer without a podSelector selects whole namespaces,
// whatever the pod's labels say (selectorJoins' concern); without a
// namespaceSelector, the policy's own namespace only; a podSelector that
// selects a pod without labels selects every pod already. A pod request
// reads only these, compiled once per snapshot.
func compilePodPeers(nps []networkingv1.NetworkPolicy) []npPodPeer {
	var out []npPodPeer
	add := func(np *networkingv1.NetworkPolicy, peers []networkingv1.NetworkPolicyPeer, ingress bool, at string) {
		for p, peer := range peers {
			if peer.PodSelector == nil || peer.NamespaceSelector == nil {
				continue
			}
			ns, err1 := metav1.LabelSelectorAsSelector(peer.NamespaceSelector)
			pods, err2 := metav1.LabelSelectorAsSelector(peer.PodSelector)
			if err1 != nil || err2 != nil || pods.Matches(labels.Set{}) {
				continue
			}
			out = append(out, npPodPeer{peerAt: peerOf(np, ingress, fmt.Sprintf("%s[%d].podSelector: %s", at, p, describe(peer.PodSelector))), namespaces: ns, pods: pods})
		}
	}
	eachRule(nps, add)
	return out
}

// workloadObject names a pod as the messages do: by the controller whose
// template it is, if any ("Deployment team-a/web").
func workloadObject(p *corev1.Pod) string {
	kind, name := snapshot.Workload(p)
	return kind + " " + p.Namespace + "/" + name
}

// adminJoins judges a namespace's new labels against the Allow rules of
// the admin network policies: a namespace that joins a rule's subject is
// opened to (ingress) or opens onto (egress) the tenants its peers
// select; one that joins a peer, to or onto the tenants of the subject.
// An admin network policy allows over every NetworkPolicy, so a label is
// all it takes. A selector that selects another namespace of the tenant
// already has opened the pair; rules that open the same pair by the same
// field are one violation.
func (a *Admission) adminJoins(was, now labels.Set, own, name, object string, changed []string) []Violation {
	a.adminNSOnce.Do(func() { a.adminNS = compileAdminNamespaces(a.snap) })
	joins := func(sel labels.Selector) bool {
		return sel.Matches(now) && !sel.Matches(was) && !a.selectsOwn(sel, own, name)
	}
	var out []Violation
	for i := range a.adminNS {
		ap := &a.adminNS[i]
		inSubject := joins(ap.subject)
		for _, r := range ap.rules {
			for k, peer := range r.peers {
				switch {
				case inSubject:
					out = append(out, a.adminJoin(own, object, ap.obj, ap.subjField, "", r.adminRule, a.tenantsSelected(peer.ns), !r.egress, changed)...)
				case joins(r.sels[k]):
					out = append(out, a.adminJoin(own, object, ap.obj, peer.field, "", r.adminRule, a.tenantsSelected(ap.subjSel), r.egress, changed)...)
				}
			}
		}
	}
	return distinct(out)
}

// adminNamespaces is an admin network policy's Allow rules with their
// namespace selectors compiled, once per snapshot.
type adminNamespaces struct {
	obj, subjField string
	subjSel        *metav1.LabelSelector
	subject        labels.Selector
	rules          []compiledRule
}

// compiledRule is an Allow rule with the namespace selector of each peer
// compiled.
type compiledRule struct {
	adminRule
	sels []labels.Selector
}

func compileAdminNamespaces(snap *snapshot.Snapshot) []adminNamespaces {
	var out []adminNamespaces
	add := func(p *anp.AdminNetworkPolicy, b *anp.BaselineAdminNetworkPolicy) {
		obj, subject, rules := adminRules(p, b)
		subjField, subjSel := subjectSelector(subject)
		if subjSel == nil {
			return
		}
		subj, err := metav1.LabelSelectorAsSelector(subjSel)
		if err != nil {
			return
		}
		ap := adminNamespaces{obj: obj, subjField: subjField, subjSel: subjSel, subject: subj}
		for _, r := range rules {
			cr := compiledRule{adminRule: r}
			for _, peer := range r.peers {
				sel, err := metav1.LabelSelectorAsSelector(peer.ns)
				if err != nil {
					sel = labels.Nothing()
				}
				cr.sels = append(cr.sels, sel)
			}
			ap.rules = append(ap.rules, cr)
		}
		out = append(out, ap)
	}
	for i := range snap.AdminNetworkPolicies {
		add(&snap.AdminNetworkPolicies[i], nil)
	}
	for i := range snap.BaselineAdminNetworkPolicies {
		add(nil, &snap.BaselineAdminNetworkPolicies[i])
	}
	return out
}

// adminPodJoins judges a pod's labels against the Allow rules of the
// admin network policies that select pods: a pod whose labels join the
// subject's pods is opened to (ingress) or opens onto (egress) the
// tenants the rule's peers select; one that joins a pods peer, to or onto
// the tenants of the subject.
func (a *Admission) adminPodJoins(nsLabels, podLabels labels.Set, own, object string) []Violation {
	a.adminPodsOnce.Do(func() { a.adminPods = a.compileAdminPods() })
	var out []Violation
	for i := range a.adminPods {
		ap := &a.adminPods[i]
		if ap.subject != nil && ap.subject.joins(nsLabels, podLabels) {
			for _, r := range ap.rules {
				for _, peer := range r.peers {
					out = append(out, a.adminJoin(own, object, ap.obj, ap.subject.field, " by its labels", r, a.tenantsSelected(peer.ns), !r.egress, nil)...)
				}
			}
		}
		for _, pr := range ap.peers {
			if pr.joins(nsLabels, podLabels) {
				out = append(out, a.adminJoin(own, object, ap.obj, pr.field, " by its labels", pr.rule, a.tenantsSelected(ap.subjSel), pr.rule.egress, nil)...)
			}
		}
	}
	return distinct(out)
}

// adminPods is an admin network policy's Allow rules with what in them
// selects pods by label, compiled once per snapshot.
type adminPods struct {
	obj     string
	subjSel *metav1.LabelSelector
	rules   []adminRule
	subject *podsSelector // the subject's pods, if it selects pods
	peers   []podsSelector
}

// podsSelector selects pods by label in the namespaces a selector
// selects; a podSelector that selects a pod without labels never counts
// (every pod is in it already).
type podsSelector struct {
	field      string
	rule       adminRule
	namespaces labels.Selector
	pods       labels.Selector
}

func (p *podsSelector) joins(nsLabels, podLabels labels.Set) bool {
	return p.pods.Matches(podLabels) && p.namespaces.Matches(nsLabels)
}

func newPodsSelector(pods *anp.NamespacedPod, field string, r adminRule) (*podsSelector, bool) {
	ns, err1 := metav1.LabelSelectorAsSelector(&pods.NamespaceSelector)
	sel, err2 := metav1.LabelSelectorAsSelector(&pods.PodSelector)
	if err1 != nil || err2 != nil || sel.Matches(labels.Set{}) {
		return nil, false
	}
	return &podsSelector{field: field, rule: r, namespaces: ns, pods: sel}, true
}

// compileAdminPods compiles the admin network policies that select pods
// by label in their subject or a peer of an Allow rule.
func (a *Admission) compileAdminPods() []adminPods {
	var out []adminPods
	add := func(p *anp.AdminNetworkPolicy, b *anp.BaselineAdminNetworkPolicy) {
		obj, subject, rules := adminRules(p, b)
		_, subjSel := subjectSelector(subject)
		if subjSel == nil {
			return
		}
		ap := adminPods{obj: obj, subjSel: subjSel, rules: rules}
		if s := subject.Pods; s != nil {
			if ps, ok := newPodsSelector(s, "spec.subject.pods.podSelector="+describe(&s.PodSelector), adminRule{}); ok {
				ap.subject = ps
			}
		}
		for _, r := range rules {
			for _, peer := range r.peers {
				if peer.pods == nil {
					continue
				}
				if ps, ok := newPodsSelector(peer.pods, peer.where+".pods.podSelector="+describe(&peer.pods.PodSelector), r); ok {
					ap.peers = append(ap.peers, *ps)
				}
			}
		}
		if ap.subject != nil || len(ap.peers) > 0 {
			out = append(out, ap)
		}
	}
	for i := range a.snap.AdminNetworkPolicies {
		add(&a.snap.AdminNetworkPolicies[i], nil)
	}
	for i := range a.snap.BaselineAdminNetworkPolicies {
		add(nil, &a.snap.BaselineAdminNetworkPolicies[i])
	}
	return out
}

// adminJoin is what object joining field of obj's Allow rule r opens
// between its tenant own and the tenants others of the rule's other side:
// traffic from them to it when ownIsTarget, else from it to them. by says
// how it joins (" by its labels" for a pod).
func (a *Admission) adminJoin(own, object, obj, field, by string, r adminRule, others selected, ownIsTarget bool, changed []string) []Violation {
	tenants := []string{"*"}
	if !others.every {
		tenants = tenants[:0]
		for _, t := range others.tenants {
			if t.tenant != own {
				tenants = append(tenants, t.tenant)
			}
		}
	}
	fix := fmt.Sprintf("keep the %s labels out of %s's selectors; who an admin network policy selects is the platform's to decide", labelled(object), obj)
	// An AdminNetworkPolicy's Allow is final; a BaselineAdminNetworkPolicy's
	// is the default below the NetworkPolicies.
	over := "over every NetworkPolicy"
	if strings.HasPrefix(obj, "BaselineAdminNetworkPolicy ") {
		over = "wherever no NetworkPolicy isolates the pods"
	}
	out := make([]Violation, 0, len(tenants))
	for _, t := range tenants {
		v := Violation{Rule: IDAdminAllow, Source: own, Target: t, Object: object, Fields: append([]string{field}, changed...), Fix: fix,
			Reason: fmt.Sprintf("%s would match %s of %s%s, whose %s would then allow its traffic to %s %s", object, field, obj, by, r.where, sideName(t), over)}
		if ownIsTarget {
			v.Source, v.Target = t, own
			v.Reason = fmt.Sprintf("%s would match %s of %s%s, whose %s would then allow traffic from %s to it %s", object, field, obj, by, r.where, sideName(t), over)
		}
		out = append(out, v)
	}
	return out
}

// labelled is whose labels a fix names: the namespace's or the pod's.
func labelled(object string) string {
	if strings.HasPrefix(object, "Namespace ") {
		return "namespace's"
	}
	return "pod's"
}

// distinct drops the violations that repeat an earlier one's rule,
// tenant pair and fields.
func distinct(vs []Violation) []Violation {
	seen := map[string]bool{}
	out := vs[:0]
	for _, v := range vs {
		if k := v.key(); !seen[k] {
			seen[k] = true
			out = append(out, v)
		}
	}
	return out
}

// sideName is a tenant as a message names it.
func sideName(t string) string {
	if t == "*" {
		return "every tenant"
	}
	return "tenant " + t
}
