package baseline

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/bulkhead-dev/bulkhead/internal/finding"
)

func sev(s finding.Severity) *finding.Severity { return &s }

// TestCompare: a pair opened, one worse, one closed, one milder; a path to
// cluster-admin opened; findings by fingerprint; and the exit gate counts
// only what opened.
func TestCompare(t *testing.T) {
	was := report([]string{"-h.", "c-.", "m.-"}, map[string]finding.Severity{"b": finding.Critical},
		fnd("BH-NET-001", finding.High, "01"), fnd("BH-API-002", finding.Critical, "02"))
	now := report([]string{"-hl", ".-.", "c.-"}, map[string]finding.Severity{"a": finding.High, "b": finding.Critical},
		fnd("BH-NET-001", finding.Low, "01"), fnd("BH-NODE-001", finding.Medium, "03"))
	d := Compare(was, now)
	wantOpened := []PairChange{
		{Source: "c", Target: "a", Was: sev(finding.Medium), Now: sev(finding.Critical)},
		{Source: "a", Target: "c", Now: sev(finding.Low)},
	}
	wantClosed := []PairChange{{Source: "b", Target: "a", Was: sev(finding.Critical)}}
	if diff := cmp.Diff(wantOpened, d.Opened.Pairs); diff != "" {
		t.Errorf("opened pairs (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(wantClosed, d.Closed.Pairs); diff != "" {
		t.Errorf("closed pairs (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]PairChange{{Source: "a", Target: AdminTarget, Now: sev(finding.High)}}, d.Opened.AdminPaths); diff != "" {
		t.Errorf("opened paths to cluster-admin (-want +got):\n%s", diff)
	}
	if len(d.Closed.AdminPaths) != 0 {
		t.Errorf("closed paths to cluster-admin %v", d.Closed.AdminPaths)
	}
	ids := func(fs []finding.Finding) (out []string) {
		for _, f := range fs {
			out = append(out, f.Fingerprint)
		}
		return out
	}
	if diff := cmp.Diff([]string{"03"}, ids(d.Opened.Findings)); diff != "" {
		t.Errorf("opened findings (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"02"}, ids(d.Closed.Findings)); diff != "" {
		t.Errorf("closed findings (-want +got):\n%s", diff)
	}
	for _, tc := range []struct {
		failOn finding.Severity
		want   int
	}{
		{finding.Critical, 1},     // c → a
		{finding.High, 2},         // and a's path to cluster-admin
		{finding.Medium, 3},       // and BH-NODE-001
		{finding.Low, 4},          // and a → c
		{finding.Critical + 1, 0}, // none
	} {
		if n := d.OpenedAtOrAbove(tc.failOn); n != tc.want {
			t.Errorf("OpenedAtOrAbove(%s) = %d, want %d", tc.failOn, n, tc.want)
		}
	}
	// Closing alone opens nothing.
	if n := Compare(now, report([]string{"-..", ".-.", "..-"}, nil)).OpenedAtOrAbove(finding.Info); n != 0 {
		t.Errorf("a cleaner report opened %d", n)
	}
}

func TestCompareWithoutMatrix(t *testing.T) {
	was := report([]string{"-h.", "c-.", "m.-"}, nil)
	now := report(nil, nil)
	now.Isolation = nil
	d := Compare(was, now)
	if len(d.Opened.Pairs)+len(d.Closed.Pairs) != 0 || len(d.Notes) != 1 {
		t.Errorf("pairs %v %v, notes %v", d.Opened.Pairs, d.Closed.Pairs, d.Notes)
	}
}
