package dns

import (
	"os"
	"testing"

	"github.com/bulkhead-dev/bulkhead/internal/finding"
	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
)

// Every check is in the table of docs/checks/network.md, and every finding
// the test clusters produce has a severity its row names.
func TestDocumentedChecks(t *testing.T) {
	doc, err := os.ReadFile("../../docs/checks/network.md")
	if err != nil {
		t.Fatal(err)
	}
	table := finding.DocTable(doc)
	ids := []string{IDPodRecords, IDReverseZones, IDHeadlessService}
	clusters := map[string]*snapshot.Snapshot{
		"pods insecure": dnsCluster(".:53 {\n kubernetes cluster.local in-addr.arpa {\n  pods insecure\n }\n}\n"),
		"pods verified": dnsCluster(".:53 {\n kubernetes cluster.local {\n  pods verified\n }\n}\n"),
	}
	seen := map[string]bool{}
	for name, snap := range clusters {
		t.Run(name, func(t *testing.T) {
			for _, f := range analyze(t, snap) {
				seen[f.ID] = true
				if _, err := f.Rule(); err != nil {
					t.Errorf("%v: %s", err, f.Reason)
				}
				sev, ok := table[f.ID]
				if !ok {
					t.Errorf("%s is not documented", f.ID)
					continue
				}
				if !f.Severity.Names(sev) {
					t.Errorf("%s emitted at %s, documented as %q: %s", f.ID, f.Severity, sev, f.Reason)
				}
			}
		})
	}
	for _, id := range ids {
		if _, ok := table[id]; !ok {
			t.Errorf("docs/checks/network.md does not document %s", id)
		}
		if !seen[id] {
			t.Errorf("no test cluster produces %s", id)
		}
	}
}
