package admission

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	anp "sigs.k8s.io/network-policy-api/apis/v1alpha1"

	"github.com/bulkhead-dev/bulkhead/internal/netpol"
	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
)

// selectorJoins judges a namespace's new labels against the
// NetworkPolicies of the other tenants: a peer whose namespaceSelector
// did not select the namespace and now does lets its pods in (an ingress
// peer: the namespace's tenant gains the other's pods) or lets the other
// tenant's pods out to it (an egress peer: it is exposed to them). Either
// way a label the namespace's tenant writes would open a path the other
// tenant's policy never meant for it; this is how a tenant relabels
// itself "into another tenant's selectors". Policies whose selectors
// select every namespace select it before and after, and are the audit's
// (BH-NET-004). The admin network policies' selectors are judged too
// (adminJoins).
func (a *Admission) selectorJoins(old, ns *corev1.Namespace, own, object string) []Violation {
	now := namespaceLabels(ns)
	var was labels.Set
	if old != nil {
		was = namespaceLabels(old)
	}
	changed := changedLabels(ownLabels(old), ownLabels(ns), nil)
	out := a.adminJoins(was, now, own, object, changed)
	for i := range a.snap.NetworkPolicies {
		np := &a.snap.NetworkPolicies[i]
		other := a.ten.Of(np.Namespace)
		if other == own || isCluster(other) {
			continue
		}
		var fields []string
		ingress, egress := policyDirections(np)
		if ingress {
			for r, rule := range np.Spec.Ingress {
				fields = append(fields, joined(rule.From, was, now, fmt.Sprintf("spec.ingress[%d].from", r))...)
			}
		}
		in := len(fields)
		if egress {
			for r, rule := range np.Spec.Egress {
				fields = append(fields, joined(rule.To, was, now, fmt.Sprintf("spec.egress[%d].to", r))...)
			}
		}
		if len(fields) == 0 {
			continue
		}
		policy := "NetworkPolicy " + np.Namespace + "/" + np.Name
		v := Violation{Rule: netpol.IDCrossTenant, Object: object, Fields: append(fields, changed...),
			Fix: fmt.Sprintf("keep the namespace's labels out of %s's selectors; a label another tenant's policy selects by is that tenant's to give", policy)}
		if in > 0 {
			v.Source, v.Target = own, other
			v.Reason = fmt.Sprintf("%s would match the namespaceSelector of %s of tenant %s, which would then admit its pods", object, policy, other)
		} else {
			v.Source, v.Target = other, own
			v.Reason = fmt.Sprintf("%s would match the namespaceSelector of %s of tenant %s, whose pods could then send to it", object, policy, other)
		}
		out = append(out, v)
	}
	return out
}

// joined lists the peers of a rule whose namespaceSelector selects labels
// now and did not select was (nil: a namespace new to the cluster).
func joined(peers []networkingv1.NetworkPolicyPeer, was, now labels.Set, at string) []string {
	var out []string
	for p, peer := range peers {
		if peer.NamespaceSelector == nil {
			continue
		}
		if !joins(peer.NamespaceSelector, was, now) {
			continue
		}
		out = append(out, fmt.Sprintf("%s[%d].namespaceSelector: %s", at, p, metav1.FormatLabelSelector(peer.NamespaceSelector)))
	}
	return out
}

// namespaceLabels are a namespace's labels as selectors see them: with
// the name label the API server sets.
func namespaceLabels(ns *corev1.Namespace) labels.Set {
	out := make(labels.Set, len(ns.Labels)+1)
	for k, v := range ns.Labels {
		out[k] = v
	}
	out[metadataNameLabel] = ns.Name
	return out
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
// denies. On an update, what the stored pod was already selected by is
// not held against it.
func (a *Admission) podJoins(pod *corev1.Pod, object string) []Violation {
	ns := a.snap.Namespace(pod.Namespace)
	if ns == nil {
		return nil
	}
	own := a.ten.Of(pod.Namespace)
	nsLabels := namespaceLabels(ns)
	podLabels := labels.Set(pod.Labels)
	var out []Violation
	for i := range a.snap.NetworkPolicies {
		np := &a.snap.NetworkPolicies[i]
		other := a.ten.Of(np.Namespace)
		if other == own || isCluster(other) {
			continue
		}
		var in, eg []string
		ingress, egress := policyDirections(np)
		if ingress {
			for r, rule := range np.Spec.Ingress {
				in = append(in, selecting(rule.From, nsLabels, podLabels, fmt.Sprintf("spec.ingress[%d].from", r))...)
			}
		}
		if egress {
			for r, rule := range np.Spec.Egress {
				eg = append(eg, selecting(rule.To, nsLabels, podLabels, fmt.Sprintf("spec.egress[%d].to", r))...)
			}
		}
		policy := "NetworkPolicy " + np.Namespace + "/" + np.Name
		fix := fmt.Sprintf("remove the labels %s selects by, or have tenant %s name this pod's namespace in it", policy, other)
		if len(in) > 0 {
			out = append(out, Violation{Rule: netpol.IDCrossTenant, Source: own, Target: other, Object: object, Fields: in, Fix: fix,
				Reason: fmt.Sprintf("its labels match a peer of %s of tenant %s, which would then admit it", policy, other)})
		}
		if len(eg) > 0 {
			out = append(out, Violation{Rule: netpol.IDCrossTenant, Source: other, Target: own, Object: object, Fields: eg, Fix: fix,
				Reason: fmt.Sprintf("its labels match a peer of %s of tenant %s, whose pods could then send to it", policy, other)})
		}
	}
	return out
}

// selecting lists the peers of a rule of another namespace's policy that
// select a pod by its labels, in a namespace of nsLabels. A peer without
// a podSelector selects whole namespaces, whatever the pod's labels say
// (selectorJoins' concern); without a namespaceSelector, the policy's own
// namespace only.
func selecting(peers []networkingv1.NetworkPolicyPeer, nsLabels, podLabels labels.Set, at string) []string {
	var out []string
	for p, peer := range peers {
		if peer.PodSelector == nil || peer.NamespaceSelector == nil || len(peer.PodSelector.MatchLabels)+len(peer.PodSelector.MatchExpressions) == 0 {
			continue
		}
		nsSel, err1 := metav1.LabelSelectorAsSelector(peer.NamespaceSelector)
		podSel, err2 := metav1.LabelSelectorAsSelector(peer.PodSelector)
		if err1 != nil || err2 != nil || !nsSel.Matches(nsLabels) || !podSel.Matches(podLabels) {
			continue
		}
		out = append(out, fmt.Sprintf("%s[%d].podSelector: %s", at, p, metav1.FormatLabelSelector(peer.PodSelector)))
	}
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
// all it takes.
func (a *Admission) adminJoins(was, now labels.Set, own, object string, changed []string) []Violation {
	var out []Violation
	judge := func(p *anp.AdminNetworkPolicy, b *anp.BaselineAdminNetworkPolicy) {
		obj, subject, rules := adminRules(p, b)
		subjField, subjSel := subjectSelector(subject)
		if subjSel == nil {
			return
		}
		inSubject := joins(subjSel, was, now)
		for _, r := range rules {
			for _, peer := range r.peers {
				var others selected
				var field string
				var ownIsTarget bool
				switch {
				case inSubject:
					others, field, ownIsTarget = a.tenantsSelected(peer.ns), subjField, !r.egress
				case joins(peer.ns, was, now):
					others, field, ownIsTarget = a.tenantsSelected(subjSel), peer.field, r.egress
				default:
					continue
				}
				tenants := []string{"*"}
				if !others.every {
					tenants = tenants[:0]
					for _, t := range others.tenants {
						if t.tenant != own {
							tenants = append(tenants, t.tenant)
						}
					}
				}
				for _, t := range tenants {
					v := Violation{Rule: IDAdminAllow, Source: own, Target: t, Object: object, Fields: append([]string{field}, changed...),
						Reason: fmt.Sprintf("%s would match %s of %s, whose %s would then allow its traffic to %s over every NetworkPolicy", object, field, obj, r.where, sideName(t)),
						Fix:    fmt.Sprintf("keep the namespace's labels out of %s's selectors; who an admin network policy selects is the platform's to decide", obj)}
					if ownIsTarget {
						v.Source, v.Target = t, own
						v.Reason = fmt.Sprintf("%s would match %s of %s, whose %s would then allow traffic from %s to it over every NetworkPolicy", object, field, obj, r.where, sideName(t))
					}
					out = append(out, v)
				}
			}
		}
	}
	for i := range a.snap.AdminNetworkPolicies {
		judge(&a.snap.AdminNetworkPolicies[i], nil)
	}
	for i := range a.snap.BaselineAdminNetworkPolicies {
		judge(nil, &a.snap.BaselineAdminNetworkPolicies[i])
	}
	return out
}

// joins reports whether a selector selects labels now and did not select
// was (nil: a namespace new to the cluster).
func joins(sel *metav1.LabelSelector, was, now labels.Set) bool {
	s, err := metav1.LabelSelectorAsSelector(sel)
	return err == nil && s.Matches(now) && (was == nil || !s.Matches(was))
}

// sideName is a tenant as a message names it.
func sideName(t string) string {
	if t == "*" {
		return "every tenant"
	}
	return "tenant " + t
}
