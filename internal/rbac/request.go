package rbac

import (
	"strings"

	rbacv1 "k8s.io/api/rbac/v1"
)

// Well-known groups. Authentication, not RBAC, puts users in them; the
// engine only needs their names.
const (
	AllAuthenticated      = "system:authenticated"
	AllUnauthenticated    = "system:unauthenticated"
	AllServiceAccounts    = "system:serviceaccounts"
	ServiceAccountsPrefix = "system:serviceaccounts:"
	ServiceAccountPrefix  = "system:serviceaccount:"
	SystemMasters         = "system:masters"
	AnonymousUser         = "system:anonymous"
)

// Request is one API request, as a SubjectAccessReview describes it. A
// request with a Path is a non-resource request (/healthz, /metrics); every
// other field but the user's then is ignored.
type Request struct {
	User   string   `json:"user,omitempty"`
	Groups []string `json:"groups,omitempty"`

	Verb        string `json:"verb"`
	APIGroup    string `json:"apiGroup,omitempty"`
	Resource    string `json:"resource,omitempty"`
	Subresource string `json:"subresource,omitempty"`
	Name        string `json:"name,omitempty"`
	// Namespace is empty for cluster-scoped requests and for requests across
	// every namespace (list pods -A).
	Namespace string `json:"namespace,omitempty"`

	Path string `json:"path,omitempty"`
}

// IsResource reports whether the request is for an API resource rather than
// a non-resource URL.
func (r *Request) IsResource() bool { return r.Path == "" }

// ServiceAccountUser returns the user name of a service account.
func ServiceAccountUser(namespace, name string) string {
	return ServiceAccountPrefix + namespace + ":" + name
}

// SplitServiceAccountUser returns the namespace and name of a service
// account user name, and false for any other user.
func SplitServiceAccountUser(user string) (namespace, name string, ok bool) {
	rest, ok := strings.CutPrefix(user, ServiceAccountPrefix)
	if !ok {
		return "", "", false
	}
	namespace, name, ok = strings.Cut(rest, ":")
	if !ok || namespace == "" || name == "" || strings.Contains(name, ":") {
		return "", "", false
	}
	return namespace, name, true
}

// ImpersonatedGroups returns the groups kube-apiserver gives a user
// impersonated with --as and --as-group: a service account without explicit
// groups gets system:serviceaccounts and system:serviceaccounts:NS, and every
// user but system:anonymous gets system:authenticated unless the groups name
// system:authenticated or system:unauthenticated already (the impersonation
// filter of k8s.io/apiserver).
func ImpersonatedGroups(user string, groups []string) []string {
	out := append([]string(nil), groups...)
	if ns, _, ok := SplitServiceAccountUser(user); ok && len(groups) == 0 {
		out = append(out, AllServiceAccounts, ServiceAccountsPrefix+ns)
	}
	if user == AnonymousUser {
		if !contains(out, AllUnauthenticated) {
			out = append(out, AllUnauthenticated)
		}
		return out
	}
	if !contains(out, AllAuthenticated) && !contains(out, AllUnauthenticated) {
		out = append(out, AllAuthenticated)
	}
	return out
}

func contains(xs []string, x string) bool {
	for _, s := range xs {
		if s == x {
			return true
		}
	}
	return false
}

// Subject is a user, group or service account as a binding names it, with a
// service account's namespace filled in.
type Subject struct {
	Kind      string `json:"kind"`
	Name      string `json:"name"`
	Namespace string `json:"namespace,omitempty"`
}

func (s Subject) String() string {
	if s.Kind == rbacv1.ServiceAccountKind {
		return s.Kind + "/" + s.Namespace + "/" + s.Name
	}
	return s.Kind + "/" + s.Name
}

// User returns the user name a service account subject authenticates as, and
// "" for other subjects.
func (s Subject) User() string {
	switch s.Kind {
	case rbacv1.UserKind:
		return s.Name
	case rbacv1.ServiceAccountKind:
		return ServiceAccountUser(s.Namespace, s.Name)
	}
	return ""
}

func lessSubject(a, b Subject) bool {
	if a.Kind != b.Kind {
		return a.Kind < b.Kind
	}
	if a.Namespace != b.Namespace {
		return a.Namespace < b.Namespace
	}
	return a.Name < b.Name
}
