package netpol

import (
	"sort"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// selector is a compiled metav1.LabelSelector. A nil *metav1.LabelSelector
// is never compiled: callers decide what "absent" means for their field.
type selector struct {
	matchLabels []labelPair // sorted by key
	exprs       []metav1.LabelSelectorRequirement
	// invalid selectors match nothing (the API server would have refused
	// them; offline input may still carry them).
	invalid bool
}

type labelPair struct{ k, v string }

// compileSelector validates and compiles a label selector:
//
//	"A label selector is a label query over a set of resources. The result
//	of matchLabels and matchExpressions are ANDed. An empty label selector
//	matches all objects."
func compileSelector(s *metav1.LabelSelector) selector {
	var c selector
	if s == nil {
		return c
	}
	if _, err := metav1.LabelSelectorAsSelector(s); err != nil {
		c.invalid = true
		return c
	}
	for k, v := range s.MatchLabels {
		c.matchLabels = append(c.matchLabels, labelPair{k, v})
	}
	sort.Slice(c.matchLabels, func(i, j int) bool { return c.matchLabels[i].k < c.matchLabels[j].k })
	c.exprs = s.MatchExpressions
	return c
}

// matches evaluates the selector against a label set.
func (c *selector) matches(labels map[string]string) bool {
	if c.invalid {
		return false
	}
	for _, p := range c.matchLabels {
		if v, ok := labels[p.k]; !ok || v != p.v {
			return false
		}
	}
	for _, e := range c.exprs {
		v, ok := labels[e.Key]
		switch e.Operator {
		case metav1.LabelSelectorOpIn:
			if !ok || !contains(e.Values, v) {
				return false
			}
		case metav1.LabelSelectorOpNotIn:
			if ok && contains(e.Values, v) {
				return false
			}
		case metav1.LabelSelectorOpExists:
			if !ok {
				return false
			}
		case metav1.LabelSelectorOpDoesNotExist:
			if ok {
				return false
			}
		default:
			return false
		}
	}
	return true
}

// isEmpty reports whether the selector matches everything.
func (c *selector) isEmpty() bool {
	return !c.invalid && len(c.matchLabels) == 0 && len(c.exprs) == 0
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// describeSelector renders a selector for explanations.
func describeSelector(s *metav1.LabelSelector) string {
	if s == nil {
		return "<none>"
	}
	if len(s.MatchLabels) == 0 && len(s.MatchExpressions) == 0 {
		return "{}"
	}
	sel, err := metav1.LabelSelectorAsSelector(s)
	if err != nil {
		return "<invalid>"
	}
	return sel.String()
}
