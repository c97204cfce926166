package node

import (
	"os"
	"testing"

	"github.com/bulkhead-dev/bulkhead/internal/load"
	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
)

// testdata/multitenant.yaml holds a case of every finding; its golden file
// is the engine's whole output on it.
func TestMultitenantGolden(t *testing.T) {
	data, err := os.ReadFile("testdata/multitenant.yaml")
	if err != nil {
		t.Fatal(err)
	}
	snap := &snapshot.Snapshot{Source: "testdata/multitenant.yaml"}
	load.Bytes(snap, "testdata/multitenant.yaml", data)
	if len(snap.Problems) > 0 {
		t.Fatalf("fixture: %v", snap.Problems)
	}
	snap.Normalize()
	r := Analyze(snap, resolve(t, snap))
	goldenJSON(t, "multitenant.json", r.Findings)

	seen := map[string]bool{}
	for _, f := range r.Findings {
		seen[f.ID] = true
		if f.SourceTenant == "cluster" {
			t.Errorf("%s: a finding against the cluster tenant's own pods: %s", f.ID, f.Reason)
		}
	}
	for _, id := range []string{IDNodeEscape, IDHostAccess, IDWeakened, IDUnenforced, IDViolatesEnforced, IDViolatesBaseline, IDToken, IDRelabel} {
		if !seen[id] {
			t.Errorf("no %s finding", id)
		}
	}
}
