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
	for i := range servant {
		s := &servant[i]
		for _, g := range s.APIGroups {
			for _, res := range s.Resources {
				for _, v := range s.Verbs {
					if len(s.ResourceNames) == 0 {
						if !anyCovers(owner, v, g, res, "", "", true) {
							return false
						}
						continue
					}
					for _, n := range s.ResourceNames {
						if !anyCovers(owner, v, g, res, n, "", true) {
							return false
						}
					}
				}
			}
		}
		for _, u := range s.NonResourceURLs {
			for _, v := range s.Verbs {
				if !anyCovers(owner, v, "", "", "", u, false) {
					return false
				}
			}
		}
	}
	return true
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
