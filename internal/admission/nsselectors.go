package admission

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/bulkhead-dev/bulkhead/internal/netpol"
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
// (BH-NET-004).
func (a *Admission) selectorJoins(old, ns *corev1.Namespace, own, object string) []Violation {
	now := namespaceLabels(ns)
	var was labels.Set
	if old != nil {
		was = namespaceLabels(old)
	}
	var out []Violation
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
		v := Violation{Rule: netpol.IDCrossTenant, Object: object, Fields: append(fields, changedLabels(ownLabels(old), ownLabels(ns), nil)...),
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
		sel, err := metav1.LabelSelectorAsSelector(peer.NamespaceSelector)
		if err != nil || !sel.Matches(now) || (was != nil && sel.Matches(was)) {
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
