package analysis_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/bulkhead-dev/bulkhead/examples"
	"github.com/bulkhead-dev/bulkhead/internal/analysis"
	"github.com/bulkhead-dev/bulkhead/internal/load"
	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
	"github.com/bulkhead-dev/bulkhead/internal/tenancy"
)

// TestCoverage: the analyses Coverage says are incomplete, without running
// them, are those Run reports incomplete, narrowed to the names asked for.
func TestCoverage(t *testing.T) {
	cilium := snapshot.ConnectivityKinds[0].Gap(1)
	pods := snapshot.Gap{Resource: "pods", Reason: "forbidden"}
	for _, tc := range []struct {
		name  string
		gaps  []snapshot.Gap
		names []string
		want  []string
	}{
		{"complete", nil, nil, nil},
		{"a Cilium policy", []snapshot.Gap{cilium}, nil, []string{"network"}},
		{"a Cilium policy, network asked", []snapshot.Gap{cilium}, []string{"network"}, []string{"network"}},
		{"a Cilium policy, api asked", []snapshot.Gap{cilium}, []string{"api"}, nil},
		{"pods refused", []snapshot.Gap{pods}, nil, []string{"network", "dns", "node"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			snap, err := load.FS(examples.SeedCluster, "demo")
			if err != nil {
				t.Fatal(err)
			}
			snap.Normalize()
			snap.Gaps = append(snap.Gaps, tc.gaps...)
			got := analysis.Coverage(snap, analysis.Engines(), tc.names...)
			var names []string
			for _, a := range got {
				names = append(names, a.Name)
				if a.Status != analysis.Incomplete || len(a.Notes) == 0 {
					t.Errorf("%s: status %q, notes %q", a.Name, a.Status, a.Notes)
				}
			}
			if diff := cmp.Diff(tc.want, names); diff != "" {
				t.Errorf("incomplete analyses (-want +got):\n%s", diff)
			}
			ten, err := tenancy.Resolve(snap, tenancy.Config{})
			if err != nil {
				t.Fatal(err)
			}
			r := analysis.Run(analysis.NewFacts(snap, ten), analysis.Engines(), analysis.Options{})
			for _, a := range got {
				for _, b := range r.Analyses {
					if b.Name == a.Name {
						b.Findings = 0
						if diff := cmp.Diff(b, a); diff != "" {
							t.Errorf("Coverage and Run disagree on %s (-run +coverage):\n%s", a.Name, diff)
						}
					}
				}
			}
			if len(tc.names) == 0 && r.Incomplete() != (len(got) > 0) {
				t.Errorf("Run's report incomplete %v, Coverage %d analyses", r.Incomplete(), len(got))
			}
		})
	}
}
