package render

import (
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"text/tabwriter"

	rbacv1 "k8s.io/api/rbac/v1"

	"github.com/bulkhead-dev/bulkhead/internal/rbac"
)

// Rules writes rules as kubectl auth can-i --list does: every rule
// broken down to one group, resource, verb and name, rules of one resource
// (and name) merged back with their verbs in order of appearance, sorted by
// the rules' printed form, in a table of Resources, Non-Resource URLs,
// Resource Names and Verbs.
func Rules(w io.Writer, access []rbac.Access, headers bool) error {
	var broken []rbacv1.PolicyRule
	for _, x := range access {
		broken = append(broken, breakdown(x.Rule)...)
	}
	rules := compact(broken)
	sort.SliceStable(rules, func(i, j int) bool { return rules[i].String() < rules[j].String() })

	tw := tabwriter.NewWriter(w, 6, 4, 3, ' ', 0)
	sw := safeWriter{tw} // resource names and verbs are free text
	if headers {
		fmt.Fprintln(sw, "Resources\tNon-Resource URLs\tResource Names\tVerbs")
	}
	for _, r := range rules {
		fmt.Fprintf(sw, "%s\t%v\t%v\t%v\n", combineResourceGroup(r.Resources, r.APIGroups), r.NonResourceURLs, r.ResourceNames, r.Verbs)
	}
	return tw.Flush()
}

// breakdown splits a rule into one rule per group, resource, verb and
// resource name, and per non-resource URL and verb (kubectl's
// rbacutil.BreakdownRule).
func breakdown(rule rbacv1.PolicyRule) []rbacv1.PolicyRule {
	var out []rbacv1.PolicyRule
	for _, g := range rule.APIGroups {
		for _, res := range rule.Resources {
			for _, v := range rule.Verbs {
				if len(rule.ResourceNames) == 0 {
					out = append(out, rbacv1.PolicyRule{APIGroups: []string{g}, Resources: []string{res}, Verbs: []string{v}})
					continue
				}
				for _, n := range rule.ResourceNames {
					out = append(out, rbacv1.PolicyRule{APIGroups: []string{g}, Resources: []string{res}, Verbs: []string{v}, ResourceNames: []string{n}})
				}
			}
		}
	}
	for _, u := range rule.NonResourceURLs {
		for _, v := range rule.Verbs {
			out = append(out, rbacv1.PolicyRule{NonResourceURLs: []string{u}, Verbs: []string{v}})
		}
	}
	return out
}

type simpleResource struct {
	group, resource string
	hasName         bool
	name            string
}

// compact merges the verbs of broken-down resource rules of the same group,
// resource and name (kubectl's rbacutil.CompactRules); non-resource rules
// are kept as they are, duplicates included.
func compact(rules []rbacv1.PolicyRule) []rbacv1.PolicyRule {
	var out []rbacv1.PolicyRule
	simple := map[simpleResource]int{} // index into merged
	var merged []rbacv1.PolicyRule
	for _, r := range rules {
		if len(r.NonResourceURLs) > 0 || len(r.APIGroups) != 1 || len(r.Resources) != 1 || len(r.ResourceNames) > 1 {
			out = append(out, r)
			continue
		}
		key := simpleResource{group: r.APIGroups[0], resource: r.Resources[0]}
		if len(r.ResourceNames) == 1 {
			key.hasName, key.name = true, r.ResourceNames[0]
		}
		i, ok := simple[key]
		if !ok {
			simple[key] = len(merged)
			merged = append(merged, *r.DeepCopy())
			continue
		}
		for _, v := range r.Verbs {
			if !slices.Contains(merged[i].Verbs, v) {
				merged[i].Verbs = append(merged[i].Verbs, v)
			}
		}
	}
	return append(out, merged...)
}

// combineResourceGroup prints "resource.group/subresource" (kubectl's
// describe.CombineResourceGroup).
func combineResourceGroup(resources, groups []string) string {
	if len(resources) == 0 {
		return ""
	}
	res, sub, hasSub := strings.Cut(resources[0], "/")
	if len(groups) > 0 && groups[0] != "" {
		res += "." + groups[0]
	}
	if hasSub {
		res += "/" + sub
	}
	return res
}
