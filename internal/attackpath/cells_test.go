package attackpath

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/bulkhead-dev/bulkhead/internal/finding"
	"github.com/bulkhead-dev/bulkhead/internal/tenancy"
)

// addByName is AddFindings as its documentation words it, pair by pair
// over the cells, by tenant name: the reference the indexed one is
// checked against.
func addByName(x *Matrix, fs []finding.Finding) {
	side := func(t string, set []string, name string) bool {
		switch {
		case t == "*" && set != nil:
			return slices.Contains(set, name)
		case t == "*":
			return name != tenancy.Cluster
		}
		return t == name
	}
	for i := range x.Cells {
		c := &x.Cells[i]
		for _, f := range fs {
			if f.SourceTenant == "" || f.TargetTenant == "" || c.Source == tenancy.Cluster ||
				!side(f.SourceTenant, f.SourceTenants, c.Source) || !side(f.TargetTenant, f.TargetTenants, c.Target) {
				continue
			}
			c.Isolated = false
			c.Layers = addLayer(c.Layers, f.Category)
			c.Worst = max(c.Worst, f.Severity)
			if !slices.Contains(c.Findings, f.ID) {
				c.Findings = append(c.Findings, f.ID)
			}
		}
		slices.Sort(c.Findings)
	}
}

// AddFindings folds each finding into the cells of the pairs it names,
// "*" and lists expanded, names the matrix lacks and the cluster as a
// source left out, on random matrices and findings.
func TestAddFindingsByName(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 5))
	cats := []finding.Category{finding.API, finding.Network, finding.DNS, finding.Node}
	for round := range 300 {
		x := &Matrix{Tenants: []string{tenancy.Cluster}}
		for i := range 1 + r.IntN(8) {
			x.Tenants = append(x.Tenants, fmt.Sprintf("t%d", i))
		}
		for _, a := range x.Tenants {
			for _, b := range x.Tenants {
				if a != b {
					x.Cells = append(x.Cells, Cell{Source: a, Target: b, Isolated: true})
				}
			}
		}
		names := append(slices.Clone(x.Tenants), "gone", "*")
		pick := func() string { return names[r.IntN(len(names))] }
		list := func() []string {
			if r.IntN(2) == 0 {
				return nil
			}
			var out []string
			for range r.IntN(4) {
				out = append(out, names[r.IntN(len(names)-1)])
			}
			return out
		}
		var fs []finding.Finding
		for i := range r.IntN(12) {
			f := finding.Finding{ID: fmt.Sprintf("BH-T-%03d", r.IntN(5)), Category: cats[r.IntN(len(cats))],
				Severity: finding.Severity(r.IntN(5)), SourceTenant: pick(), TargetTenant: pick()}
			if i%5 == 0 {
				f.SourceTenant = ""
			}
			if f.SourceTenant == "*" {
				f.SourceTenants = list()
			}
			if f.TargetTenant == "*" {
				f.TargetTenants = list()
			}
			fs = append(fs, f)
		}
		want := &Matrix{Tenants: x.Tenants, Cells: slices.Clone(x.Cells)}
		addByName(want, fs)
		x.AddFindings(fs)
		if diff := cmp.Diff(want.Cells, x.Cells, cmp.AllowUnexported(Path{})); diff != "" {
			t.Fatalf("round %d (-by name +indexed):\n%s", round, diff)
		}
	}
}
