package check

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bulkhead-dev/bulkhead/internal/cli"
	"github.com/bulkhead-dev/bulkhead/internal/cli/clitest"
	"github.com/bulkhead-dev/bulkhead/internal/golden"
)

var seedArgs = []string{"--demo", "--tenants", "testdata/tenants.yaml", "--change", "testdata/change", "--change", "testdata/relabel.yaml"}

// TestCommand: the command's output in each format, and its exit status:
// 3 when the webhook would deny an object, 0 when it would deny none.
func TestCommand(t *testing.T) {
	for _, c := range []struct {
		name string
		args []string
		code int
	}{
		{"text", seedArgs, cli.ExitFindings},
		{"json", append([]string{"-o", "json"}, seedArgs...), cli.ExitFindings},
		{"dryrun", append([]string{"--config", "testdata/config-dryrun.yaml"}, seedArgs...), cli.ExitOK},
		{"exempt", append([]string{"--config", "testdata/config-exempt.yaml", "--as", "ci-deployer"}, seedArgs...), cli.ExitOK},
		{"harmless", []string{"--demo", "--change", "testdata/change/00-namespaces.yaml", "--change", "testdata/change/50-deployment.yaml"}, cli.ExitOK},
	} {
		t.Run(c.name, func(t *testing.T) {
			out, errOut, code := clitest.Run(NewCommand, c.args...)
			if code != c.code {
				t.Fatalf("exit %d, want %d; stderr:\n%s", code, c.code, errOut)
			}
			ext := ".txt"
			if c.name == "json" {
				ext = ".json"
			}
			golden.Check(t, filepath.Join("testdata", "command-"+c.name+ext), []byte(out))
		})
	}
}

// TestCommandErrors: what check cannot answer is an error (exit 1) that
// says why, never a silent green.
func TestCommandErrors(t *testing.T) {
	dup := filepath.Join(t.TempDir(), "dup")
	if err := os.MkdirAll(dup, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string]string{
		"a.yaml": "apiVersion: v1\nkind: Namespace\nmetadata: {name: x, labels: {a: b}}\n",
		"b.yaml": "apiVersion: v1\nkind: Namespace\nmetadata: {name: x, labels: {a: c}}\n",
	} {
		if err := os.WriteFile(filepath.Join(dup, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	empty := filepath.Join(t.TempDir(), "empty.yaml")
	if err := os.WriteFile(empty, []byte("# nothing\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	badConfig := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(badConfig, []byte("rules: {BH-NODE-001: deny}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		args []string
		want string
	}{
		{"no change", []string{"--demo"}, "--change: name the manifests to check"},
		{"missing change", []string{"--demo", "--change", "testdata/nothing.yaml"}, "testdata/nothing.yaml"},
		{"empty change", []string{"--demo", "--change", empty}, "no Kubernetes objects in " + empty},
		{"an object twice in one path", []string{"--demo", "--change", dup}, "defined twice, differently"},
		{"bad config", []string{"--demo", "--change", "testdata/relabel.yaml", "--config", badConfig}, `unknown mode "deny"`},
		{"missing config", []string{"--demo", "--change", "testdata/relabel.yaml", "--config", "testdata/none.yaml"}, "config: open testdata/none.yaml"},
		{"bad output", []string{"--demo", "--change", "testdata/relabel.yaml", "-o", "sarif"}, `--output "sarif": want text or json`},
		{"demo and files", []string{"--demo", "-f", "testdata/change", "--change", "testdata/relabel.yaml"}, "--demo and -f cannot be combined"},
	} {
		t.Run(c.name, func(t *testing.T) {
			out, errOut, code := clitest.Run(NewCommand, c.args...)
			if code != cli.ExitFailure || !strings.Contains(errOut, c.want) {
				t.Errorf("exit %d, stderr %q; want 1 and %q", code, errOut, c.want)
			}
			if out != "" {
				t.Errorf("output %q on error", out)
			}
		})
	}
}

// TestReadChangeOrder: objects come in the order kubectl apply -f would
// send them, files as a walk meets them, documents from the top, whatever
// their kinds.
func TestReadChangeOrder(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"b.yaml":        "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: sa, namespace: x}\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: x}\n",
		"a/z.yaml":      "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: x}\nspec: {containers: [{name: c, image: i}]}\n",
		"a.yaml":        "apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {name: r, namespace: x}\n",
		"a/y/deep.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm, namespace: x}\n",
	}
	for name, data := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	change, _, err := readChange([]string{dir}, "")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range change {
		got = append(got, c.Object.Kind+" "+c.Object.Obj.GetName())
	}
	// os.ReadDir sorts "a" before "a.yaml" before "b.yaml"; a plain sort
	// of the paths would put a.yaml first.
	want := "ConfigMap cm, Pod p, Role r, ServiceAccount sa, Namespace x"
	if strings.Join(got, ", ") != want {
		t.Errorf("order %q, want %q", strings.Join(got, ", "), want)
	}
}
