package rbac

import (
	"strings"

	rbacv1 "k8s.io/api/rbac/v1"
)

// The matchers below reproduce k8s.io/kubernetes/pkg/apis/rbac/v1
// evaluation_helpers.go (v1.32) rule by rule; RBAC has no other notion of a
// match.

// verbMatches: "Verbs is a list of Verbs that apply to ALL the ResourceKinds
// contained in this rule. '*' represents all verbs."
func verbMatches(rule *rbacv1.PolicyRule, verb string) bool {
	for _, v := range rule.Verbs {
		if v == rbacv1.VerbAll || v == verb {
			return true
		}
	}
	return false
}

// apiGroupMatches: "APIGroups is the name of the APIGroup that contains the
// resources. ... "" represents the core API group and "*" represents all API
// groups."
func apiGroupMatches(rule *rbacv1.PolicyRule, group string) bool {
	for _, g := range rule.APIGroups {
		if g == rbacv1.APIGroupAll || g == group {
			return true
		}
	}
	return false
}

// resourceMatches: "Resources is a list of resources this rule applies to.
// '*' represents all resources." A rule resource matches the request's
// "resource/subresource" exactly, or is "*" (every resource and every
// subresource), or is "*/sub" (sub of any resource). "pods/*" is not a
// wildcard: it matches only a subresource literally named "*".
func resourceMatches(rule *rbacv1.PolicyRule, combined, subresource string) bool {
	for _, r := range rule.Resources {
		if r == rbacv1.ResourceAll || r == combined {
			return true
		}
		if subresource == "" {
			continue
		}
		if len(r) == len(subresource)+2 && strings.HasPrefix(r, "*/") && strings.HasSuffix(r, subresource) {
			return true
		}
	}
	return false
}

// resourceNameMatches: "ResourceNames is an optional white list of names that
// the rule applies to. An empty set means that everything is allowed." A
// request without a name (create, list, deletecollection) never matches a
// rule that lists names.
func resourceNameMatches(rule *rbacv1.PolicyRule, name string) bool {
	if len(rule.ResourceNames) == 0 {
		return true
	}
	for _, n := range rule.ResourceNames {
		if n == name {
			return true
		}
	}
	return false
}

// nonResourceURLMatches: "NonResourceURLs is a set of partial urls that a
// user should have access to. *s are allowed, but only as the full, final
// step in the path." A rule URL "*" matches everything; one ending in "*"
// matches by prefix; any other matches exactly.
func nonResourceURLMatches(rule *rbacv1.PolicyRule, path string) bool {
	for _, u := range rule.NonResourceURLs {
		if u == rbacv1.NonResourceAll || u == path {
			return true
		}
		if strings.HasSuffix(u, "*") && strings.HasPrefix(path, strings.TrimRight(u, "*")) {
			return true
		}
	}
	return false
}

// RuleAllows reports whether one policy rule allows the request, ignoring
// who asks and where: that is the binding's business.
func RuleAllows(req *Request, rule *rbacv1.PolicyRule) bool {
	if !verbMatches(rule, req.Verb) {
		return false
	}
	if !req.IsResource() {
		return nonResourceURLMatches(rule, req.Path)
	}
	combined := req.Resource
	if req.Subresource != "" {
		combined = req.Resource + "/" + req.Subresource
	}
	return apiGroupMatches(rule, req.APIGroup) &&
		resourceMatches(rule, combined, req.Subresource) &&
		resourceNameMatches(rule, req.Name)
}
