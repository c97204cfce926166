package analysis

import (
	"testing"

	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
	"github.com/bulkhead-dev/bulkhead/internal/tenancy"
)

// TestRunCarriesAssumedAndWarnings: what the snapshot assumed and noted
// reaches the report; nothing assumed is no field at all.
func TestRunCarriesAssumedAndWarnings(t *testing.T) {
	for _, tc := range []struct {
		name    string
		assumed snapshot.Assumed
		want    bool
	}{
		{"assumed", snapshot.Assumed{Version: "v1.32", Roles: 60, Bindings: 50}, true},
		{"none", snapshot.Assumed{}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			snap := &snapshot.Snapshot{Source: "x", Assumed: tc.assumed, Warnings: []snapshot.Problem{{Where: "a", Message: "b"}}}
			ten, err := tenancy.Resolve(snap, tenancy.Config{})
			if err != nil {
				t.Fatal(err)
			}
			r := Run(NewFacts(snap, ten), nil, Options{})
			if (r.Assumed != nil) != tc.want || (tc.want && *r.Assumed != tc.assumed) {
				t.Errorf("Assumed = %v, want %v", r.Assumed, tc.assumed)
			}
			if len(r.Warnings) != 1 {
				t.Errorf("warnings %v", r.Warnings)
			}
		})
	}
}
