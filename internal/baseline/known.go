package baseline

import (
	"slices"

	"github.com/bulkhead-dev/bulkhead/internal/analysis"
	"github.com/bulkhead-dev/bulkhead/internal/finding"
)

// knownFindings holds the findings of a report read before, by
// fingerprint, to tell which findings of a later report it already held.
type knownFindings map[string]*finding.Finding

func newKnown(old []finding.Finding) knownFindings {
	k := make(knownFindings, len(old))
	for i := range old {
		if fp := old[i].Fingerprint; fp != "" {
			k[fp] = &old[i]
		}
	}
	return k
}

// holds reports whether the findings read before hold f: one with its
// fingerprint, or one it narrows, the same finding from or to every
// tenant ("*") whose tenants, when listed, include f's (see narrows for
// the source side). A fix that closes
// a finding for all tenants but one (harden keeps a declared platform's
// flows) leaves that one, which is not new.
func (k knownFindings) holds(f *finding.Finding) bool {
	if f.Fingerprint == "" {
		return false
	}
	if k[f.Fingerprint] != nil {
		return true
	}
	for _, side := range [3][2]bool{{true, false}, {false, true}, {true, true}} {
		wide := *f
		if side[0] {
			if f.SourceTenant == "" || f.SourceTenant == "*" {
				continue
			}
			wide.SourceTenant = "*"
		}
		if side[1] {
			if f.TargetTenant == "" || f.TargetTenant == "*" {
				continue
			}
			wide.TargetTenant = "*"
		}
		o := k[analysis.Fingerprint(&wide)]
		if o == nil {
			continue
		}
		if side[0] && !narrows(f, o) {
			continue
		}
		if side[1] && len(o.TargetTenants) > 0 && !slices.Contains(o.TargetTenants, f.TargetTenant) {
			continue
		}
		return true
	}
	return false
}

// narrows reports whether f, from one tenant, is o, from "*", narrowed:
// o lists f's tenant, or lists none (every tenant); and f's subjects are
// o's, since a fingerprint from "*" leaves the subjects out, unless the
// check's findings are their tenants alone.
func narrows(f, o *finding.Finding) bool {
	if len(o.SourceTenants) > 0 && !slices.Contains(o.SourceTenants, f.SourceTenant) {
		return false
	}
	if analysis.TenantsOnly(f.ID) {
		return true
	}
	for _, s := range f.Subjects {
		if !slices.Contains(o.Subjects, s) {
			return false
		}
	}
	return true
}
