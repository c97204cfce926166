package rbac

import (
	"slices"
	"strings"

	rbacv1 "k8s.io/api/rbac/v1"
)

// NewGrants returns what the after rules grant that the before rules do
// not, as rules: every atom of after (one verb, group, resource and name,
// or one verb and URL) that no before rule covers, with the coverage of
// Covers, regrouped into as few rules as keep the atoms exact. Rules
// after that before covers whole are left out; nil when after grants
// nothing new. Admission says with it what a changed role newly grants.
func NewGrants(before, after []rbacv1.PolicyRule) []rbacv1.PolicyRule {
	c := newCoverer(before)
	var out []rbacv1.PolicyRule
	for i := range after {
		out = append(out, c.uncovered(&after[i])...)
	}
	return out
}

// piece is a set of verbs on a set of names ("" none) found uncovered
// together.
type piece struct{ verbs, names string }

// uncovered is the part of one rule the coverer's rules do not cover.
func (c *coverer) uncovered(s *rbacv1.PolicyRule) []rbacv1.PolicyRule {
	names := s.ResourceNames
	if len(names) == 0 {
		names = []string{""}
	}
	// (group, piece) -> resources, in the order found.
	type groupPiece struct {
		group string
		piece
	}
	var gpOrder []groupPiece
	resources := map[groupPiece][]string{}
	for _, g := range s.APIGroups {
		for _, res := range s.Resources {
			for _, p := range c.uncoveredPieces(s.Verbs, names, func(v, n string) bool { return c.coversResource(v, g, res, n) }) {
				k := groupPiece{g, p}
				if _, ok := resources[k]; !ok {
					gpOrder = append(gpOrder, k)
				}
				resources[k] = append(resources[k], res)
			}
		}
	}
	// Groups with the same piece and resources make one rule.
	type ruleKey struct {
		piece
		resources string
	}
	var order []ruleKey
	groups := map[ruleKey][]string{}
	for _, k := range gpOrder {
		rk := ruleKey{k.piece, strings.Join(resources[k], "\x00")}
		if _, ok := groups[rk]; !ok {
			order = append(order, rk)
		}
		groups[rk] = append(groups[rk], k.group)
	}
	var out []rbacv1.PolicyRule
	for _, rk := range order {
		out = append(out, rbacv1.PolicyRule{
			Verbs:         split(rk.verbs),
			APIGroups:     groups[rk],
			Resources:     split(rk.resources),
			ResourceNames: split(rk.names),
		})
	}
	var urlOrder []string
	urls := map[string][]string{}
	for _, u := range s.NonResourceURLs {
		for _, p := range c.uncoveredPieces(s.Verbs, []string{""}, func(v, _ string) bool { return c.coversURL(v, u) }) {
			if _, ok := urls[p.verbs]; !ok {
				urlOrder = append(urlOrder, p.verbs)
			}
			urls[p.verbs] = append(urls[p.verbs], u)
		}
	}
	for _, vs := range urlOrder {
		out = append(out, rbacv1.PolicyRule{Verbs: split(vs), NonResourceURLs: urls[vs]})
	}
	return out
}

// uncoveredPieces groups the verbs with the names on which they are not
// covered: verbs uncovered on the same names make one piece.
func (c *coverer) uncoveredPieces(verbs, names []string, covered func(verb, name string) bool) []piece {
	var order []string
	byNames := map[string][]string{}
	for _, v := range verbs {
		var left []string
		for _, n := range names {
			if !covered(v, n) {
				left = append(left, n)
			}
		}
		if len(left) == 0 {
			continue
		}
		k := strings.Join(left, "\x00")
		if _, ok := byNames[k]; !ok {
			order = append(order, k)
		}
		if !slices.Contains(byNames[k], v) {
			byNames[k] = append(byNames[k], v)
		}
	}
	out := make([]piece, 0, len(order))
	for _, k := range order {
		out = append(out, piece{verbs: strings.Join(byNames[k], "\x00"), names: k})
	}
	return out
}

// split undoes the joins above: "" (no names) is nil.
func split(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, "\x00")
}

// Summary describes what rules grant in the words of the engine's
// findings ("get, list, watch pods; create pods/exec"); cluster is false
// for a RoleBinding's scope, where non-resource rules grant nothing.
func Summary(rules []rbacv1.PolicyRule, cluster bool) string {
	return summarise(rules, cluster)
}

// Effects describes held capabilities in the words of the engine's
// findings of dangerous permissions.
func Effects(held []Held) string { return effects(held) }
