package snapshot

import (
	"reflect"
	"sort"

	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// Aggregate recomputes the rules of every ClusterRole with an
// aggregationRule, as kube-controller-manager's clusterrole-aggregation
// controller does: the role's rules become the union, without duplicates, of
// the rules of every other ClusterRole matched by any of its selectors
// (matches taken in name order per selector). Aggregated roles may feed each
// other (view → edit → admin), so it iterates to a fixpoint. Offline input
// has no controller to do this; live input is recomputed too, which is a
// no-op when the controller is healthy.
//
// A selector that does not parse matches nothing.
func (s *Snapshot) Aggregate() {
	byName := make([]int, len(s.ClusterRoles))
	for i := range byName {
		byName[i] = i
	}
	sort.Slice(byName, func(a, b int) bool { return s.ClusterRoles[byName[a]].Name < s.ClusterRoles[byName[b]].Name })
	// Each pass can only add the rules of roles one aggregation level down,
	// so len+1 passes reach the fixpoint of any acyclic nesting; cycles
	// settle within the same bound because unions only grow.
	for pass := 0; pass <= len(s.ClusterRoles); pass++ {
		changed := false
		for _, i := range byName {
			cr := &s.ClusterRoles[i]
			if cr.AggregationRule == nil {
				continue
			}
			var rules []rbacv1.PolicyRule
			for _, ls := range cr.AggregationRule.ClusterRoleSelectors {
				sel, err := metav1.LabelSelectorAsSelector(&ls)
				if err != nil {
					continue
				}
				for _, j := range byName {
					other := &s.ClusterRoles[j]
					if other.Name == cr.Name || !sel.Matches(labels.Set(other.Labels)) {
						continue
					}
					for _, r := range other.Rules {
						if !hasRule(rules, r) {
							rules = append(rules, r)
						}
					}
				}
			}
			if !SameRules(rules, cr.Rules) {
				cr.Rules = rules
				changed = true
			}
		}
		if !changed {
			return
		}
	}
}

func hasRule(rules []rbacv1.PolicyRule, r rbacv1.PolicyRule) bool {
	for _, x := range rules {
		if reflect.DeepEqual(normRule(x), normRule(r)) {
			return true
		}
	}
	return false
}

// normRule treats nil and empty lists alike, as the API server's
// serialisation does.
func normRule(r rbacv1.PolicyRule) rbacv1.PolicyRule {
	z := func(s []string) []string {
		if len(s) == 0 {
			return nil
		}
		return s
	}
	return rbacv1.PolicyRule{Verbs: z(r.Verbs), APIGroups: z(r.APIGroups), Resources: z(r.Resources), ResourceNames: z(r.ResourceNames), NonResourceURLs: z(r.NonResourceURLs)}
}

// SameRules compares rules as the API server stores them: nil and empty
// lists alike.
func SameRules(x, y []rbacv1.PolicyRule) bool {
	return reflect.DeepEqual(normRules(x), normRules(y))
}

func normRules(rs []rbacv1.PolicyRule) []rbacv1.PolicyRule {
	if len(rs) == 0 {
		return nil
	}
	out := make([]rbacv1.PolicyRule, len(rs))
	for i, r := range rs {
		out[i] = normRule(r)
	}
	return out
}
