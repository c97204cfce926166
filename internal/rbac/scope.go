package rbac

import (
	"strings"

	rbacv1 "k8s.io/api/rbac/v1"
)

/*
Where a rule grants matters as much as what it grants. A ClusterRoleBinding
reaches "every namespace of every tenant" only through namespaced
resources; cluster-scoped ones (nodes, nodes/metrics, the impersonation
targets users and groups) and non-resource URLs (/metrics) are no access to
any tenant's namespace.

The review APIs are no access either. authentication.k8s.io and
authorization.k8s.io serve only virtual, create-only resources: a
TokenReview says whom a token the caller already holds belongs to, a
SubjectAccessReview (or a LocalSubjectAccessReview, namespaced though it
is) answers a question about someone's permissions, and the self reviews
about the caller's own. Nothing is read from or written to a namespace:
being able to ask is information at most, never a tenant breach.
*/

// reviewGroups serve nothing but the review APIs.
var reviewGroups = []string{"authentication.k8s.io", "authorization.k8s.io"}

// reviewResources are the review APIs of reviewGroups.
var reviewResources = []string{
	"tokenreviews", "selfsubjectreviews",
	"subjectaccessreviews", "localsubjectaccessreviews", "selfsubjectaccessreviews", "selfsubjectrulesreviews",
}

// virtualClusterResources are cluster-scoped resources that no object
// stands for (so they are not in builtinResources): the targets of
// impersonation and the certificate signers.
var virtualClusterResources = []struct{ group, resource string }{
	{"", "users"}, {"", "groups"},
	{"authentication.k8s.io", "uids"}, {"authentication.k8s.io", "userextras"},
	{"certificates.k8s.io", "signers"},
}

// reviewOnly reports whether a resource rule grants nothing but the review
// APIs: every group it names serves only them, or every resource it names
// is one of them.
func reviewOnly(r *rbacv1.PolicyRule) bool {
	if len(r.Resources) == 0 {
		return false
	}
	groups := len(r.APIGroups) > 0
	for _, g := range r.APIGroups {
		if !contains(reviewGroups, g) {
			groups = false
			break
		}
	}
	if groups {
		return true
	}
	for _, res := range r.Resources {
		base, _, _ := strings.Cut(res, "/")
		if !contains(reviewResources, base) {
			return false
		}
	}
	return true
}

// namespacedAccess reports whether rules grant anything on a namespaced
// resource: a wildcard, or a resource that is not a cluster-scoped one
// (unknown resources are taken as namespaced). Review APIs do not count.
func namespacedAccess(rules []rbacv1.PolicyRule) bool {
	for i := range rules {
		r := &rules[i]
		if len(r.Verbs) == 0 || len(r.APIGroups) == 0 || reviewOnly(r) {
			continue
		}
		for _, res := range r.Resources {
			base, _, _ := strings.Cut(res, "/")
			if base == "*" || !clusterScoped(base, r.APIGroups) {
				return true
			}
		}
	}
	return false
}

func clusterScoped(resource string, groups []string) bool {
	for _, b := range builtinResources {
		if b.Resource == resource && !b.Namespaced && (contains(groups, b.Group) || contains(groups, "*")) {
			return true
		}
	}
	for _, v := range virtualClusterResources {
		if v.resource == resource && (contains(groups, v.group) || contains(groups, "*")) {
			return true
		}
	}
	return false
}
