package node

import (
	"math/rand"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/bulkhead-dev/bulkhead/internal/finding"
	"github.com/bulkhead-dev/bulkhead/internal/node/podgen"
)

// sortFindings must agree with finding.Sort, the order every engine
// promises.
func TestSortFindingsMatchesFindingSort(t *testing.T) {
	snap := podgen.Cluster(3, podgen.Size{Namespaces: 40, Pods: 2000, Nodes: 10, Live: true, Unusual: 30})
	fs := Analyze(snap, resolve(t, snap)).Findings
	if len(fs) < 50 {
		t.Fatalf("only %d findings: the test needs more", len(fs))
	}
	rng := rand.New(rand.NewSource(1))
	rng.Shuffle(len(fs), func(i, j int) { fs[i], fs[j] = fs[j], fs[i] })
	want := append([]finding.Finding(nil), fs...)
	finding.Sort(want)
	sortFindings(fs)
	if diff := cmp.Diff(want, fs); diff != "" {
		t.Errorf("order differs from finding.Sort (-want +got):\n%s", diff)
	}
}
