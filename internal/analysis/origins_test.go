package analysis

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
	"github.com/bulkhead-dev/bulkhead/internal/tenancy"
)

// TestRunKeepsOrigins checks that the report carries where the snapshot's
// objects were read, for SARIF, and that the JSON report does not.
func TestRunKeepsOrigins(t *testing.T) {
	snap := &snapshot.Snapshot{Source: "x", Origins: snapshot.Origins{{Kind: "Pod", Namespace: "a", Name: "web"}: {File: "pods.yaml", Line: 7}}}
	ten, err := tenancy.Resolve(snap, tenancy.Config{})
	if err != nil {
		t.Fatal(err)
	}
	r := Run(NewFacts(snap, ten), nil, Options{})
	if at, ok := r.Origins.Of("Pod", "a", "web"); !ok || at != (snapshot.Origin{File: "pods.yaml", Line: 7}) {
		t.Errorf("report's origin of pod a/web: %v, %v", at, ok)
	}
	js, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(js), "pods.yaml") {
		t.Errorf("the JSON report carries origins: %s", js)
	}
}
