package baseline

import (
	"github.com/bulkhead-dev/bulkhead/internal/analysis"
	"github.com/bulkhead-dev/bulkhead/internal/attackpath"
	"github.com/bulkhead-dev/bulkhead/internal/finding"
)

// fnd is a finding with a fingerprint of its own.
func fnd(id string, s finding.Severity, fp string) finding.Finding {
	return finding.Finding{ID: id, Severity: s, SourceTenant: "a", TargetTenant: "b", Reason: id + " " + fp, Fingerprint: fp,
		Objects: []finding.Ref{{Kind: "Pod", Namespace: "b", Name: "web"}}}
}

// report is a report of tenants a, b and c whose matrix is drawn by grid
// (rows from a, b, c; see attackpath.GridLegend), with a cell per reached
// pair and paths to cluster-admin from the tenants of admin.
func report(grid []string, admin map[string]finding.Severity, fs ...finding.Finding) *analysis.Report {
	tenants := []string{"a", "b", "c"}
	x := &attackpath.Matrix{Tenants: tenants, Grid: grid}
	for i, row := range grid {
		for j := range row {
			if s := "ilmhc"; i != j && row[j] != '.' {
				for k := range s {
					if s[k] == row[j] {
						x.Cells = append(x.Cells, attackpath.Cell{Source: tenants[i], Target: tenants[j], Worst: finding.Severity(k)})
					}
				}
			}
		}
	}
	for _, t := range tenants {
		if s, ok := admin[t]; ok {
			x.AdminPaths = append(x.AdminPaths, attackpath.Path{From: t, Severity: s})
		}
	}
	r := &analysis.Report{SchemaVersion: analysis.SchemaVersion, Isolation: x, Findings: fs, Summary: map[string]int{}}
	for _, f := range fs {
		r.Summary[f.Severity.String()]++
	}
	return r
}
