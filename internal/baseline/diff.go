package baseline

import (
	"cmp"
	"slices"
	"strings"

	"github.com/bulkhead-dev/bulkhead/internal/analysis"
	"github.com/bulkhead-dev/bulkhead/internal/finding"
)

// DiffSchemaVersion versions `bulkhead diff -o json` (docs/report-schema.md).
const DiffSchemaVersion = "bulkhead.dev/diff/v1alpha1"

// Diff is what opened and what closed between two reports.
type Diff struct {
	SchemaVersion string `json:"schemaVersion"`
	// Version is bulkhead's own version; the command sets it.
	Version string `json:"bulkheadVersion"`
	// Old and New are the reports as the command was given them.
	Old    string  `json:"old"`
	New    string  `json:"new"`
	Opened Changes `json:"opened"`
	Closed Changes `json:"closed"`
	// Notes say what could not be compared (a report without a matrix, a
	// report narrowed to some checks or a tenant, reports of clusters
	// without a tenant in common).
	Notes []string `json:"notes,omitempty"`
	// Incomplete lists the analyses of the new report that ran on partial
	// input or did not run, with why: what it shows closed or isolated may
	// not be (diff exits 5 when nothing opened).
	Incomplete []string `json:"incomplete,omitempty"`
}

// Changes are the pairs and findings that opened, or closed.
type Changes struct {
	// Pairs are breached tenant pairs and AdminPaths tenants' paths to
	// cluster-admin, worst first.
	Pairs      []PairChange `json:"pairs"`
	AdminPaths []PairChange `json:"adminPaths"`
	// Findings are by fingerprint, worst first.
	Findings []finding.Finding `json:"findings"`
}

// PairChange is a tenant pair (or a tenant's path to cluster-admin) whose
// verdict changed: opened when it is breached now and was not, or was at a
// lower severity; closed when it was breached and is not, or is at a lower
// severity. Was and Now are nil when the pair was or is not breached.
type PairChange struct {
	Source string            `json:"source"`
	Target string            `json:"target"`
	Was    *finding.Severity `json:"was,omitempty"`
	Now    *finding.Severity `json:"now,omitempty"`
}

// Worst is the higher of the pair's severities before and after.
func (p PairChange) Worst() finding.Severity {
	switch {
	case p.Was == nil && p.Now == nil:
		return finding.Info
	case p.Was == nil:
		return *p.Now
	case p.Now == nil:
		return *p.Was
	}
	return max(*p.Was, *p.Now)
}

// Compare tells what opened and closed from the report was to the report
// now.
func Compare(was, now *analysis.Report) *Diff {
	d := &Diff{SchemaVersion: DiffSchemaVersion}
	d.Opened.Findings, d.Closed.Findings = findingChanges(was.Findings, now.Findings), findingChanges(now.Findings, was.Findings)
	switch {
	case was.Isolation == nil && now.Isolation == nil:
		d.Notes = append(d.Notes, "tenant pairs not compared: neither report has the matrix (--matrix=false)")
	case was.Isolation == nil || now.Isolation == nil:
		d.Notes = append(d.Notes, "tenant pairs not compared: one report has no matrix (--matrix=false)")
	default:
		d.Opened.Pairs, d.Closed.Pairs = pairChanges(breached(was), breached(now))
		a, b := adminPaths(was), adminPaths(now)
		d.Opened.AdminPaths, d.Closed.AdminPaths = pairChanges(adminKeyed(a), adminKeyed(b))
	}
	if was.Selection != nil || now.Selection != nil {
		d.Notes = append(d.Notes, "a report was narrowed by --tenant, --checks or --skip-checks: what it left out shows as opened or closed")
	}
	if SharesNoTenant(was, now) {
		d.Notes = append(d.Notes, "the reports have no tenant in common: they are of other clusters or tenancies, so everything shows as opened or closed")
	}
	if was.Incomplete() && !now.Incomplete() {
		d.Notes = append(d.Notes, "the old report stands on incomplete input: what it showed isolated may not have been, so what opened may have been open before")
	}
	for _, a := range now.Analyses {
		if a.Status != analysis.Ran {
			why := a.Name + " " + a.Status
			if len(a.Notes) > 0 {
				why += ": " + strings.Join(a.Notes, "; ")
			}
			d.Incomplete = append(d.Incomplete, why)
		}
	}
	for _, c := range []*Changes{&d.Opened, &d.Closed} {
		c.Pairs = nonNil(c.Pairs)
		c.AdminPaths = nonNil(c.AdminPaths)
	}
	return d
}

// OpenedAtOrAbove counts what opened at or above a severity: findings, breached
// pairs and tenants' paths to cluster-admin.
func (d *Diff) OpenedAtOrAbove(s finding.Severity) int {
	n := 0
	for _, f := range d.Opened.Findings {
		if f.Severity >= s {
			n++
		}
	}
	for _, ps := range [][]PairChange{d.Opened.Pairs, d.Opened.AdminPaths} {
		for _, p := range ps {
			if p.Now != nil && *p.Now >= s {
				n++
			}
		}
	}
	return n
}

// findingChanges are the findings of now that was does not hold (by
// fingerprint, or a finding from or to every tenant they narrow), worst
// first.
func findingChanges(was, now []finding.Finding) []finding.Finding {
	known := newKnown(was)
	out := []finding.Finding{}
	for _, f := range now {
		if !known.holds(&f) {
			out = append(out, f)
		}
	}
	finding.Sort(out)
	return out
}

func adminKeyed(m map[string]finding.Severity) map[pair]finding.Severity {
	out := make(map[pair]finding.Severity, len(m))
	for t, s := range m {
		out[pair{t, AdminTarget}] = s
	}
	return out
}

// pairChanges splits the pairs whose verdict changed into opened and
// closed, each worst first.
func pairChanges(was, now map[pair]finding.Severity) (opened, closed []PairChange) {
	sev := func(m map[pair]finding.Severity, k pair) *finding.Severity {
		if s, ok := m[k]; ok {
			return &s
		}
		return nil
	}
	keys := map[pair]bool{}
	for k := range was {
		keys[k] = true
	}
	for k := range now {
		keys[k] = true
	}
	for k := range keys {
		c := PairChange{Source: k.source, Target: k.target, Was: sev(was, k), Now: sev(now, k)}
		switch {
		case c.Now != nil && (c.Was == nil || *c.Was < *c.Now):
			opened = append(opened, c)
		case c.Was != nil && (c.Now == nil || *c.Now < *c.Was):
			closed = append(closed, c)
		}
	}
	sortChanges(opened)
	sortChanges(closed)
	return opened, closed
}

func sortChanges(cs []PairChange) {
	slices.SortFunc(cs, func(a, b PairChange) int {
		if a.Worst() != b.Worst() {
			return cmp.Compare(b.Worst(), a.Worst())
		}
		return cmp.Or(cmp.Compare(a.Source, b.Source), cmp.Compare(a.Target, b.Target))
	})
}

func nonNil(cs []PairChange) []PairChange {
	if cs == nil {
		return []PairChange{}
	}
	return cs
}
