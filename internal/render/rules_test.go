package render

import (
	"bytes"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"

	"github.com/bulkhead-dev/bulkhead/internal/rbac"
)

// TestRules: rules broken down per group, resource, verb and name, merged
// back per resource with their verbs in order, sorted, as kubectl auth
// can-i --list prints them.
func TestRules(t *testing.T) {
	access := []rbac.Access{
		{Rule: rbacv1.PolicyRule{APIGroups: []string{""}, Resources: []string{"pods", "pods/exec"}, Verbs: []string{"get", "create"}}},
		{Rule: rbacv1.PolicyRule{APIGroups: []string{""}, Resources: []string{"pods"}, Verbs: []string{"list", "get"}}},
		{Rule: rbacv1.PolicyRule{APIGroups: []string{"apps", "extensions"}, Resources: []string{"deployments"}, Verbs: []string{"patch"}, ResourceNames: []string{"web", "api"}}},
		{Rule: rbacv1.PolicyRule{NonResourceURLs: []string{"/healthz", "/metrics"}, Verbs: []string{"get"}}},
		{Rule: rbacv1.PolicyRule{NonResourceURLs: []string{"/healthz"}, Verbs: []string{"get"}}},
	}
	for _, tc := range []struct {
		name    string
		access  []rbac.Access
		headers bool
		file    string
	}{
		{"headers", access, true, "rules.txt"},
		{"no headers", access, false, "rules-no-headers.txt"},
		{"nothing", nil, true, "rules-empty.txt"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := Rules(&b, tc.access, tc.headers); err != nil {
				t.Fatal(err)
			}
			goldenFile(t, tc.file, b.String())
		})
	}
}
