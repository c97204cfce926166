package rbac

import (
	"strings"

	rbacv1 "k8s.io/api/rbac/v1"
)

// covers reports whether owner rules cover every servant rule, with the
// semantics of k8s.io/component-helpers/auth/rbac/validation.Covers (the
// check kube-apiserver makes before letting a user without bind or escalate
// grant rules), without its per-call allocations: each servant rule is
// broken down to single verb, group, resource and name atoms, and every atom
// must be covered by one owner rule. TestCoversMatchesValidation holds it
// equal to validation.Covers.
func covers(owner []rbacv1.PolicyRule, servant []rbacv1.PolicyRule) bool {
	return newCoverer(owner).covers(servant)
}

// indexFrom is the number of owner rules from which a coverer indexes them.
const indexFrom = 32

// coverer answers coverage questions about one set of owner rules. Many
// rules are indexed by (verb, group, resource) atom, so that a question
// costs a few map lookups however many rules the owner holds.
type coverer struct {
	owner []rbacv1.PolicyRule
	// atoms maps a (verb, group, resource) atom to the owner rules holding
	// it literally ("*" included); nil when the rules are few.
	atoms map[atom][]int32
	// urls are the owner rules with non-resource URLs.
	urls []rbacv1.PolicyRule
}

type atom struct{ verb, group, resource string }

func newCoverer(owner []rbacv1.PolicyRule) *coverer {
	c := &coverer{owner: owner}
	if len(owner) < indexFrom {
		return c
	}
	c.atoms = map[atom][]int32{}
	for i := range owner {
		o := &owner[i]
		if len(o.NonResourceURLs) > 0 {
			c.urls = append(c.urls, *o)
		}
		for _, v := range o.Verbs {
			for _, g := range o.APIGroups {
				for _, r := range o.Resources {
					k := atom{v, g, r}
					if l := c.atoms[k]; len(l) == 0 || l[len(l)-1] != int32(i) {
						c.atoms[k] = append(l, int32(i))
					}
				}
			}
		}
	}
	return c
}

func (c *coverer) covers(servant []rbacv1.PolicyRule) bool {
	return coverage{c}.covers(servant)
}

// coverage is the union of several owner rule sets.
type coverage []*coverer

// covers reports whether every atom of the servant rules is covered by some
// rule of some part.
func (cv coverage) covers(servant []rbacv1.PolicyRule) bool {
	resource := func(v, g, res, n string) bool {
		for _, c := range cv {
			if c.coversResource(v, g, res, n) {
				return true
			}
		}
		return false
	}
	url := func(v, u string) bool {
		for _, c := range cv {
			if c.coversURL(v, u) {
				return true
			}
		}
		return false
	}
	for i := range servant {
		s := &servant[i]
		for _, g := range s.APIGroups {
			for _, res := range s.Resources {
				for _, v := range s.Verbs {
					if len(s.ResourceNames) == 0 {
						if !resource(v, g, res, "") {
							return false
						}
						continue
					}
					for _, n := range s.ResourceNames {
						if !resource(v, g, res, n) {
							return false
						}
					}
				}
			}
		}
		for _, u := range s.NonResourceURLs {
			for _, v := range s.Verbs {
				if !url(v, u) {
					return false
				}
			}
		}
	}
	return true
}

func (c *coverer) coversURL(verb, url string) bool {
	if c.atoms == nil {
		return anyCovers(c.owner, verb, "", "", "", url, false)
	}
	return anyCovers(c.urls, verb, "", "", "", url, false)
}

// coversResource reports whether an owner rule covers one resource atom.
func (c *coverer) coversResource(verb, group, resource, name string) bool {
	if c.atoms == nil {
		return anyCovers(c.owner, verb, group, resource, name, "", true)
	}
	resources := [3]string{resource, rbacv1.ResourceAll}
	n := 2
	if _, sub, ok := strings.Cut(resource, "/"); ok {
		resources[2], n = "*/"+sub, 3
	}
	for _, v := range [2]string{verb, rbacv1.VerbAll} {
		for _, g := range [2]string{group, rbacv1.APIGroupAll} {
			for _, r := range resources[:n] {
				for _, i := range c.atoms[atom{v, g, r}] {
					o := &c.owner[i]
					if len(o.ResourceNames) == 0 || (name != "" && contains(o.ResourceNames, name)) {
						return true
					}
				}
			}
		}
	}
	return false
}

// anyCovers reports whether some owner rule covers one atom: a resource atom
// (verb, group, resource, name — "" for none) or a non-resource one (verb,
// url).
func anyCovers(owner []rbacv1.PolicyRule, verb, group, resource, name, url string, isResource bool) bool {
	for i := range owner {
		o := &owner[i]
		if !contains(o.Verbs, rbacv1.VerbAll) && !contains(o.Verbs, verb) {
			continue
		}
		if !isResource {
			if urlCovered(o.NonResourceURLs, url) {
				return true
			}
			continue
		}
		if !contains(o.APIGroups, rbacv1.APIGroupAll) && !contains(o.APIGroups, group) {
			continue
		}
		if !resourceCovered(o.Resources, resource) {
			continue
		}
		if len(o.ResourceNames) > 0 && (name == "" || !contains(o.ResourceNames, name)) {
			continue
		}
		return true
	}
	return false
}

func resourceCovered(owner []string, resource string) bool {
	if contains(owner, rbacv1.ResourceAll) || contains(owner, resource) {
		return true
	}
	_, sub, ok := strings.Cut(resource, "/")
	return ok && contains(owner, "*/"+sub)
}

func urlCovered(owner []string, url string) bool {
	for _, o := range owner {
		if o == url || (strings.HasSuffix(o, "*") && strings.HasPrefix(url, strings.TrimRight(o, "*"))) {
			return true
		}
	}
	return false
}
