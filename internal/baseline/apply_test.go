package baseline

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/bulkhead-dev/bulkhead/internal/analysis"
	"github.com/bulkhead-dev/bulkhead/internal/finding"
)

// TestApply: what the baseline holds leaves the report and the gate; what
// is new, or worse than the baseline had it, stays.
func TestApply(t *testing.T) {
	old := report([]string{"-h.", "l-.", "..-"}, map[string]finding.Severity{"a": finding.Critical},
		fnd("BH-NET-001", finding.High, "01"), fnd("BH-API-002", finding.Critical, "02"))
	now := report([]string{"-m.", "h-.", ".c-"}, map[string]finding.Severity{"a": finding.Critical, "c": finding.High},
		fnd("BH-NET-001", finding.High, "01"), fnd("BH-API-002", finding.Critical, "02"), fnd("BH-NODE-001", finding.Medium, "03"))
	if n := now.AtOrAbove(finding.High); n != 6 {
		t.Fatalf("before the baseline, %d at high or above, want 6", n)
	}
	Apply(now, old, "old.json")
	want := &analysis.Baseline{
		File: "old.json", Findings: 2, Pairs: 1, AdminPaths: 1,
		NewPairs: []analysis.TenantPair{
			{Source: "c", Target: "b", Worst: finding.Critical}, // was isolated
			{Source: "b", Target: "a", Worst: finding.High},     // was low
		},
		NewAdminPaths: []analysis.TenantPair{{Source: "c", Target: AdminTarget, Worst: finding.High}},
	}
	if d := cmp.Diff(want, now.Baseline); d != "" {
		t.Errorf("baseline (-want +got):\n%s", d)
	}
	if len(now.Findings) != 1 || now.Findings[0].Fingerprint != "03" {
		t.Errorf("findings %v, want only the new one", now.Findings)
	}
	if d := cmp.Diff(map[string]int{"medium": 1}, now.Summary); d != "" {
		t.Errorf("summary (-want +got):\n%s", d)
	}
	// The gate: two new pairs and a new path at high or above; a → b
	// (medium now, high in the baseline) and a's path are not new.
	if n := now.AtOrAbove(finding.High); n != 3 {
		t.Errorf("AtOrAbove(high) = %d, want 3", n)
	}
	if n := now.AtOrAbove(finding.Medium); n != 4 {
		t.Errorf("AtOrAbove(medium) = %d, want 4", n)
	}
}

// TestApplyNothingNew: against itself, a report has nothing new and passes
// any gate; the counts say what was left out.
func TestApplyNothingNew(t *testing.T) {
	mk := func() *analysis.Report {
		return report([]string{"-h.", "c-.", "..-"}, map[string]finding.Severity{"b": finding.Critical}, fnd("BH-NET-001", finding.High, "01"))
	}
	r := mk()
	Apply(r, mk(), "same.json")
	if n := r.AtOrAbove(finding.Info); n != 0 {
		t.Errorf("AtOrAbove(info) = %d against itself", n)
	}
	if b := r.Baseline; b.Findings != 1 || b.Pairs != 2 || b.AdminPaths != 1 {
		t.Errorf("left out %+v, want 1 finding, 2 pairs, 1 path", b)
	}
}

// TestBreachedReadsGrid: a JSON report lists at most analysis.ListedCells
// cells; the grid has every pair, so a pair left out of the cells is still
// in the baseline. The platform's row is exposure, not a breach.
func TestBreachedReadsGrid(t *testing.T) {
	r := report([]string{"-h.", "l-.", "..-"}, nil)
	r.Isolation.Cells = nil
	got := breached(r)
	want := map[pair]finding.Severity{{"a", "b"}: finding.High, {"b", "a"}: finding.Low}
	if d := cmp.Diff(want, got, cmp.AllowUnexported(pair{})); d != "" {
		t.Errorf("breached (-want +got):\n%s", d)
	}
	r.Isolation.Tenants[1] = "platform"
	if _, ok := breached(r)[pair{"platform", "a"}]; ok {
		t.Error("the platform's exposure read as a breach")
	}
	// A malformed grid (short or long rows, unknown characters) is read
	// as far as it goes.
	r.Isolation.Grid = []string{"-hhhhh", "", "x", "c"}
	if got := breached(r); len(got) != 2 {
		t.Errorf("malformed grid: %v", got)
	}
}

// TestApplyNarrowed: a finding from or to every tenant in the baseline
// holds the same finding narrowed to some of its tenants (a fix that keeps
// one flow on purpose), but not one widened, nor one naming a tenant its
// list leaves out.
func TestApplyNarrowed(t *testing.T) {
	net := func(src, dst string, srcs ...string) finding.Finding {
		f := finding.Finding{ID: "BH-NET-001", Severity: finding.High, SourceTenant: src, TargetTenant: dst, SourceTenants: srcs,
			Subjects: []finding.Ref{{Kind: "Pod", Namespace: "x", Name: "p"}}, Objects: []finding.Ref{{Kind: "Pod", Namespace: dst, Name: "q"}}}
		f.Fingerprint = analysis.Fingerprint(&f)
		return f
	}
	// A finding whose subjects are the finding: from "*", its fingerprint
	// leaves them out, so a narrowed one must name the same.
	relabel := func(src, subject string) finding.Finding {
		f := finding.Finding{ID: "BH-NODE-008", Severity: finding.High, SourceTenant: src, TargetTenant: "d",
			Subjects: []finding.Ref{{Kind: "User", Name: subject}}, Objects: []finding.Ref{{Kind: "Namespace", Name: "d"}}}
		f.Fingerprint = analysis.Fingerprint(&f)
		return f
	}
	for _, tc := range []struct {
		name string
		was  finding.Finding
		now  finding.Finding
		new  bool
	}{
		{"the same", net("a", "b"), net("a", "b"), false},
		{"narrowed from every tenant", net("*", "b"), net("platform", "b"), false},
		{"narrowed from listed tenants", net("*", "b", "a", "platform"), net("platform", "b"), false},
		{"a tenant the list leaves out", net("*", "b", "a", "c"), net("platform", "b"), true},
		{"widened", net("a", "b"), net("*", "b"), true},
		{"another target", net("*", "b"), net("a", "c"), true},
		{"a relabeller narrowed, the same subject", relabel("*", "p"), relabel("a", "p"), false},
		{"a new relabeller", relabel("*", "p"), relabel("e", "q"), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			now := report([]string{"-..", ".-.", "..-"}, nil, tc.now)
			Apply(now, report([]string{"-..", ".-.", "..-"}, nil, tc.was), "old.json")
			if got := len(now.Findings) == 1; got != tc.new {
				t.Errorf("new = %v, want %v", got, tc.new)
			}
			d := Compare(report([]string{"-..", ".-.", "..-"}, nil, tc.was), report([]string{"-..", ".-.", "..-"}, nil, tc.now))
			if got := len(d.Opened.Findings) == 1; got != tc.new {
				t.Errorf("diff: opened = %v, want %v", got, tc.new)
			}
		})
	}
}
