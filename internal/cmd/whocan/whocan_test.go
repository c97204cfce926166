package whocan

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/bulkhead-dev/bulkhead/internal/cli"
	"github.com/bulkhead-dev/bulkhead/internal/render"
)

func runWhoCan(t *testing.T, args ...string) string {
	t.Helper()
	var out, errOut bytes.Buffer
	cmd := NewCommand(cli.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut})
	cmd.SetArgs(args)
	cmd.SetOut(&errOut)
	cmd.SetErr(&errOut)
	if err := cmd.Execute(); err != nil {
		t.Fatalf("who-can %q: %v\n%s", args, err, errOut.String())
	}
	return out.String()
}

func TestSeedArticle(t *testing.T) {
	for _, tt := range []struct {
		ns   string
		want []string
	}{
		{"test-namespace", []string{"User/alice", "User/bob"}},
		{"kube-system", []string{"User/bob"}},
	} {
		var got render.WhoCanDocument
		if err := json.Unmarshal([]byte(runWhoCan(t, "list", "pods", "-n", tt.ns, "-o", "json", "--demo", "--no-builtin-roles")), &got); err != nil {
			t.Fatal(err)
		}
		var subjects []string
		for _, x := range got.Access {
			subjects = append(subjects, x.Subject.String())
		}
		if diff := cmp.Diff(tt.want, subjects); diff != "" {
			t.Errorf("who-can list pods -n %s (-want +got):\n%s", tt.ns, diff)
		}
	}
}

// TestText: a table when it fits the terminal's width (COLUMNS, 100
// without a terminal), else a block a grant, wrapped to fit.
func TestText(t *testing.T) {
	t.Setenv("COLUMNS", "160")
	out := runWhoCan(t, "get", "pods", "-n", "kube-system", "--demo", "--no-builtin-roles")
	want := "KIND   NAME   NAMESPACE   BINDING                                 ROLE                     RULE\n" +
		`User   bob    -           ClusterRoleBinding/pod-reader-binding   ClusterRole/pod-reader   {APIGroups:[""], Resources:["pods"], Verbs:["get" "list" "watch"]}` + "\n"
	if diff := cmp.Diff(want, out); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	t.Setenv("COLUMNS", "")
	out = runWhoCan(t, "get", "pods", "-n", "kube-system", "--demo", "--no-builtin-roles")
	want = "User bob\n    ClusterRoleBinding/pod-reader-binding → ClusterRole/pod-reader\n" +
		`    {APIGroups:[""], Resources:["pods"], Verbs:["get" "list" "watch"]}` + "\n"
	if diff := cmp.Diff(want, out); diff != "" {
		t.Errorf("100 columns (-want +got):\n%s", diff)
	}
	if out := runWhoCan(t, "delete", "nodes", "--demo", "--no-builtin-roles"); out != "No subject may do this.\n" {
		t.Errorf("delete nodes: %q", out)
	}
	// The built-in policy, assumed offline, lets the node controller
	// delete nodes.
	out = runWhoCan(t, "delete", "nodes", "--demo")
	if !strings.Contains(out, "ServiceAccount kube-system/node-controller") {
		t.Errorf("delete nodes with the built-in policy:\n%s", out)
	}
}

// TestUnknownOutput: -o is checked before anything is loaded, in the words
// every command uses.
func TestUnknownOutput(t *testing.T) {
	var out bytes.Buffer
	cmd := NewCommand(cli.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &out})
	cmd.SetArgs([]string{"get", "pods", "-o", "xml", "-f", "testdata/nope.yaml"})
	cmd.SetOut(&out)
	cmd.SetErr(&out)
	if err := cmd.Execute(); err == nil || err.Error() != `--output "xml": want text or json` {
		t.Errorf("err = %v", err)
	}
}

// TestManifestNamespace: --manifest-namespace places the -f objects that
// have no namespace; -n is the request's.
func TestManifestNamespace(t *testing.T) {
	file := filepath.Join(t.TempDir(), "install.yaml")
	const install = `apiVersion: rbac.authorization.k8s.io/v1
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
	var got render.WhoCanDocument
	if err := json.Unmarshal([]byte(runWhoCan(t, "get", "configmaps", "-n", "argocd", "--manifest-namespace", "argocd", "-o", "json", "-f", file, "--no-builtin-roles")), &got); err != nil {
		t.Fatal(err)
	}
	var subjects []string
	for _, x := range got.Access {
		subjects = append(subjects, x.Subject.String())
	}
	if diff := cmp.Diff([]string{"ServiceAccount/argocd/dex"}, subjects); diff != "" {
		t.Errorf("who-can get configmaps -n argocd (-want +got):\n%s", diff)
	}
}
