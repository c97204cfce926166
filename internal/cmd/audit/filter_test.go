package audit

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/bulkhead-dev/bulkhead/internal/analysis"
	"github.com/bulkhead-dev/bulkhead/internal/attackpath"
	"github.com/bulkhead-dev/bulkhead/internal/cli"
	"github.com/bulkhead-dev/bulkhead/internal/finding"
	"github.com/bulkhead-dev/bulkhead/internal/tenancy"
)

func demoJSON(t *testing.T, args ...string) *analysis.Report {
	t.Helper()
	out, stderr, code := execute(t, append([]string{"--demo", "-o", "json", "--fail-on", "none"}, args...)...)
	if code != cli.ExitOK && code != cli.ExitIncomplete {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var r analysis.Report
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	return &r
}

func TestSelection(t *testing.T) {
	all := demoJSON(t)
	for _, tc := range []struct {
		name string
		args []string
		keep func(id, src, dst string) bool
	}{
		{"checks glob", []string{"--checks", "bh-net-*,BH-API-002"}, func(id, _, _ string) bool {
			return strings.HasPrefix(id, "BH-NET-") || id == "BH-API-002"
		}},
		{"skip checks", []string{"--skip-checks", "BH-NODE-*"}, func(id, _, _ string) bool { return !strings.HasPrefix(id, "BH-NODE-") }},
		{"tenant", []string{"--tenant", "network"}, func(_, src, dst string) bool {
			return src == "network" || dst == "network" || src == "*" || dst == "*"
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := demoJSON(t, tc.args...)
			var want, got []string
			for _, f := range all.Findings {
				if tc.keep(f.ID, f.SourceTenant, f.TargetTenant) {
					want = append(want, f.Fingerprint)
				}
			}
			for _, f := range r.Findings {
				got = append(got, f.Fingerprint)
			}
			if d := cmp.Diff(want, got); d != "" || len(got) == 0 {
				t.Errorf("kept %d of %d findings (-want +got):\n%s", len(got), len(all.Findings), d)
			}
			n := 0
			for _, c := range r.Summary {
				n += c
			}
			if n != len(r.Findings) || r.Selection == nil {
				t.Errorf("summary %v for %d findings, selection %v", r.Summary, len(r.Findings), r.Selection)
			}
		})
	}
	r := demoJSON(t, "--tenant", "network")
	for _, c := range r.Isolation.Cells {
		if c.Source != "network" && c.Target != "network" {
			t.Errorf("cell %s → %s outside the focus", c.Source, c.Target)
		}
	}
	if len(r.Isolation.Cells) == 0 {
		t.Error("no cell of network kept")
	}
}

// TestSelectionTenant: --tenant keeps the findings where the tenant is
// source or target, "every tenant" included, and its cells.
func TestSelectionTenant(t *testing.T) {
	r := &analysis.Report{
		Tenants: []tenancy.Tenant{{Name: "a"}, {Name: "b"}, {Name: "c"}},
		Findings: []finding.Finding{
			{ID: "BH-NET-001", SourceTenant: "a", TargetTenant: "b"},
			{ID: "BH-NET-001", SourceTenant: "c", TargetTenant: "a"},
			{ID: "BH-NET-001", SourceTenant: "b", TargetTenant: "c"},
			{ID: "BH-NET-002", SourceTenant: "*", TargetTenant: "c"},
			{ID: "BH-API-002", TargetTenant: "*"},
		},
		Isolation: &attackpath.Matrix{Tenants: []string{"a", "b", "c"}, Cells: []attackpath.Cell{{Source: "a", Target: "b"}, {Source: "b", Target: "c"}}},
	}
	if err := (selection{tenant: "a"}).apply(r); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range r.Findings {
		got = append(got, f.SourceTenant+">"+f.TargetTenant)
	}
	if d := cmp.Diff([]string{"a>b", "c>a", "*>c", ">*"}, got); d != "" {
		t.Errorf("findings (-want +got):\n%s", d)
	}
	if len(r.Isolation.Cells) != 1 || r.Isolation.Cells[0].Target != "b" {
		t.Errorf("cells %v", r.Isolation.Cells)
	}
}

func TestSelectionErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--tenant", "nope"}, `--tenant "nope": no such tenant (tenants: cluster, default, network, test, test-namespace)`},
		{[]string{"--checks", "BH-NET-999"}, `--checks: unknown check "BH-NET-999" (known: BH-API-001, `},
		{[]string{"--skip-checks", "BH-FOO-*"}, `--skip-checks: unknown check "BH-FOO-*" (known: `},
		{[]string{"--checks", "BH-[NET"}, `--checks: "BH-[NET": syntax error in pattern`},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			out, stderr, code := execute(t, append([]string{"--demo"}, tc.args...)...)
			if code != cli.ExitFailure || out != "" || !strings.HasPrefix(stderr, tc.want) {
				t.Errorf("exit %d, stdout %q, error %q; want exit 1 and %q", code, out, stderr, tc.want)
			}
		})
	}
}

// TestKnownChecksMatchDocs keeps --checks' list of checks and docs/checks/
// in step.
func TestKnownChecksMatchDocs(t *testing.T) {
	files, err := filepath.Glob("../../../docs/checks/*.md")
	if err != nil || len(files) == 0 {
		t.Fatalf("no docs/checks: %v", err)
	}
	row := regexp.MustCompile(`(?m)^\| (BH-[A-Z]+-[0-9]+) \|`)
	var documented []string
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range row.FindAllStringSubmatch(string(data), -1) {
			documented = append(documented, m[1])
		}
	}
	slices.Sort(documented)
	known := slices.Sorted(slices.Values(knownChecks()))
	if d := cmp.Diff(documented, known); d != "" {
		t.Errorf("docs/checks and knownChecks differ (-docs +known):\n%s", d)
	}
}

// TestTenantNamedByNamespace: a namespace given for a tenant is answered
// with the tenant it belongs to.
func TestTenantNamedByNamespace(t *testing.T) {
	capsule := filepath.Join("..", "..", "corpus", "testdata", "capsule")
	out, stderr, code := execute(t, "-f", capsule, "--tenant-label", "capsule.clastix.io/tenant", "--tenant", "solar-prod")
	want := `--tenant "solar-prod": no such tenant; namespace solar-prod belongs to tenant solar (--tenant solar)`
	if code != cli.ExitFailure || out != "" || !strings.HasPrefix(stderr, want) {
		t.Errorf("exit %d, stdout %q, error %q; want exit 1 and %q", code, out, stderr, want)
	}
}
