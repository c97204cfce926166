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
	var tenants []int // "*": every tenant; the cluster is named when meant
	for i, t := range x.Tenants {
		if t != tenancy.Cluster {
			tenants = append(tenants, i)
		}
	}
	// Tenants by their place in x.Tenants, -1 for one the matrix lacks.
	var buf [2][]int
	expand := func(side int, t string, set []string) []int {
		switch {
		case t == "*" && set == nil:
			return tenants
		case t != "*":
			set = []string{t}
		}
		buf[side] = buf[side][:0]
		for _, name := range set {
			buf[side] = append(buf[side], cells.place(name))
		}
		return buf[side]
	}
	cluster := cells.place(tenancy.Cluster)
	changed := make([]bool, len(x.Cells)) // cells whose findings grew, to sort
	for _, f := range fs {
		if f.SourceTenant == "" || f.TargetTenant == "" {
			continue
		}
		for _, a := range expand(0, f.SourceTenant, f.SourceTenants) {
			if a < 0 || a == cluster {
				continue
			}
			for _, b := range expand(1, f.TargetTenant, f.TargetTenants) {
				i, ok := cells.cell(a, b)
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

// cellIndex is a lookup of the cell of a pair of tenants, by their places
// in Matrix.Tenants. Cells come row by row (a source's cells together,
// targets in Tenants order): a pair is found from its source's first cell
// and its target's place, or else by a scan of the source's row.
type cellIndex struct {
	x      *Matrix
	places map[string]int
	rows   [][2]int // by source place: its cells, [start, end); empty when it has none
}

func (x *Matrix) cellIndex() *cellIndex {
	c := &cellIndex{x: x, places: make(map[string]int, len(x.Tenants)), rows: make([][2]int, len(x.Tenants))}
	for i, t := range x.Tenants {
		c.places[t] = i
	}
	for i := 0; i < len(x.Cells); {
		j := i
		for j < len(x.Cells) && x.Cells[j].Source == x.Cells[i].Source {
			j++
		}
		if p, ok := c.places[x.Cells[i].Source]; ok {
			c.rows[p] = [2]int{i, j}
		}
		i = j
	}
	return c
}

// place is a tenant's place in Matrix.Tenants, -1 when it has none.
func (c *cellIndex) place(t string) int {
	if p, ok := c.places[t]; ok {
		return p
	}
	return -1
}

// cell returns the index of the cell from the tenant at place a to the
// one at place b.
func (c *cellIndex) cell(a, b int) (int, bool) {
	if a < 0 || b < 0 {
		return 0, false
	}
	r, target := c.rows[a], c.x.Tenants[b]
	guess := r[0] + b
	if b > a {
		guess-- // a row leaves out the source itself
	}
	if guess >= r[0] && guess < r[1] && c.x.Cells[guess].Target == target {
		return guess, true
	}
	for i := r[0]; i < r[1]; i++ {
		if c.x.Cells[i].Target == target {
			return i, true
		}
	}
	return 0, false
}
