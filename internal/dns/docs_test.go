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
			fs := analyze(t, snap)
			for _, f := range fs {
				seen[f.ID] = true
			}
			for _, problem := range finding.DocProblems(table, fs) {
				t.Error(problem)
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
