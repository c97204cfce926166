package analysis

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/bulkhead-dev/bulkhead/internal/attackpath"
	"github.com/bulkhead-dev/bulkhead/internal/finding"
	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
	"github.com/bulkhead-dev/bulkhead/internal/tenancy"
)

func TestRunStatuses(t *testing.T) {
	snap := &snapshot.Snapshot{Source: "x", Gaps: []snapshot.Gap{{Resource: "pods", Reason: "forbidden"}}}
	ten, err := tenancy.Resolve(snap, tenancy.Config{})
	if err != nil {
		t.Fatal(err)
	}
	fs := []finding.Finding{
		{ID: "B", Severity: finding.Low, SourceTenant: "a", TargetTenant: "b"},
		{ID: "A", Severity: finding.Critical, SourceTenant: "c", TargetTenant: "b"},
		{ID: "C", Severity: finding.Medium, SourceTenant: "a", TargetTenant: "b"},
	}
	engines := []Engine{
		{Name: "one", Category: finding.API, Needs: []string{"roles"}, Run: func(*Facts) []finding.Finding { return fs[:1] }},
		{Name: "two", Category: finding.Network, Needs: []string{"pods"}, Run: func(*Facts) []finding.Finding { return fs[1:] }},
		{Name: "three", Category: finding.Node, Absent: "not built"},
	}
	r := Run(NewFacts(snap, ten), engines, Options{})
	want := []Analysis{
		{Name: "one", Category: finding.API, Status: Ran, Findings: 1},
		{Name: "two", Category: finding.Network, Status: Incomplete, Notes: []string{"pods forbidden"}, Findings: 2},
		{Name: "three", Category: finding.Node, Status: NotRun, Notes: []string{"not built"}},
	}
	if d := cmp.Diff(want, r.Analyses); d != "" {
		t.Errorf("analyses (-want +got):\n%s", d)
	}
	if got := []string{r.Findings[0].ID, r.Findings[1].ID, r.Findings[2].ID}; cmp.Diff([]string{"A", "C", "B"}, got) != "" {
		t.Errorf("order %v", got)
	}
	if n := r.AtOrAbove(finding.Medium); n != 2 {
		t.Errorf("AtOrAbove(medium) = %d", n)
	}
	var labels []string
	for _, p := range r.ByPair() {
		labels = append(labels, p.Label())
	}
	if d := cmp.Diff([]string{"c → b", "a → b"}, labels); d != "" {
		t.Errorf("pairs (-want +got):\n%s", d)
	}
	if r.Isolation != nil {
		t.Error("matrix built without Options.Matrix")
	}
}

// TestAtOrAboveCountsTheMatrix: a gate fails on a breached pair or a path
// to cluster-admin even when no finding reaches --fail-on; the platform's
// exposure does not count.
func TestAtOrAboveCountsTheMatrix(t *testing.T) {
	r := &Report{Isolation: &attackpath.Matrix{
		Cells: []attackpath.Cell{
			{Source: "a", Target: "b", Worst: finding.Critical},
			{Source: tenancy.Platform, Target: "b", Worst: finding.Critical, Platform: true},
			{Source: "b", Target: "a", Isolated: true},
		},
		AdminPaths: []attackpath.Path{{From: "a", Severity: finding.Critical}, {From: tenancy.Platform, Severity: finding.Critical}},
	}, Findings: []finding.Finding{{ID: "X", Severity: finding.High}}}
	if n := r.AtOrAbove(finding.Critical); n != 2 {
		t.Errorf("AtOrAbove(critical) = %d, want 2 (one cell, one admin path)", n)
	}
	if n := r.AtOrAbove(finding.High); n != 3 {
		t.Errorf("AtOrAbove(high) = %d, want 3", n)
	}
}

// TestAtOrAboveWithBaseline: with a baseline, the matrix's pairs and paths
// to cluster-admin count only when the baseline names them new.
func TestAtOrAboveWithBaseline(t *testing.T) {
	r := &Report{Isolation: &attackpath.Matrix{
		Cells: []attackpath.Cell{
			{Source: "a", Target: "b", Worst: finding.Critical},
			{Source: "b", Target: "a", Worst: finding.High},
		},
		AdminPaths: []attackpath.Path{{From: "a", Severity: finding.Critical}},
	}, Findings: []finding.Finding{{ID: "X", Severity: finding.Medium}}}
	if n := r.AtOrAbove(finding.Medium); n != 4 {
		t.Fatalf("without a baseline, AtOrAbove(medium) = %d, want 4", n)
	}
	r.Baseline = &Baseline{Pairs: 1, AdminPaths: 1, NewPairs: []TenantPair{{Source: "b", Target: "a", Worst: finding.High}}}
	for _, tc := range []struct {
		s    finding.Severity
		want int
	}{{finding.Critical, 0}, {finding.High, 1}, {finding.Medium, 2}} {
		if n := r.AtOrAbove(tc.s); n != tc.want {
			t.Errorf("AtOrAbove(%s) = %d, want %d", tc.s, n, tc.want)
		}
	}
}
