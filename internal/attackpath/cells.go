package attackpath

import (
	"slices"

	"github.com/bulkhead-dev/bulkhead/internal/finding"
	"github.com/bulkhead-dev/bulkhead/internal/tenancy"
)

// AddFindings folds into the matrix every finding that names a source and
// a target tenant, so that a cell is never milder than a finding about its
// pair: the cell is breached, takes the finding's layer, its worst severity
// is at least the finding's, and it lists the finding's rule ID. "*" on
// either side means the tenants SourceTenants or TargetTenants list, or
// every tenant but the cluster's when they list none (a finding about the
// cluster tenant names it). The cluster tenant is never a source.
// Call it before Summarize, which drops isolated cells.
func (x *Matrix) AddFindings(fs []finding.Finding) {
	cells := x.cellIndex()
	var tenants []string // "*": every tenant; the cluster is named when meant
	for _, t := range x.Tenants {
		if t != tenancy.Cluster {
			tenants = append(tenants, t)
		}
	}
	expand := func(t string, set []string) []string {
		switch {
		case t == "*" && set != nil:
			return set
		case t == "*":
			return tenants
		}
		return []string{t}
	}
	changed := make([]bool, len(x.Cells)) // cells whose findings grew, to sort
	for _, f := range fs {
		if f.SourceTenant == "" || f.TargetTenant == "" {
			continue
		}
		for _, a := range expand(f.SourceTenant, f.SourceTenants) {
			if a == tenancy.Cluster {
				continue
			}
			for _, b := range expand(f.TargetTenant, f.TargetTenants) {
				i, ok := cells(a, b)
				if a == b || !ok {
					continue
				}
				c := &x.Cells[i]
				c.Isolated = false
				c.Layers = addLayer(c.Layers, f.Category)
				if f.Severity > c.Worst {
					c.Worst = f.Severity
				}
				if !slices.Contains(c.Findings, f.ID) {
					c.Findings = append(c.Findings[:len(c.Findings):len(c.Findings)], f.ID) // never into a shared array
					changed[i] = true
				}
			}
		}
	}
	for i, grew := range changed {
		if grew {
			slices.Sort(x.Cells[i].Findings)
		}
	}
}

// cellIndex returns a lookup of the cell of a pair. Cells come row by row
// (a source's cells together, targets in Tenants order): a pair is found
// from its source's first cell and its target's place, or else by a scan
// of the source's row.
func (x *Matrix) cellIndex() func(a, b string) (int, bool) {
	place := make(map[string]int, len(x.Tenants))
	for i, t := range x.Tenants {
		place[t] = i
	}
	type row struct{ start, end int }
	rows := map[string]row{}
	for i := 0; i < len(x.Cells); {
		j := i
		for j < len(x.Cells) && x.Cells[j].Source == x.Cells[i].Source {
			j++
		}
		rows[x.Cells[i].Source] = row{i, j}
		i = j
	}
	return func(a, b string) (int, bool) {
		r, ok := rows[a]
		pb, okb := place[b]
		if !ok || !okb {
			return 0, false
		}
		guess := r.start + pb
		if pb > place[a] {
			guess-- // a row leaves out the source itself
		}
		if guess >= r.start && guess < r.end && x.Cells[guess].Target == b {
			return guess, true
		}
		for i := r.start; i < r.end; i++ {
			if x.Cells[i].Target == b {
				return i, true
			}
		}
		return 0, false
	}
}
