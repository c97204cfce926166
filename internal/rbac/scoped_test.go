package rbac_test

import (
	"reflect"
	"testing"

	"github.com/bulkhead-dev/bulkhead/internal/rbac"
	"github.com/bulkhead-dev/bulkhead/internal/rbac/rbacgen"
)

// A Scoped authorizer decides each request as the Authorizer does, by the
// same rule, and lists the same rules: on the generated cluster the
// kube-apiserver oracle judges (rbacgen.Small) and its queries, resource
// and non-resource, in and out of namespaces, system:masters among the
// groups.
func TestScopedIsAuthorize(t *testing.T) {
	snap := rbacgen.Generate(rbacgen.Small)
	authz := rbac.NewAuthorizer(snap)
	queries := rbacgen.Queries(snap, rbacgen.Small, 3, 20000)
	queries = append(queries,
		rbac.Request{User: "root", Groups: []string{rbac.SystemMasters}, Verb: "delete", Resource: "nodes"},
		rbac.Request{User: "system:serviceaccount:ns-0:sa-0", Groups: rbac.ImpersonatedGroups("system:serviceaccount:ns-0:sa-0", nil), Verb: "get", Path: "/healthz", Namespace: "ns-0"})
	allowed, nonResource := 0, 0
	for _, q := range queries {
		want := authz.Authorize(q)
		got := authz.Scoped(q.User, q.Groups, q.Namespace).Authorize(rbac.Request{Verb: q.Verb, APIGroup: q.APIGroup, Resource: q.Resource, Subresource: q.Subresource, Name: q.Name, Path: q.Path})
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%+v: Scoped gives %+v, Authorize %+v", q, got, want)
		}
		if want.Allowed {
			allowed++
		}
		if !q.IsResource() {
			nonResource++
		}
		if r, w := authz.Scoped(q.User, q.Groups, q.Namespace).RulesFor(), authz.RulesFor(q.User, q.Groups, q.Namespace); !reflect.DeepEqual(r, w) {
			t.Fatalf("%s in %q: Scoped lists %d rules, RulesFor %d", q.User, q.Namespace, len(r), len(w))
		}
	}
	t.Logf("%d requests, %d allowed, %d non-resource", len(queries), allowed, nonResource)
	if allowed == 0 || allowed == len(queries) || nonResource == 0 {
		t.Errorf("%d of %d allowed, %d non-resource: the queries do not probe every answer", allowed, len(queries), nonResource)
	}
}
