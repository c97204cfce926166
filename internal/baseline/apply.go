package baseline

import (
	"cmp"
	"slices"

	"github.com/bulkhead-dev/bulkhead/internal/analysis"
	"github.com/bulkhead-dev/bulkhead/internal/finding"
	"github.com/bulkhead-dev/bulkhead/internal/tenancy"
)

// AdminTarget names cluster-admin as the target of a tenant's path to it.
const AdminTarget = "cluster-admin"

// Apply narrows r to what is new since old, the baseline read from file:
// the findings old holds (by fingerprint, or a finding of old from or to
// every tenant that they narrow) leave Findings and Summary; a
// breached pair or a tenant's path to cluster-admin is new unless old has
// it at the same or a higher severity. r.Baseline counts what was left
// out and lists the new pairs, which alone reach the gate
// (analysis.Report.AtOrAbove).
func Apply(r, old *analysis.Report, file string) {
	b := &analysis.Baseline{File: file, NewPairs: []analysis.TenantPair{}, NewAdminPaths: []analysis.TenantPair{}}
	known := newKnown(old.Findings)
	kept := []finding.Finding{}
	for _, f := range r.Findings {
		if known.holds(&f) {
			b.Findings++
			continue
		}
		kept = append(kept, f)
	}
	r.Findings = kept
	recount(r)
	if x := r.Isolation; x != nil {
		was := breached(old)
		for i := range x.Cells {
			c := &x.Cells[i]
			if !c.Breached() {
				continue
			}
			if w, ok := was[pair{c.Source, c.Target}]; ok && w >= c.Worst {
				b.Pairs++
				continue
			}
			b.NewPairs = append(b.NewPairs, analysis.TenantPair{Source: c.Source, Target: c.Target, Worst: c.Worst})
		}
		wasAdmin := adminPaths(old)
		for _, p := range x.AdminPaths {
			if p.From == tenancy.Platform {
				continue
			}
			if w, ok := wasAdmin[p.From]; ok && w >= p.Severity {
				b.AdminPaths++
				continue
			}
			b.NewAdminPaths = append(b.NewAdminPaths, analysis.TenantPair{Source: p.From, Target: AdminTarget, Worst: p.Severity})
		}
	}
	sortPairs(b.NewPairs)
	sortPairs(b.NewAdminPaths)
	r.Baseline = b
}

// sortPairs orders pairs worst first, then by source and target.
func sortPairs(ps []analysis.TenantPair) {
	slices.SortStableFunc(ps, func(a, b analysis.TenantPair) int {
		if a.Worst != b.Worst {
			return cmp.Compare(b.Worst, a.Worst)
		}
		return cmp.Or(cmp.Compare(a.Source, b.Source), cmp.Compare(a.Target, b.Target))
	})
}
