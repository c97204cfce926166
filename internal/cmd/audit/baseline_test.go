package audit

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/spf13/cobra"

	"github.com/bulkhead-dev/bulkhead/internal/analysis"
	"github.com/bulkhead-dev/bulkhead/internal/cli"
	"github.com/bulkhead-dev/bulkhead/internal/cli/clitest"
	"github.com/bulkhead-dev/bulkhead/internal/finding"
	"github.com/bulkhead-dev/bulkhead/internal/golden"
)

// executeAt runs the audit command on the day of now.
func executeAt(t *testing.T, now time.Time, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	return clitest.Run(func(s cli.IOStreams) *cobra.Command { return newCommand(s, func() time.Time { return now }) }, args...)
}

func goldenFile(t *testing.T, name, got string) {
	t.Helper()
	golden.Check(t, filepath.Join(goldenDir, name), []byte(got))
}

// demoBaseline writes the demo's JSON report, less the findings drop
// keeps out, as a baseline, and returns its path.
func demoBaseline(t *testing.T, drop func(f *finding.Finding) bool) string {
	t.Helper()
	return writeBaseline(t, t.TempDir(), drop)
}

func writeBaseline(t *testing.T, dir string, drop func(f *finding.Finding) bool) string {
	t.Helper()
	r := demoJSON(t)
	kept := []finding.Finding{}
	for _, f := range r.Findings {
		if drop == nil || !drop(&f) {
			kept = append(kept, f)
		}
	}
	if drop != nil && len(kept) == len(r.Findings) {
		t.Fatal("the demo has no finding to drop")
	}
	r.Findings = kept
	data, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	name := "baseline.json"
	if drop != nil {
		name = "baseline-less-one.json"
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// inFixtures runs the rest of the test in a directory of its own holding
// the demo's baseline (baseline.json), the same less BH-NODE-001
// (baseline-less-one.json) and testdata/change.yaml, so that the golden
// reports name them the same on every run.
func inFixtures(t *testing.T) {
	t.Helper()
	change, err := os.ReadFile("testdata/change.yaml")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	writeBaseline(t, dir, nil)
	writeBaseline(t, dir, isNodeEscape)
	if err := os.WriteFile(filepath.Join(dir, "change.yaml"), change, 0o644); err != nil {
		t.Fatal(err)
	}
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	goldenDir = filepath.Join(wd, "testdata")
	t.Cleanup(func() { goldenDir = "testdata" })
	t.Chdir(dir)
}

// goldenDir is where golden files are, also after inFixtures.
var goldenDir = "testdata"

func isNodeEscape(f *finding.Finding) bool { return f.ID == "BH-NODE-001" }

// TestBaselineGate: against a baseline of itself the demo has nothing new
// and passes any gate; without BH-NODE-001 in the baseline, that finding
// alone is reported and fails --fail-on critical; the change of
// testdata/change.yaml opens one pair and one finding, both medium.
func TestBaselineGate(t *testing.T) {
	inFixtures(t)
	same, lessOne := "baseline.json", "baseline-less-one.json"
	for _, tc := range []struct {
		name   string
		args   []string
		want   int
		golden string
	}{
		{"itself", []string{"--demo", "--baseline", same, "--fail-on", "info"}, cli.ExitOK, ""},
		{"itself, json", []string{"--demo", "--baseline", same, "--fail-on", "info", "-o", "json"}, cli.ExitOK, ""},
		{"one finding left out", []string{"--demo", "--baseline", lessOne, "--fail-on", "critical"}, cli.ExitFindings, "baseline-less-one.txt"},
		{"one finding left out, below fail-on", []string{"--demo", "--baseline", lessOne, "--fail-on", "none"}, cli.ExitOK, ""},
		{"a change, fail on high", []string{"--demo", "--with", "change.yaml", "--baseline", same, "--fail-on", "high"}, cli.ExitOK, "baseline-change.txt"},
		{"a change, fail on medium", []string{"--demo", "--with", "change.yaml", "--baseline", same, "--fail-on", "medium"}, cli.ExitFindings, ""},
		{"no baseline", []string{"--demo", "--fail-on", "high"}, cli.ExitFindings, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, stderr, code := execute(t, tc.args...)
			if code != tc.want {
				t.Errorf("exit %d, want %d; stderr %q", code, tc.want, stderr)
			}
			if tc.golden != "" {
				goldenFile(t, tc.golden, out)
			}
		})
	}
}

// TestBaselineReport: the JSON report counts what the baseline held and
// names what is new, and follows the schema.
func TestBaselineReport(t *testing.T) {
	out, stderr, code := execute(t, "--demo", "--with", "testdata/change.yaml", "--baseline", demoBaseline(t, nil), "-o", "json", "--fail-on", "none")
	if code != cli.ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	doc, err := jsonschema.UnmarshalJSON(strings.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	if err := reportSchema(t).Validate(doc); err != nil {
		t.Errorf("report does not follow %s: %v", schemaPath, err)
	}
	var r analysis.Report
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	b := r.Baseline
	if b == nil {
		t.Fatal("no baseline in the report")
	}
	want := []analysis.TenantPair{{Source: "test", Target: "cluster", Worst: finding.Medium}}
	if d := cmp.Diff(want, b.NewPairs); d != "" {
		t.Errorf("new pairs (-want +got):\n%s", d)
	}
	all := demoJSON(t, "--with", "testdata/change.yaml")
	if b.Findings+len(r.Findings) != len(all.Findings) || len(r.Findings) != 1 || r.Findings[0].ID != "BH-API-001" {
		t.Errorf("%d findings left out and %v kept, of %d", b.Findings, r.Findings, len(all.Findings))
	}
	if n := b.Pairs + len(b.NewPairs); n != 12 {
		t.Errorf("%d pairs counted, the matrix breaches 12", n)
	}
}

// TestSuppressionExpiry: a suppression of the demo's node escape, with a
// baseline that lacks it, passes the gate until its expiry date; the day
// after, the finding is back, the run fails and says why.
func TestSuppressionExpiry(t *testing.T) {
	schema := reportSchema(t)
	inFixtures(t)
	base := "baseline-less-one.json"
	var escape string
	for _, f := range demoJSON(t).Findings {
		if isNodeEscape(&f) {
			escape = f.Fingerprint
		}
	}
	sup := "suppressions.yaml"
	err := os.WriteFile(sup, []byte("# accepted\n- fingerprint: "+escape+"\n  reason: the debug pod, removed with SEC-42\n  expires: 2025-06-30\n"), 0o644)
	if err != nil {
		t.Fatal(err)
	}
	args := []string{"--demo", "--baseline", base, "--suppressions", sup, "--fail-on", "critical", "-o", "json"}
	for _, tc := range []struct {
		name  string
		today time.Time
		want  int
	}{
		{"on its last day", time.Date(2025, 6, 30, 22, 0, 0, 0, time.UTC), cli.ExitOK},
		{"the day after", time.Date(2025, 7, 1, 8, 0, 0, 0, time.UTC), cli.ExitFindings},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, stderr, code := executeAt(t, tc.today, args...)
			if code != tc.want {
				t.Fatalf("exit %d, want %d; stderr %q", code, tc.want, stderr)
			}
			doc, err := jsonschema.UnmarshalJSON(strings.NewReader(out))
			if err != nil {
				t.Fatal(err)
			}
			if err := schema.Validate(doc); err != nil {
				t.Errorf("report does not follow %s: %v", schemaPath, err)
			}
			var r analysis.Report
			if err := json.Unmarshal([]byte(out), &r); err != nil {
				t.Fatal(err)
			}
			expired := tc.want != cli.ExitOK
			if got := len(r.ExpiredSuppressions) == 1; got != expired {
				t.Errorf("expiredSuppressions %v", r.ExpiredSuppressions)
			}
			if got := strings.Contains(strings.Join(strings.Fields(stderr), " "), "suppressions.yaml:2: suppression expired on 2025-06-30, no longer suppresses 1 finding"); got != expired {
				t.Errorf("stderr %q", stderr)
			}
			if expired {
				if len(r.Suppressed) != 0 || len(r.Findings) != 1 || r.Findings[0].Fingerprint != escape {
					t.Errorf("suppressed %v, findings %v", r.Suppressed, r.Findings)
				}
				return
			}
			if len(r.Suppressed) != 1 || r.Suppressed[0].Reason != "the debug pod, removed with SEC-42" || len(r.Findings) != 0 {
				t.Errorf("suppressed %v, findings %v", r.Suppressed, r.Findings)
			}
		})
	}
	// The text report lists the suppressed finding with its reason.
	out, _, _ := executeAt(t, time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), "--demo", "--suppressions", sup, "--fail-on", "none", "--matrix=false")
	goldenFile(t, "suppressed.txt", out)
}

func TestComparisonErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name, data string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	other := write("other.json", `{"schemaVersion": "bulkhead.dev/report/v0"}`)
	text := write("report.txt", "bulkhead audit: demo\n")
	bad := write("bad.yaml", "- fingerprint: "+strings.Repeat("0", 32)+"\n- rule: BH-NET-001\n  object: Pod/a/b\n")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--baseline", other}, `--baseline ` + other + `: report of schema "bulkhead.dev/report/v0", this bulkhead reads "bulkhead.dev/report/v1alpha1"`},
		{[]string{"--baseline", text}, `--baseline ` + text + `: not a bulkhead JSON report: line 1: invalid character`},
		{[]string{"--baseline", filepath.Join(dir, "missing.json")}, `--baseline ` + filepath.Join(dir, "missing.json") + `: open `},
		{[]string{"--suppressions", bad}, `--suppressions: ` + bad + `:1: no reason`},
		{[]string{"--suppressions", filepath.Join(dir, "missing.yaml")}, `--suppressions: open `},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			out, stderr, code := execute(t, append([]string{"--demo"}, tc.args...)...)
			if code != cli.ExitFailure || out != "" || !strings.HasPrefix(stderr, tc.want) {
				t.Errorf("exit %d, stdout %q, error %q; want exit 1 and %q", code, out, stderr, tc.want)
			}
		})
	}
}

// TestBaselineWarnings: a baseline narrowed to a tenant, or of a cluster
// without a tenant in common, is used, with a warning that what it lacks
// counts as new.
func TestBaselineWarnings(t *testing.T) {
	dir := t.TempDir()
	save := func(name string, args ...string) string {
		out, stderr, code := execute(t, append(args, "-o", "json", "--fail-on", "none")...)
		if code != cli.ExitOK {
			t.Fatalf("%v: exit %d: %s", args, code, stderr)
		}
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(out), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	narrowed := save("narrowed.json", "--demo", "--tenant", "test")
	other := filepath.Join(dir, "other.yaml")
	if err := os.WriteFile(other, []byte("apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	elsewhere := save("elsewhere.json", "-f", other)
	for baseline, want := range map[string]string{
		narrowed:  "was narrowed by --tenant, --checks or --skip-checks: what it left out counts as new",
		elsewhere: "has no tenant in common with this cluster",
	} {
		_, stderr, _ := execute(t, "--demo", "--baseline", baseline, "--fail-on", "none")
		if !strings.Contains(strings.Join(strings.Fields(stderr), " "), want) {
			t.Errorf("--baseline %s: stderr %q, want %q", filepath.Base(baseline), stderr, want)
		}
	}
	if _, stderr, _ := execute(t, "--demo", "--tenant", "test", "--baseline", narrowed, "--fail-on", "none"); strings.Contains(stderr, "narrowed") {
		t.Errorf("the same narrowing warned: %s", stderr)
	}
}
