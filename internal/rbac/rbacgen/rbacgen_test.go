package rbacgen

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	rbacv1 "k8s.io/api/rbac/v1"
)

func TestDeterministic(t *testing.T) {
	a, b := Generate(Small), Generate(Small)
	if diff := cmp.Diff(a, b); diff != "" {
		t.Errorf("two runs of the same seed differ:\n%s", diff)
	}
	qa, qb := Queries(a, Small, 1, 500), Queries(b, Small, 1, 500)
	if diff := cmp.Diff(qa, qb); diff != "" {
		t.Errorf("two runs of the same query seed differ:\n%s", diff)
	}
}

// TestValid checks what kube-apiserver's validation requires of what the
// generator makes (the differential test would fail to load it otherwise,
// but later and slower).
func TestValid(t *testing.T) {
	snap := Generate(Small)
	checkRules := func(where string, rules []rbacv1.PolicyRule, namespaced bool) {
		for i, r := range rules {
			switch {
			case len(r.Verbs) == 0:
				t.Errorf("%s rule %d: no verbs", where, i)
			case len(r.NonResourceURLs) > 0 && (namespaced || len(r.Resources) > 0 || len(r.APIGroups) > 0):
				t.Errorf("%s rule %d: non-resource URLs in a Role or with resources", where, i)
			case len(r.NonResourceURLs) == 0 && (len(r.APIGroups) == 0 || len(r.Resources) == 0):
				t.Errorf("%s rule %d: a resource rule needs groups and resources", where, i)
			}
		}
	}
	for _, r := range snap.Roles {
		checkRules("Role "+r.Namespace+"/"+r.Name, r.Rules, true)
	}
	for _, r := range snap.ClusterRoles {
		checkRules("ClusterRole "+r.Name, r.Rules, false)
	}
	for _, b := range snap.ClusterRoleBindings {
		if b.RoleRef.Kind != "ClusterRole" {
			t.Errorf("ClusterRoleBinding %s references a %s", b.Name, b.RoleRef.Kind)
		}
		for _, s := range b.Subjects {
			if s.Kind == rbacv1.ServiceAccountKind && s.Namespace == "" {
				t.Errorf("ClusterRoleBinding %s: service account %s without namespace", b.Name, s.Name)
			}
		}
	}
	if len(snap.RoleBindings) != Small.RoleBindings || len(snap.ClusterRoles) != Small.ClusterRoles {
		t.Errorf("sizes differ from the config")
	}
}
