package analysis

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/bulkhead-dev/bulkhead/internal/finding"
	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
	"github.com/bulkhead-dev/bulkhead/internal/tenancy"
)

// TestRunPhases: each analysis that runs, and the attack graph, is a
// phase that starts and ends around its work.
func TestRunPhases(t *testing.T) {
	snap := &snapshot.Snapshot{Source: "x"}
	ten, err := tenancy.Resolve(snap, tenancy.Config{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	engines := []Engine{
		{Name: "one", Category: finding.API, Run: func(*Facts) []finding.Finding { got = append(got, "run one"); return nil }},
		{Name: "absent", Category: finding.Node, Absent: "not built"},
	}
	phase := func(name string) func() {
		got = append(got, "start "+name)
		return func() { got = append(got, "end "+name) }
	}
	Run(NewFacts(snap, ten), engines, Options{Matrix: true, Phase: phase})
	want := []string{"start one", "run one", "end one", "start attack graph", "end attack graph"}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("phases (-want +got):\n%s", d)
	}
}
