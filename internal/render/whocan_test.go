package render

import (
	"bytes"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"

	"github.com/bulkhead-dev/bulkhead/internal/finding"
	"github.com/bulkhead-dev/bulkhead/internal/rbac"
)

// TestWhoCan: a row per grant, "-" for a subject without namespace; no
// grant is a sentence in text and [] in JSON.
func TestWhoCan(t *testing.T) {
	req := rbac.Request{Verb: "get", Resource: "pods", Namespace: "a"}
	access := []rbac.Access{
		{Subject: rbac.Subject{Kind: "User", Name: "bob"},
			Binding: finding.Ref{Kind: "ClusterRoleBinding", Name: "readers"}, Role: finding.Ref{Kind: "ClusterRole", Name: "pod-reader"},
			Rule: rbacv1.PolicyRule{APIGroups: []string{""}, Resources: []string{"pods"}, Verbs: []string{"get", "list"}}},
		{Subject: rbac.Subject{Kind: "ServiceAccount", Namespace: "a", Name: "ci"},
			Binding: finding.Ref{Kind: "RoleBinding", Namespace: "a", Name: "ci"}, Role: finding.Ref{Kind: "Role", Namespace: "a", Name: "ci"},
			Namespace: "a", RuleIndex: 1,
			Rule: rbacv1.PolicyRule{APIGroups: []string{""}, Resources: []string{"pods"}, Verbs: []string{"*"}}},
	}
	for _, tc := range []struct {
		name   string
		access []rbac.Access
		format Format
		file   string
	}{
		{"text", access, FormatText, "whocan.txt"},
		{"json", access, FormatJSON, "whocan.json"},
		{"nobody text", nil, FormatText, "whocan-nobody.txt"},
		{"nobody json", nil, FormatJSON, "whocan-nobody.json"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := WhoCanAs(&b, tc.format, req, tc.access, TextOptions{Width: 200}); err != nil {
				t.Fatal(err)
			}
			goldenFile(t, tc.file, b.String())
		})
	}
}
