package harden

import (
	"slices"
	"sort"
	"strings"

	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// maxOpenTerms bounds the selectors written to reach the pods no existing
// policy isolates: beyond it the namespace's allow rules select every pod.
const maxOpenTerms = 16

// openPods returns the pod selectors that together select exactly the
// pods of namespace ns that no existing NetworkPolicy isolates in the
// direction (Ingress or Egress): the complement of the union of the
// isolating policies' podSelectors. A pod some policy already isolates
// keeps exactly the traffic that policy's rules allow; only the others get
// harden's allow rules, so reachability within a tenant stays as it is.
//
// The complement of a selector (a conjunction of requirements) is the
// disjunction of the negated requirements (In ↔ NotIn, Exists ↔
// DoesNotExist; a NotIn also matches pods without the key, exactly what
// negating In needs); the complement of the union is the conjunction of
// those, expanded into disjunctive form, one selector per term. Nil means
// every pod is isolated already; exact is false when the expansion was cut
// at maxOpenTerms and the single selector {} stands for all pods.
func openPods(policies []networkingv1.NetworkPolicy, ns string, dir networkingv1.PolicyType) (sels []metav1.LabelSelector, exact bool) {
	terms := []selTerm{{}}
	for i := range policies {
		np := &policies[i]
		if np.Namespace != ns || !hasDirection(np, dir) {
			continue
		}
		reqs, ok := requirements(&np.Spec.PodSelector)
		if !ok {
			continue // a malformed selector selects no pod
		}
		if len(reqs) == 0 {
			return nil, true // the policy isolates every pod
		}
		var next []selTerm
		seen := map[string]bool{}
		for _, t := range terms {
			for _, r := range reqs {
				n, ok := t.with(negate(r))
				if !ok {
					continue
				}
				if k := n.key(); !seen[k] {
					seen[k] = true
					next = append(next, n)
				}
			}
		}
		if len(next) == 0 {
			return nil, true
		}
		if len(next) > maxOpenTerms {
			return []metav1.LabelSelector{{}}, false
		}
		terms = next
	}
	sort.Slice(terms, func(i, j int) bool { return terms[i].key() < terms[j].key() })
	for _, t := range terms {
		sels = append(sels, t.selector())
	}
	return sels, true
}

// hasDirection reports whether a policy isolates the pods it selects in
// dir, with the API's policyTypes default.
func hasDirection(np *networkingv1.NetworkPolicy, dir networkingv1.PolicyType) bool {
	types := np.Spec.PolicyTypes
	if len(types) == 0 {
		types = []networkingv1.PolicyType{networkingv1.PolicyTypeIngress}
		if len(np.Spec.Egress) > 0 {
			types = append(types, networkingv1.PolicyTypeEgress)
		}
	}
	return slices.Contains(types, dir)
}

// requirements spells a selector as requirements; ok is false when it is
// malformed (an unknown operator, In without values).
func requirements(sel *metav1.LabelSelector) ([]metav1.LabelSelectorRequirement, bool) {
	if _, err := metav1.LabelSelectorAsSelector(sel); err != nil {
		return nil, false
	}
	var out []metav1.LabelSelectorRequirement
	keys := make([]string, 0, len(sel.MatchLabels))
	for k := range sel.MatchLabels {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		out = append(out, metav1.LabelSelectorRequirement{Key: k, Operator: metav1.LabelSelectorOpIn, Values: []string{sel.MatchLabels[k]}})
	}
	return append(out, sel.MatchExpressions...), true
}

func negate(r metav1.LabelSelectorRequirement) metav1.LabelSelectorRequirement {
	n := metav1.LabelSelectorRequirement{Key: r.Key, Values: r.Values}
	switch r.Operator {
	case metav1.LabelSelectorOpIn:
		n.Operator = metav1.LabelSelectorOpNotIn
	case metav1.LabelSelectorOpNotIn:
		n.Operator = metav1.LabelSelectorOpIn
	case metav1.LabelSelectorOpExists:
		n.Operator, n.Values = metav1.LabelSelectorOpDoesNotExist, nil
	case metav1.LabelSelectorOpDoesNotExist:
		n.Operator, n.Values = metav1.LabelSelectorOpExists, nil
	}
	return n
}

// selTerm is a conjunction of requirements, kept per key in a form where
// contradictions show: the values a key must take (nil: any), those it
// must not, and whether it must or must not exist.
type selTerm map[string]*keyConstraint

type keyConstraint struct {
	in        []string // sorted; nil when unconstrained
	notIn     []string // sorted
	exists    bool
	notExists bool
}

// with returns t and r; ok is false when no pod can match bothDirections.
func (t selTerm) with(r metav1.LabelSelectorRequirement) (selTerm, bool) {
	n := selTerm{}
	for k, v := range t {
		c := *v
		n[k] = &c
	}
	c := n[r.Key]
	if c == nil {
		c = &keyConstraint{}
		n[r.Key] = c
	}
	vals := slices.Sorted(slices.Values(r.Values))
	switch r.Operator {
	case metav1.LabelSelectorOpIn:
		if c.in == nil {
			c.in = slices.Compact(vals)
		} else {
			c.in = slices.DeleteFunc(slices.Clone(c.in), func(v string) bool { return !slices.Contains(vals, v) })
		}
	case metav1.LabelSelectorOpNotIn:
		c.notIn = slices.Compact(slices.Sorted(slices.Values(append(slices.Clone(c.notIn), vals...))))
	case metav1.LabelSelectorOpExists:
		c.exists = true
	case metav1.LabelSelectorOpDoesNotExist:
		c.notExists = true
	}
	if c.in != nil {
		c.in = slices.DeleteFunc(slices.Clone(c.in), func(v string) bool { return slices.Contains(c.notIn, v) })
		if len(c.in) == 0 {
			return nil, false
		}
	}
	if c.notExists && (c.exists || c.in != nil) {
		return nil, false
	}
	return n, true
}

// selector writes the term as a LabelSelector, keys in order.
func (t selTerm) selector() metav1.LabelSelector {
	keys := make([]string, 0, len(t))
	for k := range t {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var sel metav1.LabelSelector
	add := func(k string, op metav1.LabelSelectorOperator, vals []string) {
		sel.MatchExpressions = append(sel.MatchExpressions, metav1.LabelSelectorRequirement{Key: k, Operator: op, Values: vals})
	}
	for _, k := range keys {
		c := t[k]
		switch {
		case c.notExists:
			add(k, metav1.LabelSelectorOpDoesNotExist, nil)
		case c.in != nil:
			add(k, metav1.LabelSelectorOpIn, c.in)
		default:
			if c.exists {
				add(k, metav1.LabelSelectorOpExists, nil)
			}
			if len(c.notIn) > 0 {
				add(k, metav1.LabelSelectorOpNotIn, c.notIn)
			}
		}
	}
	return sel
}

// key identifies a term's meaning, for de-duplication and order.
func (t selTerm) key() string {
	var b strings.Builder
	for _, r := range t.selector().MatchExpressions {
		b.WriteString(r.Key + " " + string(r.Operator) + " " + strings.Join(r.Values, ",") + ";")
	}
	return b.String()
}
