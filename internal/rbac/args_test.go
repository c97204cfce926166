package rbac

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseTarget(t *testing.T) {
	tests := []struct {
		args     []string
		sub      string
		want     Target
		warnings int
		err      bool
	}{
		{args: l("get", "pods"), want: Target{Verb: "get", Resource: "pods", Known: true, Namespaced: true}},
		{args: l("get", "po/nginx"), want: Target{Verb: "get", Resource: "pods", Name: "nginx", Known: true, Namespaced: true}},
		{args: l("get", "pods", "nginx"), want: Target{Verb: "get", Resource: "pods", Name: "nginx", Known: true, Namespaced: true}},
		{args: l("create", "pods/exec"), want: Target{Verb: "create", Resource: "pods", Name: "exec", Known: true, Namespaced: true}},
		{args: l("create", "pods"), sub: "exec", want: Target{Verb: "create", Resource: "pods", Subresource: "exec", Known: true, Namespaced: true}},
		{args: l("list", "deployments.v1.apps"), want: Target{Verb: "list", APIGroup: "apps", Resource: "deployments", Known: true, Namespaced: true}},
		{args: l("get", "nodes"), want: Target{Verb: "get", Resource: "nodes", Known: true}},
		{args: l("get", "/healthz"), want: Target{Verb: "get", Path: "/healthz"}},
		{args: l("fly", "/healthz"), want: Target{Verb: "fly", Path: "/healthz"}, warnings: 1},
		{args: l("get", "widgets.example.com/w"), want: Target{Verb: "get", APIGroup: "example.com", Resource: "widgets", Name: "w", Namespaced: true}, warnings: 1},
		{args: l("impersonate", "users", "alice"), want: Target{Verb: "impersonate", Resource: "users", Name: "alice", Namespaced: true}},
		{args: l("get", "/healthz"), sub: "x", err: true},
		{args: l("get", "/healthz", "x"), err: true},
		{args: l("get", "pods/a", "b"), err: true},
		{args: l("get"), err: true},
	}
	for _, tt := range tests {
		got, warnings, err := ParseTarget(tt.args, tt.sub)
		if (err != nil) != tt.err {
			t.Errorf("ParseTarget(%q, %q) error %v, want error %v", tt.args, tt.sub, err, tt.err)
			continue
		}
		if err != nil {
			continue
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("ParseTarget(%q, %q) (-want +got):\n%s", tt.args, tt.sub, diff)
		}
		if len(warnings) != tt.warnings {
			t.Errorf("ParseTarget(%q, %q) warnings %q, want %d", tt.args, tt.sub, warnings, tt.warnings)
		}
	}
}

// FuzzParseTarget: any command line parses or is refused, never panics, and
// a parsed resource target names no subresource but the one given apart.
func FuzzParseTarget(f *testing.F) {
	for _, s := range []string{"pods", "po/x", "deployments.v1.apps", "/healthz", "*", "a.b.c.d/e/f", ""} {
		f.Add("get", s, "")
	}
	f.Fuzz(func(t *testing.T, verb, arg, sub string) {
		tgt, _, err := ParseTarget([]string{verb, arg}, sub)
		if err != nil {
			return
		}
		if tgt.Path == "" && tgt.Subresource != sub {
			t.Errorf("subresource %q, want %q", tgt.Subresource, sub)
		}
	})
}
