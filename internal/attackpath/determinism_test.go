package attackpath

import (
	"bytes"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/bulkhead-dev/bulkhead/internal/cli"
	"github.com/bulkhead-dev/bulkhead/internal/dns"
	"github.com/bulkhead-dev/bulkhead/internal/finding"
	"github.com/bulkhead-dev/bulkhead/internal/load"
	"github.com/bulkhead-dev/bulkhead/internal/netpol"
	"github.com/bulkhead-dev/bulkhead/internal/node"
	"github.com/bulkhead-dev/bulkhead/internal/rbac"
	"github.com/bulkhead-dev/bulkhead/internal/scalegen"
	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
	"github.com/bulkhead-dev/bulkhead/internal/tenancy"
)

// dumpedEdge is an edge as a test compares it: its evidence made.
type dumpedEdge struct {
	Edge
	Explained []finding.Step
}

// dump lists a graph's vertices and, by vertex, its edges in order.
func dump(g *Graph) ([]Vertex, [][]dumpedEdge) {
	out := make([][]dumpedEdge, g.Len())
	for v := range out {
		for _, id := range g.out[v] {
			e := *g.edges.at(id)
			d := dumpedEdge{Edge: e}
			if e.explain != nil {
				d.Explained, d.explain = e.explain(), nil
			}
			out[v] = append(out[v], d)
		}
	}
	return g.vertices, out
}

// graphInput is a cluster's inputs to the graph.
type graphInput struct {
	name string
	in   Inputs
}

// graphInputs are the seed cluster, the corpus clusters and generated
// ones (tenants by namespace and by label), with every engine's facts.
func graphInputs(t *testing.T) []graphInput {
	t.Helper()
	type cluster struct {
		snap *snapshot.Snapshot
		cfg  tenancy.Config
	}
	clusters := map[string]cluster{}
	demo, err := cli.Demo()
	if err != nil {
		t.Fatal(err)
	}
	clusters["demo"] = cluster{snap: demo}
	corpus := filepath.Join("..", "corpus", "testdata")
	for _, dir := range []string{"argocd", "boutique", "capsule", "certmanager", "dashboard", "platform", "recipes"} {
		l := load.New(dir, load.Options{})
		paths := []string{filepath.Join(corpus, dir)}
		if dir == "argocd" || dir == "certmanager" || dir == "dashboard" { // as the corpus test reads them
			paths = append(paths, filepath.Join(corpus, "install-base.yaml"))
		}
		for _, p := range paths {
			if err := l.Path(p); err != nil {
				t.Fatal(err)
			}
		}
		snap, _, err := l.Result()
		if err != nil {
			t.Fatal(err)
		}
		clusters[dir] = cluster{snap: snap}
	}
	for _, n := range []int{3, 14} {
		var buf bytes.Buffer
		if _, err := scalegen.Write(&buf, scalegen.Config{Tenants: n, Seed: uint64(n), Format: scalegen.JSON}); err != nil {
			t.Fatal(err)
		}
		for _, cfg := range []tenancy.Config{{}, {Label: "tenant"}} {
			l := load.New("scale", load.Options{})
			l.Bytes("scale.json", buf.Bytes())
			snap, _, err := l.Result()
			if err != nil {
				t.Fatal(err)
			}
			clusters[fmt.Sprintf("scalegen-%d-label=%q", n, cfg.Label)] = cluster{snap: snap, cfg: cfg}
		}
	}
	var out []graphInput
	for _, name := range slices.Sorted(maps.Keys(clusters)) {
		c := clusters[name]
		snap := c.snap
		snap.Normalize()
		ten, err := tenancy.Resolve(snap, c.cfg)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, graphInput{name, Inputs{Snapshot: snap, Tenancy: ten, RBAC: rbac.NewAuthorizer(snap), Workload: node.Analyze(snap, ten),
			Network: netpol.Compile(snap, netpol.DefaultOptions()), DNS: dns.Exposures(snap, ten)}})
	}
	return out
}

// sameGraph fails the test when two models' graphs differ in a vertex, its
// number, an edge, its place among its vertex's edges, or a tenant's
// footholds.
func sameGraph(t *testing.T, a, b *Model) {
	t.Helper()
	if a.g.Edges() == 0 {
		t.Fatal("no edges: nothing compared")
	}
	av, ae := dump(a.g)
	bv, be := dump(b.g)
	if diff := cmp.Diff(av, bv); diff != "" {
		t.Fatalf("vertices differ (-first +second):\n%s", diff)
	}
	if diff := cmp.Diff(ae, be, cmp.AllowUnexported(Edge{})); diff != "" {
		t.Fatalf("edges differ (-first +second):\n%s", diff)
	}
	if diff := cmp.Diff(a.sources, b.sources); diff != "" {
		t.Fatalf("footholds differ (-first +second):\n%s", diff)
	}
}

// Building a cluster's graph twice numbers its vertices and edges alike:
// the order of paths of equal length, and so the output, follows them.
func TestBuildIsDeterministic(t *testing.T) {
	for _, c := range graphInputs(t) {
		t.Run(c.name, func(t *testing.T) {
			sameGraph(t, Build(c.in), Build(c.in))
		})
	}
}
