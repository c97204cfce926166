package rbac

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	rbacv1 "k8s.io/api/rbac/v1"
)

// TestNewGrants: what after grants beyond before, atom by atom, and
// nothing that before already covers.
func TestNewGrants(t *testing.T) {
	rule := func(verbs, groups, resources, names []string) rbacv1.PolicyRule {
		return rbacv1.PolicyRule{Verbs: verbs, APIGroups: groups, Resources: resources, ResourceNames: names}
	}
	l := func(s ...string) []string { return s }
	core := l("")
	cases := []struct {
		name          string
		before, after []rbacv1.PolicyRule
		want          []rbacv1.PolicyRule
	}{
		{"a rule added", []rbacv1.PolicyRule{rule(l("get", "list"), core, l("namespaces"), nil)},
			[]rbacv1.PolicyRule{rule(l("get", "list"), core, l("namespaces"), nil), rule(l("get", "list"), core, l("secrets"), nil)},
			[]rbacv1.PolicyRule{rule(l("get", "list"), core, l("secrets"), nil)}},
		{"nothing new", []rbacv1.PolicyRule{rule(l("*"), l("*"), l("*"), nil)},
			[]rbacv1.PolicyRule{rule(l("get"), core, l("secrets"), nil)}, nil},
		{"a verb added to a rule", []rbacv1.PolicyRule{rule(l("get"), core, l("pods", "secrets"), nil)},
			[]rbacv1.PolicyRule{rule(l("get", "list"), core, l("pods", "secrets"), nil)},
			[]rbacv1.PolicyRule{rule(l("list"), core, l("pods", "secrets"), nil)}},
		{"groups with the same new resources stay one rule", nil,
			[]rbacv1.PolicyRule{rule(l("get"), l("a", "b"), l("x"), nil)},
			[]rbacv1.PolicyRule{rule(l("get"), l("a", "b"), l("x"), nil)}},
		{"a resource covered in one group only", []rbacv1.PolicyRule{rule(l("get"), l("a"), l("x"), nil)},
			[]rbacv1.PolicyRule{rule(l("get"), l("a", "b"), l("x", "y"), nil)},
			[]rbacv1.PolicyRule{rule(l("get"), l("a"), l("y"), nil), rule(l("get"), l("b"), l("x", "y"), nil)}},
		{"names: only the verbs and names not held", []rbacv1.PolicyRule{rule(l("get"), core, l("secrets"), l("x"))},
			[]rbacv1.PolicyRule{rule(l("get", "update"), core, l("secrets"), l("x", "y"))},
			[]rbacv1.PolicyRule{rule(l("get"), core, l("secrets"), l("y")), rule(l("update"), core, l("secrets"), l("x", "y"))}},
		{"a named rule does not cover the unnamed", []rbacv1.PolicyRule{rule(l("get"), core, l("secrets"), l("x"))},
			[]rbacv1.PolicyRule{rule(l("get"), core, l("secrets"), nil)},
			[]rbacv1.PolicyRule{rule(l("get"), core, l("secrets"), nil)}},
		{"urls by prefix", []rbacv1.PolicyRule{{Verbs: l("get"), NonResourceURLs: l("/metrics*")}},
			[]rbacv1.PolicyRule{{Verbs: l("get"), NonResourceURLs: l("/metrics/x", "/healthz")}},
			[]rbacv1.PolicyRule{{Verbs: l("get"), NonResourceURLs: l("/healthz")}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if d := cmp.Diff(c.want, NewGrants(c.before, c.after)); d != "" {
				t.Errorf("NewGrants (-want +got):\n%s", d)
			}
		})
	}
}
