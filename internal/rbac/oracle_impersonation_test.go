package rbac_test

import (
	"fmt"
	"testing"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/bulkhead-dev/bulkhead/internal/rbac"
	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
)

// impersonationFixture grants every impersonation through a RoleBinding
// in imp-a (to ns-impersonator) and a ClusterRoleBinding (to
// cluster-impersonator), and the bootstrap admin ClusterRole in imp-a (to
// imp-a-admin): the three scopes BH-API-004 grades apart.
func impersonationFixture() *snapshot.Snapshot {
	user := func(name string) []rbacv1.Subject {
		return []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: name}}
	}
	ref := func(name string) rbacv1.RoleRef {
		return rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: name}
	}
	return &snapshot.Snapshot{
		Namespaces: []corev1.Namespace{{ObjectMeta: metav1.ObjectMeta{Name: "imp-a"}}, {ObjectMeta: metav1.ObjectMeta{Name: "imp-b"}}},
		ClusterRoles: []rbacv1.ClusterRole{{
			ObjectMeta: metav1.ObjectMeta{Name: "bulkhead-impersonator"},
			Rules: []rbacv1.PolicyRule{
				{Verbs: []string{"impersonate"}, APIGroups: []string{""}, Resources: []string{"users", "groups", "serviceaccounts"}},
				{Verbs: []string{"impersonate"}, APIGroups: []string{"authentication.k8s.io"}, Resources: []string{"uids", "userextras/scopes"}},
			},
		}},
		RoleBindings: []rbacv1.RoleBinding{
			{ObjectMeta: metav1.ObjectMeta{Name: "impersonator", Namespace: "imp-a"}, RoleRef: ref("bulkhead-impersonator"), Subjects: user("ns-impersonator")},
			{ObjectMeta: metav1.ObjectMeta{Name: "admin", Namespace: "imp-a"}, RoleRef: ref("admin"), Subjects: user("imp-a-admin")},
		},
		ClusterRoleBindings: []rbacv1.ClusterRoleBinding{
			{ObjectMeta: metav1.ObjectMeta{Name: "bulkhead-impersonator"}, RoleRef: ref("bulkhead-impersonator"), Subjects: user("cluster-impersonator")},
		},
	}
}

// impersonationQueries are the SubjectAccessReviews kube-apiserver's
// impersonation filter makes, with the answer each scope must give: users,
// groups, uids and user extras without a namespace (they are
// cluster-scoped), service accounts in their own namespace. The users are
// asked about without groups, so that only the fixture's bindings answer
// (the random configuration grants to system:authenticated).
func impersonationQueries() []seedQuery {
	q := func(user, resource, group, ns string, allowed bool) seedQuery {
		return seedQuery{
			what:    fmt.Sprintf("%s impersonate %s.%s in %q", user, resource, group, ns),
			req:     rbac.Request{User: user, Verb: "impersonate", APIGroup: group, Resource: resource, Namespace: ns},
			allowed: allowed,
		}
	}
	return []seedQuery{
		q("ns-impersonator", "serviceaccounts", "", "imp-a", true),
		q("ns-impersonator", "serviceaccounts", "", "imp-b", false),
		q("ns-impersonator", "users", "", "", false),
		q("ns-impersonator", "groups", "", "", false),
		q("ns-impersonator", "uids", "authentication.k8s.io", "", false),
		q("imp-a-admin", "serviceaccounts", "", "imp-a", true),
		q("imp-a-admin", "serviceaccounts", "", "imp-b", false),
		q("imp-a-admin", "users", "", "", false),
		q("imp-a-admin", "groups", "", "", false),
		q("cluster-impersonator", "users", "", "", true),
		q("cluster-impersonator", "groups", "", "", true),
		q("cluster-impersonator", "serviceaccounts", "", "imp-b", true),
		q("cluster-impersonator", "serviceaccounts", "", "kube-system", true),
	}
}

// checkImpersonationClaims holds the impersonation capabilities the
// catalogue claims for each binding of the fixture to what kube-apiserver
// answered: a capability is claimed in a scope exactly when the server
// allows its impersonate requests there.
func checkImpersonationClaims(t *testing.T, authz *rbac.Authorizer, answers []bool, want []seedQuery) {
	t.Helper()
	answer := map[string]bool{}
	for i, q := range want {
		answer[q.what] = answers[i]
	}
	claims := func(user, ns string) map[string]bool {
		out := map[string]bool{}
		for _, b := range authz.Bindings() {
			if b.Role == nil || b.Namespace != ns {
				continue
			}
			for si := range b.Subjects {
				if s, ok := b.SubjectAt(si); ok && s.Kind == rbacv1.UserKind && s.Name == user {
					for _, h := range rbac.Capabilities(b.Role, ns == "") {
						out[h.Capability.Name] = true
					}
				}
			}
		}
		return out
	}
	for _, c := range []struct {
		user, ns, capability string
		says                 string
	}{
		{"ns-impersonator", "imp-a", "impersonate serviceaccounts", "ns-impersonator impersonate serviceaccounts. in \"imp-a\""},
		{"ns-impersonator", "imp-a", "impersonate users or groups", "ns-impersonator impersonate users. in \"\""},
		{"imp-a-admin", "imp-a", "impersonate serviceaccounts", "imp-a-admin impersonate serviceaccounts. in \"imp-a\""},
		{"imp-a-admin", "imp-a", "impersonate users or groups", "imp-a-admin impersonate users. in \"\""},
		{"cluster-impersonator", "", "impersonate users or groups", "cluster-impersonator impersonate users. in \"\""},
		{"cluster-impersonator", "", "impersonate every serviceaccount", "cluster-impersonator impersonate serviceaccounts. in \"kube-system\""},
	} {
		server, ok := answer[c.says]
		if !ok {
			t.Fatalf("no query %q", c.says)
		}
		if got := claims(c.user, c.ns)[c.capability]; got != server {
			t.Errorf("%s through its binding in %q: catalogue claims %s = %v, kube-apiserver answers %v", c.user, c.ns, c.capability, got, server)
		}
	}
}
