package baseline

import (
	"strings"

	"github.com/bulkhead-dev/bulkhead/internal/analysis"
	"github.com/bulkhead-dev/bulkhead/internal/finding"
	"github.com/bulkhead-dev/bulkhead/internal/tenancy"
)

// pair is an ordered pair of tenants.
type pair struct{ source, target string }

// breached is a report's breached tenant pairs at their worst severity,
// read from the matrix's grid (which has every pair, also when the JSON
// lists only the most severe cells) and its cells. The platform's
// exposure is no breach and is left out. A report without a matrix has
// none.
func breached(r *analysis.Report) map[pair]finding.Severity {
	out := map[pair]finding.Severity{}
	x := r.Isolation
	if x == nil {
		return out
	}
	platform := platformTenants(r)
	for i, row := range x.Grid {
		if i >= len(x.Tenants) || platform[x.Tenants[i]] {
			continue
		}
		for j := 0; j < len(row) && j < len(x.Tenants); j++ {
			if s := strings.IndexByte("ilmhc", row[j]); s >= 0 && i != j {
				raise(out, pair{x.Tenants[i], x.Tenants[j]}, finding.Severity(s))
			}
		}
	}
	for _, c := range x.Cells {
		if c.Breached() && !platform[c.Source] && c.Source != c.Target {
			raise(out, pair{c.Source, c.Target}, c.Worst)
		}
	}
	return out
}

// adminPaths is the worst severity of each tenant's path to
// cluster-admin, the platform's aside.
func adminPaths(r *analysis.Report) map[string]finding.Severity {
	out := map[string]finding.Severity{}
	if r.Isolation == nil {
		return out
	}
	platform := platformTenants(r)
	for _, p := range r.Isolation.AdminPaths {
		if !platform[p.From] {
			raise(out, p.From, p.Severity)
		}
	}
	return out
}

func platformTenants(r *analysis.Report) map[string]bool {
	out := map[string]bool{tenancy.Platform: true}
	for _, t := range r.Tenants {
		if t.Platform {
			out[t.Name] = true
		}
	}
	return out
}

func raise[K comparable](m map[K]finding.Severity, k K, s finding.Severity) {
	if w, ok := m[k]; !ok || s > w {
		m[k] = s
	}
}

// recount sets the report's summary from its findings.
func recount(r *analysis.Report) {
	r.Summary = map[string]int{}
	for _, f := range r.Findings {
		r.Summary[f.Severity.String()]++
	}
}
