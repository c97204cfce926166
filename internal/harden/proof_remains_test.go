package harden

import (
	"testing"

	"github.com/bulkhead-dev/bulkhead/internal/finding"
)

// TestRemainsAt: what remains after the safe objects, split into pairs,
// findings and paths to cluster-admin, adds up to what sets the exit code
// at every severity; on the demo, busybox's critical escape keeps both a
// pair and a finding at critical.
func TestRemainsAt(t *testing.T) {
	in := seedProofInput(t)
	p := in.prove(t, in.plan(t, Options{}))
	for _, s := range []finding.Severity{finding.Info, finding.Low, finding.Medium, finding.High, finding.Critical} {
		t.Run(s.String(), func(t *testing.T) {
			r := p.RemainsAt(s)
			if r.Total() != p.Remaining(s) {
				t.Errorf("%+v adds up to %d, Remaining says %d", r, r.Total(), p.Remaining(s))
			}
			if s == finding.Critical && (r.Pairs == 0 || r.Findings == 0) {
				t.Errorf("at critical %+v: want busybox's pair and finding", r)
			}
		})
	}
}
