package diff

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/spf13/cobra"

	"github.com/bulkhead-dev/bulkhead/internal/baseline"
	"github.com/bulkhead-dev/bulkhead/internal/cli"
	"github.com/bulkhead-dev/bulkhead/internal/cli/clitest"
	auditcmd "github.com/bulkhead-dev/bulkhead/internal/cmd/audit"
	"github.com/bulkhead-dev/bulkhead/internal/golden"
)

// execute runs a command and returns its exit code as app.Run would: 0,
// the code of a cli.ExitError, or 1 for any other error.
func execute(t *testing.T, newCommand func(cli.IOStreams) *cobra.Command, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	return clitest.Run(newCommand, args...)
}

func goldenFile(t *testing.T, dir, name, got string) {
	t.Helper()
	golden.Check(t, filepath.Join(dir, name), []byte(got))
}

// inReports runs the rest of the test in a directory holding the demo's
// report (demo.json) and the demo's with testdata/change.yaml applied
// (change.json), and returns the absolute path of testdata.
func inReports(t *testing.T) string {
	t.Helper()
	testdata, err := filepath.Abs("testdata")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for name, args := range map[string][]string{
		"demo.json":   {"--demo"},
		"change.json": {"--demo", "--with", filepath.Join(testdata, "change.yaml")},
	} {
		out, stderr, code := execute(t, auditcmd.NewCommand, append(args, "-o", "json", "--fail-on", "none")...)
		if code != cli.ExitOK {
			t.Fatalf("audit %v: exit %d: %s", args, code, stderr)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(out), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Chdir(dir)
	return testdata
}

// TestDiffDemo: the change walls tenant test in (two pairs closed, high)
// and gives test's service account view in kube-public (a pair opened,
// medium). Only what opened decides the exit status.
func TestDiffDemo(t *testing.T) {
	testdata := inReports(t)
	for _, tc := range []struct {
		name   string
		args   []string
		want   int
		golden string
	}{
		{"opened below fail-on", []string{"demo.json", "change.json"}, cli.ExitOK, "demo-change.txt"},
		{"json", []string{"demo.json", "change.json", "-o", "json"}, cli.ExitOK, "demo-change.json"},
		{"opened at fail-on", []string{"demo.json", "change.json", "--fail-on", "medium"}, cli.ExitFindings, ""},
		{"reversed: the closed pairs open", []string{"change.json", "demo.json"}, cli.ExitFindings, "change-demo.txt"},
		{"reversed, fail-on none", []string{"change.json", "demo.json", "--fail-on", "none"}, cli.ExitOK, ""},
		{"itself", []string{"demo.json", "demo.json", "--fail-on", "info"}, cli.ExitOK, "demo-demo.txt"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, stderr, code := execute(t, NewCommand, tc.args...)
			if code != tc.want {
				t.Errorf("exit %d, want %d; stderr %q", code, tc.want, stderr)
			}
			if tc.golden != "" {
				goldenFile(t, testdata, tc.golden, out)
			}
		})
	}
	out, _, _ := execute(t, NewCommand, "demo.json", "change.json", "-o", "json")
	var d baseline.Diff
	if err := json.Unmarshal([]byte(out), &d); err != nil {
		t.Fatal(err)
	}
	var opened, closed []string
	for _, p := range d.Opened.Pairs {
		opened = append(opened, p.Source+" → "+p.Target)
	}
	for _, p := range d.Closed.Pairs {
		closed = append(closed, p.Source+" → "+p.Target)
	}
	if d := cmp.Diff([]string{"test → cluster"}, opened); d != "" {
		t.Errorf("opened (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]string{"network → test", "test-namespace → test"}, closed); d != "" {
		t.Errorf("closed (-want +got):\n%s", d)
	}
	if d.SchemaVersion != baseline.DiffSchemaVersion {
		t.Errorf("schemaVersion %q", d.SchemaVersion)
	}
}

func TestDiffErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name, data string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := write("good.json", `{"schemaVersion": "bulkhead.dev/report/v1alpha1", "findings": []}`)
	other := write("other.json", `{"schemaVersion": "bulkhead.dev/report/v0"}`)
	text := write("report.txt", "bulkhead audit: demo\n")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{good, other}, other + `: report of schema "bulkhead.dev/report/v0", this bulkhead reads "bulkhead.dev/report/v1alpha1"`},
		{[]string{text, good}, text + `: not a bulkhead JSON report: line 1: invalid character`},
		{[]string{good, filepath.Join(dir, "missing.json")}, "open " + filepath.Join(dir, "missing.json")},
		{[]string{good}, "accepts 2 arg(s), received 1"},
		{[]string{good, good, "-o", "yaml"}, `--output "yaml": want text or json`},
		{[]string{good, good, "--fail-on", "dire"}, `--fail-on: unknown severity "dire"`},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			out, stderr, code := execute(t, NewCommand, tc.args...)
			if code != cli.ExitFailure || out != "" || !strings.HasPrefix(stderr, tc.want) {
				t.Errorf("exit %d, stdout %q, error %q; want exit 1 and %q", code, out, stderr, tc.want)
			}
		})
	}
}

// TestDiffIncompleteAndOtherCluster: a new report standing on incomplete
// input (a CiliumNetworkPolicy the network analysis does not model) makes
// diff warn and exit 5 when nothing opened, never a silent 0; reports
// without a tenant in common are said to be of other clusters.
func TestDiffIncompleteAndOtherCluster(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	cluster := write("cluster.yaml", "apiVersion: v1\nkind: Namespace\nmetadata: {name: team-a}\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: team-b}\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: default}\n")
	cilium := write("cilium.yaml", "apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {name: allow, namespace: team-a}\nspec: {}\n")
	// Every cluster has default: it makes no tenant in common.
	other := write("other.yaml", "apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: blog}\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: default}\n")
	report := func(name string, files ...string) string {
		args := []string{"-o", "json", "--fail-on", "none"}
		for _, f := range files {
			args = append(args, "-f", f)
		}
		out, stderr, code := execute(t, auditcmd.NewCommand, args...)
		if code != cli.ExitOK && code != cli.ExitIncomplete {
			t.Fatalf("audit %v: exit %d: %s", files, code, stderr)
		}
		return write(name, out)
	}
	old, incomplete, elsewhere := report("old.json", cluster), report("new.json", cluster, cilium), report("other.json", other)

	out, _, code := execute(t, NewCommand, old, incomplete)
	if code != cli.ExitIncomplete || !strings.Contains(out, "warning: the new report stands on incomplete input") || !strings.Contains(out, "ciliumnetworkpolicies") {
		t.Errorf("exit %d, want 5 and the warning:\n%s", code, out)
	}
	if out, _, code := execute(t, NewCommand, old, incomplete, "-o", "json"); code != cli.ExitIncomplete || !strings.Contains(out, `"incomplete": [`) {
		t.Errorf("-o json: exit %d, want 5 and the incomplete list:\n%s", code, out)
	}
	if out, _, code := execute(t, NewCommand, old, elsewhere, "--fail-on", "none"); code != cli.ExitOK || !strings.Contains(out, "the reports have no tenant in common") {
		t.Errorf("exit %d, want 0 and the note:\n%s", code, out)
	}
}
