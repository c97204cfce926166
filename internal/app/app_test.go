package app

import (
	"bytes"
	"context"
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/bulkhead-dev/bulkhead/internal/analysis"
	"github.com/bulkhead-dev/bulkhead/internal/attackpath"
	"github.com/bulkhead-dev/bulkhead/internal/cli"
	"github.com/bulkhead-dev/bulkhead/internal/golden"
)

// ignorePathEdges skips the graph edge ids a path keeps for explaining
// itself: they are not part of the report.
var ignorePathEdges = cmpopts.IgnoreUnexported(attackpath.Path{})

func run(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = Run(context.Background(), args, cli.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut})
	return out.String(), errOut.String(), code
}

func goldenFile(t *testing.T, name, got string) {
	t.Helper()
	golden.Check(t, filepath.Join("testdata", name), []byte(got))
}

// TestAuditDemo pins the demo report, text and JSON; the same manifests
// from examples/seed-cluster give the same report.
func TestAuditDemo(t *testing.T) {
	text, stderr, code := run(t, "audit", "--demo", "--fail-on", "none")
	if code != 0 || stderr != "" {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	goldenFile(t, "demo.txt", text)

	js, _, code := run(t, "audit", "--demo", "-o", "json", "--fail-on", "none")
	if code != 0 {
		t.Fatalf("json: exit %d", code)
	}
	goldenFile(t, "demo.json", js)
	var r analysis.Report
	if err := json.Unmarshal([]byte(js), &r); err != nil {
		t.Fatalf("report does not parse back: %v", err)
	}
	if r.SchemaVersion != analysis.SchemaVersion {
		t.Errorf("schemaVersion %q", r.SchemaVersion)
	}

	files, _, _ := run(t, "audit", "-f", "../../examples/seed-cluster", "-o", "json", "--fail-on", "none")
	var fr analysis.Report
	if err := json.Unmarshal([]byte(files), &fr); err != nil {
		t.Fatal(err)
	}
	fr.Source = r.Source
	if d := cmp.Diff(r, fr, ignorePathEdges); d != "" {
		t.Errorf("-f examples/seed-cluster differs from --demo (-demo +files):\n%s", d)
	}
	for _, a := range r.Analyses {
		if a.Status == "" {
			t.Errorf("analysis %s has no status", a.Name)
		}
	}
}

func TestAuditExitCodes(t *testing.T) {
	_, _, code := run(t, "audit", "--demo", "--fail-on", "none")
	if code != 0 {
		t.Errorf("--fail-on none: exit %d, want 0", code)
	}
	r := demoReport(t)
	for _, tc := range []struct {
		failOn string
		sev    string
	}{{"critical", "critical"}, {"info", "info"}} {
		_, _, code := run(t, "audit", "--demo", "--fail-on", tc.failOn)
		want := 0
		if n := countAtOrAbove(r, tc.sev); n > 0 {
			want = 3
		}
		if code != want {
			t.Errorf("--fail-on %s: exit %d, want %d", tc.failOn, code, want)
		}
	}
}

func demoReport(t *testing.T) *analysis.Report {
	js, _, _ := run(t, "audit", "--demo", "-o", "json", "--fail-on", "none")
	var r analysis.Report
	if err := json.Unmarshal([]byte(js), &r); err != nil {
		t.Fatal(err)
	}
	return &r
}

func countAtOrAbove(r *analysis.Report, sev string) int {
	order := map[string]int{"info": 0, "low": 1, "medium": 2, "high": 3, "critical": 4}
	n := 0
	for _, f := range r.Findings {
		if order[f.Severity.String()] >= order[sev] {
			n++
		}
	}
	return n
}

func TestErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"audit", "-f", "testdata/nope.yaml"}, "bulkhead: load testdata/nope.yaml: stat testdata/nope.yaml: no such file or directory\n"},
		{[]string{"audit", "--demo", "--fail-on", "bad"}, "bulkhead: --fail-on: unknown severity \"bad\" (want one of info, low, medium, high, critical, none)\n"},
		{[]string{"audit", "--demo", "-o", "xml"}, "bulkhead: --output \"xml\": want text, json, html, sarif or markdown\n"},
		{[]string{"audit", "--demo", "-f", "x.yaml"}, "bulkhead: --demo and -f cannot be combined\n"},
		{[]string{"audit", "--demo", "--tenant-label", "a", "--tenants", "testdata/nope.yaml"}, "bulkhead: --tenants: open testdata/nope.yaml: no such file or directory\n"},
		{[]string{"snapshot", "--demo", "-o", "xml"}, "bulkhead: --output \"xml\": want yaml, json, yaml.gz or json.gz\n"},
		{[]string{"nope"}, "bulkhead: unknown command \"nope\" for \"bulkhead\"\n"},
	} {
		out, errOut, code := run(t, tc.args...)
		if code != 1 || out != "" || errOut != tc.want {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit 1, stderr %q", tc.args, code, out, errOut, tc.want)
		}
	}
}

func TestVersion(t *testing.T) {
	out, _, code := run(t, "version")
	if code != 0 || !strings.HasPrefix(out, "bulkhead ") {
		t.Errorf("version: %d %q", code, out)
	}
}

// --version says what the version command says.
func TestVersionFlag(t *testing.T) {
	flag, _, code := run(t, "--version")
	cmd, _, _ := run(t, "version")
	if code != 0 || flag != cmd || !strings.HasPrefix(flag, "bulkhead ") {
		t.Errorf("--version %q (exit %d), version %q", flag, code, cmd)
	}
}

// TestTextEscapesClusterText: a tenant's admin names a RoleBinding's
// subject with an escape sequence that clears the terminal line; every
// text output prints it escaped, the raw ESC never.
func TestTextEscapesClusterText(t *testing.T) {
	dir := t.TempDir()
	manifest := "apiVersion: v1\nkind: Namespace\nmetadata: {name: team-a}\n---\n" +
		"apiVersion: v1\nkind: Namespace\nmetadata: {name: team-b}\n---\n" +
		"apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {name: evil, namespace: team-b}\n" +
		"roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: admin}\n" +
		"subjects: [{apiGroup: rbac.authorization.k8s.io, kind: User, name: \"carol\\e[2Kall tenants isolated\"}]\n"
	file := filepath.Join(dir, "evil.yaml")
	if err := os.WriteFile(file, []byte(manifest), 0o644); err != nil {
		t.Fatal(err)
	}
	// A document refused for its name, listed as skipped on stderr.
	skipped := filepath.Join(dir, "skipped.yaml")
	if err := os.WriteFile(skipped, []byte(manifest+"---\napiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\n"+
		"metadata: {name: \"rb\\e]0;pwned\\a\", namespace: team-a}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: admin}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"audit", "-f", skipped, "--fail-on", "none"},
		{"audit", "-f", file, "--fail-on", "none"},
		{"audit", "-f", file, "--fail-on", "none", "-o", "markdown"},
		{"who-can", "-f", file, "get", "secrets", "-n", "team-b"},
		{"paths", "-f", file, "--from", "team-a"},
		{"harden", "-f", file, "--fail-on", "none"},
	} {
		out, errOut, _ := run(t, args...)
		if strings.ContainsRune(out+errOut, 0x1b) {
			t.Errorf("%v: a raw ESC in the output:\n%q", args, out+errOut)
		}
		if shows := args[0] == "who-can" || args[0] == "audit" && len(args) == 5 && args[2] == file; shows && !strings.Contains(out, `carol\x1b[2Kall`) {
			t.Errorf("%v: the subject is not shown escaped:\n%s", args, out)
		}
	}
}

// TestWithRelabelKeepsFingerprints: a change of a namespace's labels that
// keeps its pods running (a Pod Security warn label) leaves the findings
// about its Deployment as they were, fingerprints included: the
// Deployment's representative, kept running, is still its pod.
func TestWithRelabelKeepsFingerprints(t *testing.T) {
	dir := t.TempDir()
	cluster := filepath.Join(dir, "cluster.yaml")
	change := filepath.Join(dir, "label.yaml")
	write := func(path, s string) {
		if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(cluster, "apiVersion: v1\nkind: Namespace\nmetadata: {name: team-b}\n---\n"+
		"apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: api, namespace: team-b}\n"+
		"spec:\n  selector: {matchLabels: {app: api}}\n  template:\n    metadata: {labels: {app: api}}\n"+
		"    spec:\n      containers:\n      - {name: app, image: example, securityContext: {capabilities: {add: [NET_RAW]}, allowPrivilegeEscalation: true}}\n")
	write(change, "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: team-b\n  labels: {pod-security.kubernetes.io/warn: restricted}\n")
	fingerprints := func(args ...string) map[string]string {
		out, errOut, _ := run(t, append([]string{"audit", "-f", cluster, "-o", "json", "--fail-on", "none"}, args...)...)
		var r struct {
			Findings []struct{ ID, Fingerprint string }
		}
		if err := json.Unmarshal([]byte(out), &r); err != nil {
			t.Fatalf("%v: %v\n%s", args, err, errOut)
		}
		m := map[string]string{}
		for _, f := range r.Findings {
			m[f.Fingerprint] = f.ID
		}
		return m
	}
	before, after := fingerprints(), fingerprints("--with", change)
	if len(before) == 0 || !maps.Equal(before, after) {
		t.Errorf("fingerprints before %v, with the warn label %v", before, after)
	}
}

// TestTextFitsTheTerminal: every line of the text outputs fits 100
// columns, the width they wrap to when stdout is no terminal, on the demo
// and on a corpus cluster with a platform tenant (whose legend is the
// longest).
func TestTextFitsTheTerminal(t *testing.T) {
	platform := []string{"-f", filepath.Join("..", "corpus", "testdata", "platform"), "--platform-namespaces", "monitoring,ingress-nginx"}
	for _, args := range [][]string{
		{"audit", "--demo"},
		{"harden", "--demo"},
		{"paths", "--demo", "--from", "default", "-v"},
		append([]string{"audit"}, platform...),
		append([]string{"harden"}, platform...),
	} {
		out, errOut, _ := run(t, args...)
		for i, line := range strings.Split(out+errOut, "\n") {
			if n := utf8.RuneCountInString(line); n > 100 {
				t.Errorf("%v: line %d is %d columns: %s", args, i+1, n, line)
			}
		}
	}
}

// TestStatefulSetClaimTemplate: the audit follows a StatefulSet's claim
// templates as its pods will mount them: one bound by name to a hostPath
// volume of the node's root is an escape before any pod or claim exists,
// as the webhook judges it; bound through a StorageClass, none.
func TestStatefulSetClaimTemplate(t *testing.T) {
	file := filepath.Join("testdata", "statefulset-claim-root.yaml")
	out, errOut, _ := run(t, "audit", "-f", file, "--fail-on", "none")
	if !strings.Contains(out, "BH-NODE-001  StatefulSet team-a/db (its pod template) escapes to its node") {
		t.Errorf("no escape through the claim template:\n%s%s", out, errOut)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	class := filepath.Join(t.TempDir(), "class.yaml")
	if err := os.WriteFile(class, []byte(strings.Replace(string(data), "volumeName: node-root", "storageClassName: standard", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, _, _ := run(t, "audit", "-f", class, "--fail-on", "none"); strings.Contains(out, "BH-NODE-001") {
		t.Errorf("an escape through a StorageClass claim:\n%s", out)
	}
}
