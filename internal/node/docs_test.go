package node

import (
	"os"
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/bulkhead-dev/bulkhead/examples"
	"github.com/bulkhead-dev/bulkhead/internal/finding"
	"github.com/bulkhead-dev/bulkhead/internal/load"
	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
)

// nodeCheckTable reads the table of docs/checks/node.md: ID -> severity
// column.
func nodeCheckTable(t *testing.T) map[string]string {
	t.Helper()
	doc, err := os.ReadFile("../../docs/checks/node.md")
	if err != nil {
		t.Fatal(err)
	}
	return finding.DocTable(doc)
}

// Every finding ID is documented, and every finding the test clusters
// produce has a severity its row of docs/checks/node.md names.
func TestDocumentedSeverities(t *testing.T) {
	doc := nodeCheckTable(t)
	ids := []string{IDNodeEscape, IDHostAccess, IDWeakened, IDUnenforced, IDViolatesEnforced, IDViolatesBaseline, IDToken, IDRelabel}
	for _, id := range ids {
		if _, ok := doc[id]; !ok {
			t.Errorf("docs/checks/node.md does not document %s", id)
		}
	}
	fromFile := func(path string) *snapshot.Snapshot {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		snap := &snapshot.Snapshot{}
		load.Bytes(snap, path, data)
		snap.Normalize()
		return snap
	}
	seed, err := load.FS(examples.SeedCluster, "demo")
	if err != nil {
		t.Fatal(err)
	}
	seed.Normalize()
	clusters := []struct {
		name string
		snap *snapshot.Snapshot
	}{
		{"seed", seed},
		{"multitenant", fromFile("testdata/multitenant.yaml")},
		{"refused", refusedSnapshot(t)},
		{"non-root hostPath alone", &snapshot.Snapshot{Namespaces: []corev1.Namespace{namespace("a", nil)},
			Pods: []corev1.Pod{newPod("a", "etc", hostPathVolume("h", "/etc", true), nodeExporter)}}},
		{"non-root hostPath beside a tenant", &snapshot.Snapshot{Namespaces: []corev1.Namespace{namespace("a", nil), namespace("b", nil)},
			Pods: []corev1.Pod{newPod("a", "root", hostPathVolume("h", "/", true), nodeExporter), newPod("b", "app")}}},
	}
	for _, c := range clusters {
		t.Run(c.name, func(t *testing.T) {
			for _, problem := range finding.DocProblems(doc, Analyze(c.snap, resolve(t, c.snap)).Findings) {
				t.Error(problem)
			}
		})
	}
}
