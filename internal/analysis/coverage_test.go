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

// TestCoverageOfFactsHasCaveats: an address block against pods of another
// tenant that the input gives no address makes the network analysis
// incomplete, in Run's report and in Facts.Coverage alike (Coverage of the
// snapshot alone, which compiles nothing, cannot tell).
func TestCoverageOfFactsHasCaveats(t *testing.T) {
	l := load.New("test", load.Options{})
	l.Bytes("cluster.yaml", []byte(`apiVersion: v1
kind: Namespace
metadata: {name: a}
---
apiVersion: v1
kind: Namespace
metadata: {name: b}
---
apiVersion: v1
kind: Pod
metadata: {name: client, namespace: a}
spec: {containers: [{name: c, image: x}]}
---
apiVersion: v1
kind: Pod
metadata: {name: db, namespace: b}
spec: {containers: [{name: c, image: x, ports: [{containerPort: 5432}]}]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: internal-only, namespace: b}
spec:
  podSelector: {}
  policyTypes: [Ingress]
  ingress: [{from: [{ipBlock: {cidr: 10.0.0.0/8}}]}]
`))
	snap, _, err := l.Result()
	if err != nil {
		t.Fatal(err)
	}
	snap.Normalize()
	ten, err := tenancy.Resolve(snap, tenancy.Config{})
	if err != nil {
		t.Fatal(err)
	}
	facts := analysis.NewFacts(snap, ten)
	got := facts.Coverage(analysis.Engines())
	if len(got) != 1 || got[0].Name != "network" || got[0].Status != analysis.Incomplete || len(got[0].Notes) != 1 {
		t.Fatalf("coverage %+v, want network incomplete with one note", got)
	}
	r := analysis.Run(facts, analysis.Engines(), analysis.Options{})
	for _, a := range r.Analyses {
		if a.Name == "network" && (a.Status != analysis.Incomplete || !cmp.Equal(a.Notes, got[0].Notes)) {
			t.Errorf("Run's network analysis %+v, coverage %+v", a, got[0])
		}
	}
	if !r.Incomplete() {
		t.Error("the report is not incomplete")
	}
}
