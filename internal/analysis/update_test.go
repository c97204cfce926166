package analysis

import (
	"encoding/json"
	"fmt"
	"math/rand"
	"reflect"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/bulkhead-dev/bulkhead/examples"
	"github.com/bulkhead-dev/bulkhead/internal/analysis/analysistest"
	"github.com/bulkhead-dev/bulkhead/internal/load"
	"github.com/bulkhead-dev/bulkhead/internal/node"
	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
	"github.com/bulkhead-dev/bulkhead/internal/tenancy"
)

// Incremental re-analysis is exact: after each change of a random
// sequence (pods, controllers, NetworkPolicies, bindings, roles, Services,
// Secrets, the Corefile, namespace labels), the report of facts updated
// from the previous ones equals, byte for byte, the report of facts built
// afresh. An engine that reads a resource its Reads does not declare
// keeps stale facts and fails it. It runs with each namespace its own
// tenant, where a namespace's new labels never move it, and with tenants
// by a label the changes set, where they do: the engines that read no
// namespace labels must keep their facts in the first case only.
func TestUpdateEqualsFullAnalysis(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  tenancy.Config
	}{
		{"each namespace a tenant", tenancy.Config{}},
		{"tenants by label", tenancy.Config{Label: "zone"}},
	} {
		t.Run(tc.name, func(t *testing.T) { testUpdate(t, tc.cfg) })
	}
}

func testUpdate(t *testing.T, cfg tenancy.Config) {
	const changes = 1000
	demo, err := load.FS(examples.SeedCluster, "demo")
	if err != nil {
		t.Fatal(err)
	}
	bases := []*snapshot.Snapshot{demo}
	r := rand.New(rand.NewSource(12))
	for len(bases) < 10 {
		bases = append(bases, analysistest.Cluster(r))
	}
	done, reused := 0, map[string]int{}
	relabels, keptOnRelabel, moved := 0, 0, 0
	for b := 0; done < changes; b++ {
		base := bases[b%len(bases)]
		st := snapshot.NewStore(base.Clone())
		if cfg.Label != "" {
			zoneNamespaces(r, st, cfg.Label)
		}
		facts, _ := analyse(t, st, cfg, nil, nil)
		for step := 0; step < 25 && done < changes; step++ {
			what, keys := analysistest.Change(r, st)
			done++
			inc, stale := analyse(t, st, cfg, facts, keys)
			full, _ := analyse(t, st, cfg, nil, nil)
			for _, e := range Engines() {
				if !stale[e.Name] {
					reused[e.Name]++
				}
			}
			if what == "label namespace" && !reflect.DeepEqual(facts.Snapshot.Namespace(keys[0].Name).Labels, inc.Snapshot.Namespace(keys[0].Name).Labels) {
				relabels++
				if !stale["api"] {
					keptOnRelabel++
				}
				if !reflect.DeepEqual(facts.Tenancy, inc.Tenancy) {
					moved++
					if !stale["api"] || !stale["dns"] {
						t.Errorf("base %d, change %d: the tenancy moved, but facts were kept: stale %v", b, step, stale)
					}
				}
			}
			if d := cmp.Diff(report(t, full), report(t, inc)); d != "" {
				t.Fatalf("base %d, change %d (%s, %v): incremental report differs from a full analysis (-full +incremental):\n%s", b, step, what, keys, d)
			}
			facts = inc
		}
	}
	t.Logf("%d changes; facts kept per engine: %v; %d namespace relabels, the API facts kept on %d, the tenancy moved by %d", done, reused, relabels, keptOnRelabel, moved)
	for _, e := range Engines() {
		if reused[e.Name] == 0 {
			t.Errorf("engine %s never kept its facts: the test does not exercise Update", e.Name)
		}
	}
	if keptOnRelabel == 0 {
		t.Error("no namespace relabel kept the API facts: the test does not exercise relabelling")
	}
	if cfg.Label != "" && moved == 0 {
		t.Error("no namespace relabel moved the tenancy: the test does not exercise tenancy by label")
	}
}

// zoneNamespaces gives every namespace of st the label key, 0 or 1, the
// values analysistest.Change's relabelling sets.
func zoneNamespaces(r *rand.Rand, st *snapshot.Store, key string) {
	for _, ns := range st.View().Namespaces {
		if _, _, err := st.ServerSideApply(&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns.Name, Labels: map[string]string{key: fmt.Sprint(r.Intn(2))}}}); err != nil {
			panic(err)
		}
	}
}

// analyse makes the view of st as the commands do (Pod Security refusals
// dropped, tenancy resolved by cfg), then facts: updated from prev when
// given, else new. It reports which engines were stale.
func analyse(t *testing.T, st *snapshot.Store, cfg tenancy.Config, prev *Facts, changed []snapshot.Key) (*Facts, map[string]bool) {
	t.Helper()
	view := st.View()
	node.DropRefused(view)
	ten, err := tenancy.Resolve(view, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if prev == nil {
		f := NewFacts(view, ten)
		Run(f, Engines(), Options{Matrix: true})
		return f, nil
	}
	f := prev.Update(view, ten, changed)
	Run(f, Engines(), Options{Matrix: true})
	return f, stale(Engines(), changed, prev.relabelled(view, ten, changed))
}

func report(t *testing.T, f *Facts) string {
	t.Helper()
	out, err := json.MarshalIndent(Run(f, Engines(), Options{Matrix: true}), "", " ")
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}
