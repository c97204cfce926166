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
	index := map[[2]string]int{}
	for i, c := range x.Cells {
		index[[2]string{c.Source, c.Target}] = i
	}
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
	for _, f := range fs {
		if f.SourceTenant == "" || f.TargetTenant == "" {
			continue
		}
		for _, a := range expand(f.SourceTenant, f.SourceTenants) {
			if a == tenancy.Cluster {
				continue
			}
			for _, b := range expand(f.TargetTenant, f.TargetTenants) {
				i, ok := index[[2]string{a, b}]
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
					c.Findings = append(c.Findings, f.ID)
				}
			}
		}
	}
	for i := range x.Cells {
		slices.Sort(x.Cells[i].Findings)
	}
}
