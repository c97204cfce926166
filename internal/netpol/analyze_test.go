package netpol

import (
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/bulkhead-dev/bulkhead/internal/finding"
	"github.com/bulkhead-dev/bulkhead/internal/golden"
	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
	"github.com/bulkhead-dev/bulkhead/internal/tenancy"
)

func goldenJSON(t *testing.T, name string, got any) {
	t.Helper()
	data, err := json.MarshalIndent(got, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	golden.Check(t, filepath.Join("testdata", name), append(data, '\n'))
}

func resolveTenancy(t *testing.T, snap *snapshot.Snapshot) *tenancy.Tenancy {
	t.Helper()
	ten, err := tenancy.Resolve(snap, tenancy.Config{})
	if err != nil {
		t.Fatal(err)
	}
	return ten
}

func countIDs(fs []finding.Finding) map[string]int {
	c := map[string]int{}
	for _, f := range fs {
		c[f.ID]++
	}
	return c
}

func TestAnalyzeSeed(t *testing.T) {
	snap := seedSnapshot(t)
	fs := Analyze(snap, resolveTenancy(t, snap), DefaultOptions())
	// No IDMetadata: the demo has no nodes to place it on a cloud.
	want := map[string]int{
		IDCrossTenant:      4, // each of the 4 tenants reachable by all others
		IDNoDefaultIngress: 4,
		IDNoDefaultEgress:  4,
		IDHostNetwork:      1, // default/busybox
	}
	if d := cmp.Diff(want, countIDs(fs)); d != "" {
		t.Errorf("finding counts (-want +got):\n%s", d)
	}
	for _, f := range fs {
		if f.ID == IDCrossTenant && f.SourceTenant != "*" {
			t.Errorf("cross-tenant finding not aggregated: %+v", f)
		}
	}
	goldenJSON(t, "seed-findings.golden.json", fs)
}

// After default-deny ingress in network, nobody reaches network; the
// others still reach each other.
func TestAnalyzeSeedDenied(t *testing.T) {
	snap := seedSnapshot(t)
	snap.NetworkPolicies = append(snap.NetworkPolicies, networkingv1.NetworkPolicy{
		ObjectMeta: metav1.ObjectMeta{Namespace: "network", Name: "default-deny"},
		Spec:       networkingv1.NetworkPolicySpec{PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress}},
	})
	fs := Analyze(snap, resolveTenancy(t, snap), DefaultOptions())
	var targets []string
	for _, f := range fs {
		if f.ID == IDCrossTenant {
			targets = append(targets, f.SourceTenant+">"+f.TargetTenant)
		}
		if f.ID == IDNoDefaultIngress && f.TargetTenant == "network" {
			t.Errorf("network still reported without default deny")
		}
	}
	// default, test and test-namespace: each reached by every other
	// tenant but not by all three (network cannot be a target, but it is
	// still a source).
	want := []string{"*>default", "*>test", "*>test-namespace"}
	if d := cmp.Diff(want, sortedCopy(targets)); d != "" {
		t.Errorf("cross-tenant pairs (-want +got):\n%s", d)
	}
}

func sortedCopy(s []string) []string {
	out := append([]string(nil), s...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}
