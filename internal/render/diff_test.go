package render

import (
	"bytes"
	"testing"

	"github.com/bulkhead-dev/bulkhead/internal/baseline"
	"github.com/bulkhead-dev/bulkhead/internal/finding"
)

func severity(s finding.Severity) *finding.Severity { return &s }

// TestDiffText: pairs opened from isolation and from a milder severity, a
// path to cluster-admin, pairs closed to isolation and to a milder
// severity, findings and a note.
func TestDiffText(t *testing.T) {
	d := &baseline.Diff{
		Old: "old.json", New: "new.json",
		Opened: baseline.Changes{
			Pairs: []baseline.PairChange{
				{Source: "a", Target: "b", Was: severity(finding.Low), Now: severity(finding.Critical)},
				{Source: "c", Target: "b", Now: severity(finding.Medium)},
			},
			AdminPaths: []baseline.PairChange{{Source: "a", Target: baseline.AdminTarget, Now: severity(finding.High)}},
			Findings: []finding.Finding{{ID: "BH-API-002", Severity: finding.High, SourceTenant: "a", TargetTenant: "*",
				Reason: "User/eve can read pods in every namespace", Fingerprint: "0123456789abcdef0123456789abcdef"}},
		},
		Closed: baseline.Changes{
			Pairs: []baseline.PairChange{
				{Source: "b", Target: "a", Was: severity(finding.High)},
				{Source: "b", Target: "c", Was: severity(finding.High), Now: severity(finding.Info)},
			},
		},
		Notes: []string{"tenant pairs not compared: one report has no matrix (--matrix=false)"},
	}
	var b bytes.Buffer
	if err := DiffAs(&b, FormatText, d, TextOptions{Width: 80}); err != nil {
		t.Fatal(err)
	}
	goldenFile(t, "diff.txt", b.String())
}
