package audit

import (
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/bulkhead-dev/bulkhead/internal/analysis"
	"github.com/bulkhead-dev/bulkhead/internal/attackpath"
	"github.com/bulkhead-dev/bulkhead/internal/finding"
	"github.com/bulkhead-dev/bulkhead/internal/tenancy"
)

// selection is what --tenant, --checks and --skip-checks keep of a report.
type selection struct {
	tenant string
	checks []string
	skip   []string
}

// apply narrows the report in place: the findings of the selected checks
// that involve the tenant (as source or target, "*" included), the
// tenant's row and column of the matrix, and the summary recounted.
func (s selection) apply(r *analysis.Report) error {
	if s.tenant == "" && len(s.checks) == 0 && len(s.skip) == 0 {
		return nil
	}
	if s.tenant != "" && !slices.ContainsFunc(r.Tenants, func(t tenancy.Tenant) bool { return t.Name == s.tenant }) {
		var names []string
		for _, t := range r.Tenants {
			names = append(names, t.Name)
			if slices.Contains(t.Namespaces, s.tenant) {
				return fmt.Errorf("--tenant %q: no such tenant; namespace %s belongs to tenant %s (--tenant %[3]s)", s.tenant, s.tenant, t.Name)
			}
		}
		return fmt.Errorf("--tenant %q: no such tenant (tenants: %s)", s.tenant, strings.Join(names, ", "))
	}
	known := knownChecks()
	for _, f := range r.Findings {
		known = append(known, f.ID)
	}
	slices.Sort(known)
	known = slices.Compact(known)
	for _, flag := range []struct {
		name     string
		patterns []string
	}{{"--checks", s.checks}, {"--skip-checks", s.skip}} {
		for _, p := range flag.patterns {
			if err := matchesSome(p, known); err != nil {
				return fmt.Errorf("%s: %w", flag.name, err)
			}
		}
	}
	kept := []finding.Finding{}
	for _, f := range r.Findings {
		if s.keeps(&f) {
			kept = append(kept, f)
		}
	}
	r.Findings = kept
	r.Summary = map[string]int{}
	for _, f := range r.Findings {
		r.Summary[f.Severity.String()]++
	}
	if s.tenant != "" && r.Isolation != nil {
		focus(r.Isolation, s.tenant)
	}
	r.Selection = &analysis.Selection{Tenant: s.tenant, Checks: s.checks, SkipChecks: s.skip}
	return nil
}

// matchesSome checks a --checks pattern: an ID or a glob (BH-NET-*) that
// names at least one known check.
func matchesSome(pattern string, known []string) error {
	for _, id := range known {
		ok, err := path.Match(strings.ToUpper(pattern), id)
		if err != nil {
			return fmt.Errorf("%q: %w", pattern, err)
		}
		if ok {
			return nil
		}
	}
	return fmt.Errorf("unknown check %q (known: %s)", pattern, strings.Join(known, ", "))
}

func matchAny(patterns []string, id string) bool {
	for _, p := range patterns {
		if ok, _ := path.Match(strings.ToUpper(p), id); ok {
			return true
		}
	}
	return false
}

func (s selection) keeps(f *finding.Finding) bool {
	if len(s.checks) > 0 && !matchAny(s.checks, f.ID) {
		return false
	}
	if matchAny(s.skip, f.ID) {
		return false
	}
	if s.tenant == "" {
		return true
	}
	return f.SourceTenant == s.tenant || f.TargetTenant == s.tenant || f.SourceTenant == "*" || f.TargetTenant == "*"
}

// focus keeps one tenant's row and column of the matrix, its paths to
// cluster-admin and the users and groups that reach it or belong to it.
func focus(x *attackpath.Matrix, tenant string) {
	cells := []attackpath.Cell{}
	for _, c := range x.Cells {
		if c.Source == tenant || c.Target == tenant {
			cells = append(cells, c)
		}
	}
	x.Cells = cells
	var admin []attackpath.Path
	for _, p := range x.AdminPaths {
		if p.From == tenant {
			admin = append(admin, p)
		}
	}
	x.AdminPaths = admin
	var subjects []attackpath.SubjectReach
	for _, r := range x.Subjects {
		if r.Home == tenant || slices.Contains(r.Tenants, tenant) {
			subjects = append(subjects, r)
		}
	}
	x.Subjects = subjects
}
