package cani

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/bulkhead-dev/bulkhead/internal/cli"
)

func runCanI(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errOut bytes.Buffer
	cmd := NewCommand(cli.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut})
	cmd.SetArgs(args)
	cmd.SetOut(&errOut)
	cmd.SetErr(&errOut)
	err := cmd.Execute()
	var exit cli.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exit):
		code = exit.Code
	default:
		t.Fatalf("can-i %q: %v\nstderr: %s", args, err, errOut.String())
	}
	return out.String(), errOut.String(), code
}

// TestSeedArticle replays the seed article's kubectl auth can-i commands on
// the demo cluster.
func TestSeedArticle(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"list", "pods", "-n", "test-namespace", "--as", "alice"}, "yes"},
		{[]string{"list", "pods", "-n", "default", "--as", "alice"}, "no"},
		{[]string{"list", "pods", "-n", "kube-system", "--as", "alice"}, "no"},
		{[]string{"list", "pods", "-A", "--as", "alice"}, "no"},
		{[]string{"list", "pods", "-n", "kube-system", "--as", "bob"}, "yes"},
		{[]string{"list", "pods", "-A", "--as", "bob"}, "yes"},
		{[]string{"get", "po/nginx", "-n", "default", "--as", "bob"}, "yes"},
		{[]string{"get", "Pod", "nginx", "-n", "default", "--as", "bob"}, "yes"},
		{[]string{"create", "pods", "-n", "default", "--as", "bob"}, "no"},
		{[]string{"get", "pods", "--subresource", "log", "-n", "default", "--as", "bob"}, "no"},
		{[]string{"get", "pods/log", "-n", "default", "--as", "bob"}, "yes"}, // the pod named "log"
	} {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			out, _, code := runCanI(t, append(tt.args, "--demo")...)
			if got := strings.TrimSpace(out); got != tt.want {
				t.Errorf("output %q, want %q", got, tt.want)
			}
			if wantCode := map[string]int{"yes": cli.ExitOK, "no": cli.ExitNo}[tt.want]; code != wantCode {
				t.Errorf("exit code %d, want %d", code, wantCode)
			}
		})
	}
}

func TestWarnings(t *testing.T) {
	_, stderr, _ := runCanI(t, "get", "nodes", "--as", "bob", "--demo")
	if !strings.Contains(stderr, "Warning: resource 'nodes' is not namespace scoped") {
		t.Errorf("stderr %q lacks the scope warning", stderr)
	}
	_, stderr, _ = runCanI(t, "get", "widgets.example.com", "--as", "bob", "--demo")
	if !strings.Contains(stderr, "no resource type 'widgets' in group 'example.com'; taking it literally") {
		t.Errorf("stderr %q lacks the unknown-type warning", stderr)
	}
}

func TestServiceAccountGroups(t *testing.T) {
	dir := t.TempDir()
	manifest := `apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: all-sas-of-ci, namespace: prod}
subjects:
- {kind: Group, name: "system:serviceaccounts:ci", apiGroup: rbac.authorization.k8s.io}
roleRef: {kind: ClusterRole, name: edit, apiGroup: rbac.authorization.k8s.io}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: edit}
rules:
- {apiGroups: [""], resources: [pods, pods/exec], verbs: [create]}
`
	path := filepath.Join(dir, "rbac.yaml")
	if err := os.WriteFile(path, []byte(manifest), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"create", "pods", "--subresource", "exec", "-n", "prod", "--as", "system:serviceaccount:ci:deployer"}, "yes"},
		{[]string{"create", "pods", "-n", "prod", "--as", "system:serviceaccount:ci:deployer", "--as-group", "other"}, "no"},
		{[]string{"create", "pods", "-n", "prod", "--as", "system:serviceaccount:dev:deployer"}, "no"},
		{[]string{"create", "pods", "-n", "ci", "--as", "system:serviceaccount:ci:deployer"}, "no"},
	} {
		out, _, _ := runCanI(t, append(tt.args, "-f", path)...)
		if got := strings.TrimSpace(out); got != tt.want {
			t.Errorf("%q: %q, want %q", tt.args, got, tt.want)
		}
	}
}

func TestList(t *testing.T) {
	// The demo's own roles give alice pods; the built-in policy adds what
	// every authenticated user may do, as kubectl prints it on a fresh
	// cluster (duplicates included: two bootstrap roles grant /healthz).
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"demo roles only", []string{"--no-builtin-roles"},
			"Resources   Non-Resource URLs   Resource Names   Verbs\n" +
				"pods        []                  []               [get list watch]\n"},
		{"with the built-in policy", nil,
			"Resources                                       Non-Resource URLs   Resource Names   Verbs\n" +
				"selfsubjectreviews.authentication.k8s.io        []                  []               [create]\n" +
				"selfsubjectaccessreviews.authorization.k8s.io   []                  []               [create]\n" +
				"selfsubjectrulesreviews.authorization.k8s.io    []                  []               [create]\n" +
				"pods                                            []                  []               [get list watch]\n" +
				"                                                [/api/*]            []               [get]\n" +
				"                                                [/api]              []               [get]\n" +
				"                                                [/apis/*]           []               [get]\n" +
				"                                                [/apis]             []               [get]\n" +
				"                                                [/healthz]          []               [get]\n" +
				"                                                [/healthz]          []               [get]\n" +
				"                                                [/livez]            []               [get]\n" +
				"                                                [/livez]            []               [get]\n" +
				"                                                [/openapi/*]        []               [get]\n" +
				"                                                [/openapi]          []               [get]\n" +
				"                                                [/readyz]           []               [get]\n" +
				"                                                [/readyz]           []               [get]\n" +
				"                                                [/version/]         []               [get]\n" +
				"                                                [/version/]         []               [get]\n" +
				"                                                [/version]          []               [get]\n" +
				"                                                [/version]          []               [get]\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, _, code := runCanI(t, append([]string{"--list", "-n", "test-namespace", "--as", "alice", "--demo"}, tc.args...)...)
			if code != 0 {
				t.Fatalf("exit code %d", code)
			}
			if diff := cmp.Diff(tc.want, out); diff != "" {
				t.Errorf("--list (-want +got):\n%s", diff)
			}
		})
	}
}

func TestBadArguments(t *testing.T) {
	for _, args := range [][]string{
		{"--list", "get", "pods", "--as", "a", "--demo"},
		{"--list", "-A", "--as", "a", "--demo"},
		{"get", "pods", "--demo"},
		{"get", "/healthz", "--subresource", "x", "--as", "a", "--demo"},
		{"get", "--as", "a", "--demo"},
	} {
		var out bytes.Buffer
		cmd := NewCommand(cli.IOStreams{Out: &out, ErrOut: &out})
		cmd.SetArgs(args)
		cmd.SetOut(&out)
		cmd.SetErr(&out)
		if err := cmd.Execute(); err == nil {
			t.Errorf("can-i %q succeeded", args)
		} else if errors.As(err, new(cli.ExitError)) {
			t.Errorf("can-i %q: exit error instead of a usage error", args)
		}
	}
}

// TestManifestNamespace: -n is the request's namespace; the -f objects
// that have none go to default, as kubectl apply -f puts them, or to
// --manifest-namespace, and a question about another namespace than the
// one they went to says so.
func TestManifestNamespace(t *testing.T) {
	file := filepath.Join(t.TempDir(), "install.yaml")
	const install = `apiVersion: v1
kind: ServiceAccount
metadata: {name: dex}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: dex}
rules: [{apiGroups: [""], resources: [configmaps], verbs: [get]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: dex}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: dex}
subjects: [{kind: ServiceAccount, name: dex}]
`
	if err := os.WriteFile(file, []byte(install), 0o644); err != nil {
		t.Fatal(err)
	}
	const warning = "Warning: 3 object(s) of -f name no namespace and were placed in default, as kubectl apply -f does, not in argocd, which -n asks about (--manifest-namespace argocd places them there)"
	for _, tt := range []struct {
		args        []string
		want, error string
	}{
		{[]string{"-n", "argocd", "--as", "system:serviceaccount:argocd:dex", "--manifest-namespace", "argocd"}, "yes", ""},
		{[]string{"-n", "default", "--as", "system:serviceaccount:default:dex"}, "yes", ""},
		{[]string{"-n", "argocd", "--as", "system:serviceaccount:argocd:dex"}, "no", warning},
		// A namespace-less binding meant for one namespace is not moved
		// into the namespace asked about.
		{[]string{"-n", "billing", "--as", "system:serviceaccount:argocd:dex", "--manifest-namespace", "argocd"}, "no", ""},
	} {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			out, stderr, _ := runCanI(t, append([]string{"get", "configmaps", "-f", file}, tt.args...)...)
			if got := strings.TrimSpace(out); got != tt.want {
				t.Errorf("output %q, want %q", got, tt.want)
			}
			if tt.error != "" && !strings.Contains(stderr, tt.error) || tt.error == "" && strings.Contains(stderr, "Warning: ") {
				t.Errorf("stderr %q, want %q", stderr, tt.error)
			}
		})
	}
}
