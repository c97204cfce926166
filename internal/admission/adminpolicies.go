package admission

import (
	"fmt"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	anp "sigs.k8s.io/network-policy-api/apis/v1alpha1"
)

// adminRule is an Allow rule of an AdminNetworkPolicy or
// BaselineAdminNetworkPolicy, read the same for both.
type adminRule struct {
	where  string // the rule's path: "spec.ingress[0]"
	egress bool
	peers  []adminPeer
}

// adminPeer is a peer of a rule that selects pods by their namespace; a
// nodes or networks peer has none and is the audit's.
type adminPeer struct {
	field string
	ns    *metav1.LabelSelector
	// pods is a pods peer's selectors (nil for a namespaces peer), at
	// path where.
	pods  *anp.NamespacedPod
	where string
}

// adminPolicy judges an AdminNetworkPolicy or BaselineAdminNetworkPolicy:
// an Allow rule between the namespaces its subject selects and those a
// peer selects opens traffic between tenants (BH-ADM-003), whatever the
// NetworkPolicies of either side say:
//
//	"Allow: indicates that the traffic should be allowed regardless of any
//	NetworkPolicy or lower-priority AdminNetworkPolicy rules" (ANP);
//	BANP Allow is the default below every NetworkPolicy.
//
// Pass and Deny never open anything. Namespaces are resolved against
// those the webhook sees (kubernetes.io/metadata.name set as the API
// server sets it); the cluster's and the platform's never count, nor do
// pairs within one tenant. A pods peer is judged by its
// namespaceSelector: a podSelector does not narrow it to a tenant, since
// tenants label their own pods. An empty selector is every tenant.
func (a *Admission) adminPolicy(p *anp.AdminNetworkPolicy, b *anp.BaselineAdminNetworkPolicy) []Violation {
	obj, subject, rules := adminRules(p, b)
	subjField, subjSel := subjectSelector(subject)
	if subjSel == nil || len(rules) == 0 {
		return nil
	}
	subj := a.tenantsSelected(subjSel)
	var out []Violation
	for _, r := range rules {
		for _, p := range r.peers {
			peer := a.tenantsSelected(p.ns)
			for _, pr := range crossPairs(subj, peer) {
				src, dst := pr.peer, pr.subject
				if r.egress {
					src, dst = pr.subject, pr.peer
				}
				out = append(out, Violation{Rule: IDAdminAllow, Source: src, Target: dst, Object: obj,
					Fields: []string{subjField, p.field},
					Reason: fmt.Sprintf("%s %s allows traffic from %s to %s, over every NetworkPolicy that would stop it", obj, r.where, side(src, subj, peer, r.egress), side(dst, subj, peer, !r.egress)),
					Fix:    "allow only within one tenant (a subject and peers selecting the same tenant's namespaces), or to and from the platform's namespaces; use Pass to leave traffic between tenants to their NetworkPolicies",
				})
			}
		}
	}
	return out
}

// adminRules are the Allow rules of an AdminNetworkPolicy (p) or a
// BaselineAdminNetworkPolicy (b), with the policy's name and subject.
func adminRules(p *anp.AdminNetworkPolicy, b *anp.BaselineAdminNetworkPolicy) (obj string, subject anp.AdminNetworkPolicySubject, rules []adminRule) {
	switch {
	case p != nil:
		obj, subject = "AdminNetworkPolicy "+p.Name, p.Spec.Subject
		for i, r := range p.Spec.Ingress {
			if r.Action == anp.AdminNetworkPolicyRuleActionAllow {
				rules = append(rules, adminRule{where: fmt.Sprintf("spec.ingress[%d]", i), peers: ingressPeers(r.From, fmt.Sprintf("spec.ingress[%d].from", i))})
			}
		}
		for i, r := range p.Spec.Egress {
			if r.Action == anp.AdminNetworkPolicyRuleActionAllow {
				rules = append(rules, adminRule{where: fmt.Sprintf("spec.egress[%d]", i), egress: true, peers: egressPeers(r.To, fmt.Sprintf("spec.egress[%d].to", i))})
			}
		}
	case b != nil:
		obj, subject = "BaselineAdminNetworkPolicy "+b.Name, b.Spec.Subject
		for i, r := range b.Spec.Ingress {
			if r.Action == anp.BaselineAdminNetworkPolicyRuleActionAllow {
				rules = append(rules, adminRule{where: fmt.Sprintf("spec.ingress[%d]", i), peers: ingressPeers(r.From, fmt.Sprintf("spec.ingress[%d].from", i))})
			}
		}
		for i, r := range b.Spec.Egress {
			if r.Action == anp.BaselineAdminNetworkPolicyRuleActionAllow {
				rules = append(rules, adminRule{where: fmt.Sprintf("spec.egress[%d]", i), egress: true, peers: egressPeers(r.To, fmt.Sprintf("spec.egress[%d].to", i))})
			}
		}
	}
	return obj, subject, rules
}

func ingressPeers(from []anp.AdminNetworkPolicyIngressPeer, where string) []adminPeer {
	var out []adminPeer
	for j, p := range from {
		out = appendPeer(out, p.Namespaces, p.Pods, fmt.Sprintf("%s[%d]", where, j))
	}
	return out
}

func egressPeers(to []anp.AdminNetworkPolicyEgressPeer, where string) []adminPeer {
	var out []adminPeer
	for j, p := range to {
		out = appendPeer(out, p.Namespaces, p.Pods, fmt.Sprintf("%s[%d]", where, j))
	}
	return out
}

// appendPeer appends the peer at where to peers if it selects pods by
// their namespace.
func appendPeer(peers []adminPeer, ns *metav1.LabelSelector, pods *anp.NamespacedPod, where string) []adminPeer {
	f, sel := peerSelector(ns, pods, where)
	if sel == nil {
		return peers
	}
	p := adminPeer{field: f, ns: sel, where: where}
	if ns == nil {
		p.pods = pods
	}
	return append(peers, p)
}

// peerSelector is the namespace selector of a namespaces or pods peer,
// with its field.
func peerSelector(ns *metav1.LabelSelector, pods *anp.NamespacedPod, where string) (string, *metav1.LabelSelector) {
	switch {
	case ns != nil:
		return where + ".namespaces=" + describe(ns), ns
	case pods != nil:
		return fmt.Sprintf("%s.pods.namespaceSelector=%s, %s.pods.podSelector=%s", where, describe(&pods.NamespaceSelector), where, describe(&pods.PodSelector)), &pods.NamespaceSelector
	}
	return "", nil
}

func subjectSelector(s anp.AdminNetworkPolicySubject) (string, *metav1.LabelSelector) {
	switch {
	case s.Namespaces != nil:
		return "spec.subject.namespaces=" + describe(s.Namespaces), s.Namespaces
	case s.Pods != nil:
		return "spec.subject.pods.namespaceSelector=" + describe(&s.Pods.NamespaceSelector), &s.Pods.NamespaceSelector
	}
	return "", nil
}

// selected are the tenants a namespace selector matches: every tenant
// ("*") for an empty selector, else by name with their namespaces.
type selected struct {
	every   bool
	tenants []tenantNamespaces
}

func (a *Admission) tenantsSelected(sel *metav1.LabelSelector) selected {
	if isEmptySelector(sel) {
		return selected{every: true}
	}
	return selected{tenants: a.otherTenants("", sel)}
}

// tenantPair is one pair of tenants a rule opens, "*" for every tenant.
type tenantPair struct{ subject, peer string }

// crossPairs are the pairs of different tenants between the two sides:
// with a side that is every tenant, one pair per tenant of the other side
// (or "*" and "*" when both are).
func crossPairs(subj, peer selected) []tenantPair {
	switch {
	case subj.every && peer.every:
		return []tenantPair{{"*", "*"}}
	case subj.every:
		out := make([]tenantPair, 0, len(peer.tenants))
		for _, t := range peer.tenants {
			out = append(out, tenantPair{"*", t.tenant})
		}
		return out
	case peer.every:
		out := make([]tenantPair, 0, len(subj.tenants))
		for _, t := range subj.tenants {
			out = append(out, tenantPair{t.tenant, "*"})
		}
		return out
	}
	var out []tenantPair
	for _, s := range subj.tenants {
		for _, p := range peer.tenants {
			if s.tenant != p.tenant {
				out = append(out, tenantPair{s.tenant, p.tenant})
			}
		}
	}
	return out
}

// side describes one end of a pair: every tenant's namespaces, or the
// namespaces of a tenant that its side's selector matches.
func side(t string, subj, peer selected, isSubject bool) string {
	if t == "*" {
		return "every tenant's namespaces"
	}
	s := peer
	if isSubject {
		s = subj
	}
	for _, tn := range s.tenants {
		if tn.tenant == t {
			return fmt.Sprintf("tenant %s's namespaces %s", t, strings.Join(bounded(tn.namespaces, maxFields), ", "))
		}
	}
	return "tenant " + t
}

// bounded returns up to n names, and how many more there are.
func bounded(names []string, n int) []string {
	if len(names) <= n {
		return names
	}
	return append(append([]string(nil), names[:n]...), fmt.Sprintf("and %d more", len(names)-n))
}
