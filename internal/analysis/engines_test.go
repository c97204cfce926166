package analysis

import (
	"slices"
	"testing"

	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
)

// TestNeedsNameGaps: every resource an engine needs is named as a
// snapshot's gaps name it (a kind of snapshot.Kinds, a connectivity kind,
// or the CoreDNS ConfigMap), so that a refused list marks the engines that
// needed it incomplete.
func TestNeedsNameGaps(t *testing.T) {
	known := append([]string{"configmaps/kube-system/coredns"}, snapshot.ConnectivityResources()...)
	for _, k := range snapshot.Kinds {
		known = append(known, k.GapResource())
	}
	for _, want := range []string{"pods", "roles.rbac.authorization.k8s.io", "endpointslices.discovery.k8s.io", "adminnetworkpolicies.policy.networking.k8s.io"} {
		if !slices.Contains(known, want) {
			t.Errorf("no kind names its gaps %q", want)
		}
	}
	for _, e := range Engines() {
		if len(e.Needs) == 0 {
			t.Errorf("engine %s needs nothing", e.Name)
		}
		for _, n := range e.Needs {
			if !slices.Contains(known, n) {
				t.Errorf("engine %s needs %q, which no gap can name", e.Name, n)
			}
		}
	}
}
