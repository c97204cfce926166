package harden

import (
	"fmt"
	"math/rand"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/bulkhead-dev/bulkhead/internal/analysis"
	"github.com/bulkhead-dev/bulkhead/internal/attackpath"
	"github.com/bulkhead-dev/bulkhead/internal/finding"
	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
)

// TestCompareMatchesPairByPair: compare merges the three matrices as
// sorted lists; on random matrices (tenants in any order, some only in
// one matrix, platform and isolated cells, every severity) it finds the
// same closed pairs, residuals in the same order and the same reviewed
// states as looking each pair up by name does.
func TestCompareMatchesPairByPair(t *testing.T) {
	r := rand.New(rand.NewSource(7))
	for run := 0; run < 200; run++ {
		t.Run(fmt.Sprint(run), func(t *testing.T) {
			before, after, reviewed := randomReport(r), randomReport(r), randomReport(r)
			if run%7 == 0 {
				reviewed = nil
			}
			got := &Proof{Before: before, After: after, Reviewed: reviewed}
			got.compare(Plan{}, &snapshot.Snapshot{}, 0)
			want := &Proof{Before: before, After: after, Reviewed: reviewed}
			want.compareByName()
			if d := cmp.Diff(want, got); d != "" {
				t.Fatalf("compare differs from pair by pair (-want +got):\n%s", d)
			}
			// Explaining only the worst residuals keeps them, and only
			// them, as they are, and counts the others.
			listed := 1 + r.Intn(5)
			some := &Proof{Before: before, After: after, Reviewed: reviewed}
			some.compare(Plan{}, &snapshot.Snapshot{}, listed)
			if len(want.Residuals) > listed {
				want.ResidualsOmitted = len(want.Residuals) - listed
				want.Residuals = want.Residuals[:listed]
			}
			if d := cmp.Diff(want, some); d != "" {
				t.Fatalf("compare explaining %d residuals differs (-want +got):\n%s", listed, d)
			}
		})
	}
}

// compareByName is compare's pair-by-pair reference: each pair looked up
// by its tenants' names, residuals sorted by severity, then names.
func (p *Proof) compareByName() {
	idx := indexFindings(p.After.Findings)
	before, after, reviewed := breachedCells(p.Before), breachedCells(p.After), breachedCells(p.Reviewed)
	for k := range before {
		if after[k] == nil {
			p.Closed = append(p.Closed, k[0]+" → "+k[1])
		}
	}
	sort.Strings(p.Closed)
	for _, c := range p.After.Isolation.Cells {
		if !c.Breached() {
			continue
		}
		r := Residual{Source: c.Source, Target: c.Target, Layers: c.Layers, Worst: c.Worst, Findings: c.Findings, Reviewed: "isolated"}
		r.Witness = idx.because(&c)
		if rc := reviewed[[2]string{c.Source, c.Target}]; rc != nil {
			r.Reviewed = layerNames(rc.Layers) + " left"
			r.ReviewedReasons = reviewedReasons(rc)
		} else {
			p.ReviewedClosed = append(p.ReviewedClosed, c.Source+" → "+c.Target)
		}
		r.Reasons = reasons(&c, Plan{}, nil)
		p.Residuals = append(p.Residuals, r)
	}
	slices.SortStableFunc(p.Residuals, func(a, b Residual) int {
		if a.Worst != b.Worst {
			return int(b.Worst) - int(a.Worst)
		}
		return strings.Compare(a.Source+"\x00"+a.Target, b.Source+"\x00"+b.Target)
	})
	sort.Strings(p.ReviewedClosed)
}

// randomReport is a matrix over some of ten tenants, in a random order,
// with a cell for some of the pairs.
func randomReport(r *rand.Rand) *analysis.Report {
	names := []string{"a", "b", "ab", "b-1", "cluster", "platform", "team-10", "team-9", "z", "a-b"}
	r.Shuffle(len(names), func(i, j int) { names[i], names[j] = names[j], names[i] })
	tenants := names[:2+r.Intn(len(names)-1)]
	x := &attackpath.Matrix{Tenants: tenants}
	layers := []finding.Category{finding.API, finding.Network, finding.DNS, finding.Node}
	for _, s := range tenants {
		for _, d := range tenants {
			if s == d || r.Intn(4) == 0 {
				continue
			}
			c := attackpath.Cell{Source: s, Target: d, Isolated: r.Intn(4) == 0, Platform: s == "platform"}
			if !c.Isolated {
				c.Worst = finding.Severity(r.Intn(int(finding.Critical) + 1))
				c.Layers = []finding.Category{layers[r.Intn(len(layers))]}
				c.Findings = []string{"BH-X-00" + fmt.Sprint(r.Intn(3))}
			}
			x.Cells = append(x.Cells, c)
		}
	}
	return &analysis.Report{Isolation: x}
}

// TestBounded: a proof bounded to fewer residuals than it has keeps the
// worst (the first) and counts the others; the proof itself is left as it
// is, and a bound it fits returns it unchanged.
func TestBounded(t *testing.T) {
	p := &Proof{Residuals: []Residual{{Source: "a", Worst: finding.Critical}, {Source: "b", Worst: finding.High}, {Source: "c", Worst: finding.Low}},
		Closed: []string{"a → b", "a → c", "b → a"}, ReviewedClosed: []string{"c → a", "c → b"}}
	for _, tc := range []struct {
		max, listed, omitted int
	}{
		{max: 2, listed: 2, omitted: 1},
		{max: 3, listed: 3},
		{max: 1000, listed: 3},
	} {
		t.Run(fmt.Sprint(tc.max), func(t *testing.T) {
			b := p.Bounded(tc.max)
			if len(b.Residuals) != tc.listed || b.ResidualsOmitted != tc.omitted {
				t.Errorf("%d listed, %d omitted; want %d, %d", len(b.Residuals), b.ResidualsOmitted, tc.listed, tc.omitted)
			}
			if len(b.Closed) != tc.listed || b.ClosedOmitted != tc.omitted || b.Closed[0] != "a → b" {
				t.Errorf("closed %v, %d omitted; want the first %d, %d omitted", b.Closed, b.ClosedOmitted, tc.listed, tc.omitted)
			}
			if n := min(tc.max, 2); len(b.ReviewedClosed) != n || b.ReviewedClosedOmitted != 2-n {
				t.Errorf("reviewed closed %v, %d omitted; want %d listed", b.ReviewedClosed, b.ReviewedClosedOmitted, n)
			}
			if b.Residuals[0].Source != "a" {
				t.Errorf("first residual %s, want the worst, a", b.Residuals[0].Source)
			}
			if len(p.Residuals) != 3 || p.ResidualsOmitted != 0 || len(p.Closed) != 3 || len(p.ReviewedClosed) != 2 {
				t.Errorf("the proof itself changed: %+v", p)
			}
		})
	}
}
