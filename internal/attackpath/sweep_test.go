package attackpath

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/bulkhead-dev/bulkhead/internal/cli"
	"github.com/bulkhead-dev/bulkhead/internal/finding"
	"github.com/bulkhead-dev/bulkhead/internal/load"
	"github.com/bulkhead-dev/bulkhead/internal/scalegen"
	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
	"github.com/bulkhead-dev/bulkhead/internal/tenancy"
)

// searched is the matrix decided by a search per source tenant, every
// witness explained: the reference the sweeps are checked against.
func searched(m *Model) Matrix {
	x := m.matrixOf(nil, -1)
	for i := range x.Cells {
		if w := x.Cells[i].Witness; w != nil {
			m.Explain(w)
		}
	}
	return x
}

// checkSweep compares the swept matrix, every pair witnessed, with the
// searched one: every cell, witness and path to cluster-admin must agree.
// With fewer witnesses, the pairs and the paths to cluster-admin keep
// their verdicts.
func checkSweep(t *testing.T, m *Model) {
	t.Helper()
	want := searched(m)
	got := m.matrixSwept(len(want.Cells) + len(want.Tenants))
	for i := range got.Cells {
		if w := got.Cells[i].Witness; w != nil {
			m.Explain(w)
		}
	}
	if diff := cmp.Diff(want, got, cmp.AllowUnexported(Path{})); diff != "" {
		t.Fatalf("swept matrix differs from the searched one (-searched +swept):\n%s", diff)
	}
	few := m.matrixSwept(1)
	for i := range few.Cells {
		c, w := few.Cells[i], want.Cells[i]
		c.Witness, w.Witness = nil, nil
		if diff := cmp.Diff(w, c); diff != "" {
			t.Fatalf("with one witness, cell %s → %s differs:\n%s", w.Source, w.Target, diff)
		}
	}
	if len(few.AdminPaths) != len(want.AdminPaths) {
		t.Fatalf("with one witness, %d paths to cluster-admin, want %d", len(few.AdminPaths), len(want.AdminPaths))
	}
	for i, p := range few.AdminPaths {
		w := want.AdminPaths[i]
		if p.From != w.From || p.Severity != w.Severity {
			t.Fatalf("path to cluster-admin %d: %s %s, want %s %s", i, p.From, p.Severity, w.From, w.Severity)
		}
	}
}

func TestSweepEqualsSearchOnClusters(t *testing.T) {
	demo, err := cli.Demo()
	if err != nil {
		t.Fatal(err)
	}
	clusters := map[string]*snapshot.Snapshot{"demo": demo}
	// Generated production-shaped clusters, each namespace its own tenant:
	// 30 and 70 tenants (more than one word of 64).
	for _, n := range []int{6, 14} {
		var buf bytes.Buffer
		if _, err := scalegen.Write(&buf, scalegen.Config{Tenants: n, Seed: uint64(n), Format: scalegen.YAML}); err != nil {
			t.Fatal(err)
		}
		snap := &snapshot.Snapshot{}
		load.Bytes(snap, "scale.yaml", buf.Bytes())
		clusters[fmt.Sprintf("scalegen-%d", n)] = snap
	}
	for name, snap := range clusters {
		t.Run(name, func(t *testing.T) {
			checkSweep(t, build(t, snap))
		})
	}
}

// TestSweepEqualsSearchOnRandomGraphs checks the sweeps against the
// searches on random graphs: cycles, final and hidden edges, every
// severity and layer, hops into a tenant's own territory, network reach
// as rows, and more tenants than one batch.
func TestSweepEqualsSearchOnRandomGraphs(t *testing.T) {
	grouped := 0
	for seed := uint64(1); seed <= 300; seed++ {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			m := randomModel(t, seed)
			if r := m.g.reach; r != nil && r.n > r.classes {
				grouped++
			}
			checkSweep(t, m)
		})
	}
	if grouped < 50 {
		t.Errorf("only %d random graphs reach classes through groups", grouped)
	}
}

// randomModel builds a model of random vertices and edges over tenants of
// one namespace each.
func randomModel(t *testing.T, seed uint64) *Model {
	t.Helper()
	r := rand.New(rand.NewPCG(seed, 7))
	tenants := 2 + r.IntN(5)
	switch {
	case seed%50 == 0:
		tenants = 129 + r.IntN(40) // more than one batch
	case seed%25 == 0:
		tenants = 65 + r.IntN(60) // more than one word of a batch
	}
	snap := &snapshot.Snapshot{}
	for i := 0; i < tenants; i++ {
		snap.Namespaces = append(snap.Namespaces, corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("t%03d", i)}})
	}
	snap.Namespaces = append(snap.Namespaces, corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "kube-system"}})
	ten, err := tenancy.Resolve(snap, tenancy.Config{})
	if err != nil {
		t.Fatal(err)
	}
	m := &Model{g: NewGraph(), ten: ten, sources: map[string][]int32{}, home: map[int32]string{}}
	m.admin = m.g.Vertex(Vertex{Kind: ClusterAdmin, Name: "cluster-admin"})
	kinds := []Kind{Pod, ServiceAccount, Secrets, Namespace, Node, Group, Hub}
	n := 10 + r.IntN(30*tenants)
	for i := 0; i < n; i++ {
		ns := fmt.Sprintf("t%03d", r.IntN(tenants))
		k := kinds[r.IntN(len(kinds))]
		v := Vertex{Kind: k, Namespace: ns, Name: fmt.Sprint(i)}
		switch k {
		case Namespace:
			v = Vertex{Kind: k, Name: ns}
		case Node, Group:
			v = Vertex{Kind: k, Name: fmt.Sprint(i)}
		case Hub:
			v = Vertex{Kind: k, Name: "exec:" + ns}
		}
		m.g.Vertex(v)
	}
	// Network classes: a source and a destination vertex per class.
	classes := r.IntN(12)
	if seed%7 == 0 {
		classes = 60 + r.IntN(140) // rows of several words, deep hub trees
	}
	var src, dst []int32
	for c := 0; c < classes; c++ {
		src = append(src, m.g.Vertex(Vertex{Kind: NetClass, Name: fmt.Sprintf("src-%d", c)}))
		dst = append(dst, m.g.Vertex(Vertex{Kind: NetClass, Name: fmt.Sprintf("dst-%d", c)}))
	}
	vs := int32(m.g.Len())
	sevs := []finding.Severity{finding.Info, finding.Low, finding.Medium, finding.High, finding.Critical}
	// Edges as the builder makes them: between identities and assets, a
	// visible edge into a hub and hidden ones out of it; a pod is a source
	// of a network class and a destination class reaches pods.
	kindOf := func(v int32) Kind { return m.g.At(v).Kind }
	for e := 0; e < int(vs)*(1+r.IntN(3)); e++ {
		from, to := r.Int32N(vs), r.Int32N(vs)
		if kindOf(from) == NetClass || kindOf(to) == NetClass || kindOf(to) == Hub && kindOf(from) == Hub {
			continue
		}
		m.g.Add(Edge{From: from, To: to, Type: EdgeType(fmt.Sprint("t", r.IntN(3))), Layer: layerOrder[r.IntN(len(layerOrder))],
			Severity: sevs[r.IntN(len(sevs))], Final: r.IntN(4) == 0 && kindOf(to) != Hub, Hidden: kindOf(from) == Hub})
	}
	for v := int32(0); v < vs && classes > 0; v++ {
		if kindOf(v) == Pod {
			c := r.IntN(classes)
			m.g.Add(Edge{From: v, To: src[c], Type: NetworkSource, Layer: finding.Network, Hidden: true})
			m.g.Add(Edge{From: dst[c], To: v, Type: NetworkDest, Layer: finding.Network, Severity: finding.Medium, Hidden: true, Final: true})
		}
	}
	if classes > 0 {
		// Some destination classes admit sources alike (every source, the
		// even ones, the first half), so that their columns are alike and
		// reached through groups.
		open := make([]int, classes)
		for b := range open {
			open[b] = r.IntN(5)
		}
		admits := func(pattern, a int) bool {
			switch pattern {
			case 1:
				return true
			case 2:
				return a%2 == 0
			case 3:
				return a < classes/2
			}
			return r.IntN(2) == 0
		}
		rows := make([][]uint64, classes)
		for a := range rows {
			rows[a] = make([]uint64, (classes+63)/64)
			for b := 0; b < classes; b++ {
				if a != b && admits(open[b], a) {
					rows[a][b/64] |= 1 << (b % 64)
				}
			}
		}
		m.g.reach = newReachRows(rows, src, dst, m.g.Len(), func(g int) int32 {
			return m.g.Vertex(Vertex{Kind: NetClass, Name: fmt.Sprintf("group-%d", g)})
		})
	}
	vs = int32(m.g.Len())
	m.owner = make([]string, m.g.Len())
	for v := int32(0); v < vs; v++ {
		x := m.g.At(v)
		switch x.Kind {
		case Pod, ServiceAccount, Secrets, Namespace:
			m.owner[v] = m.ten.Of(nsOf(x))
		case Node, ClusterAdmin:
			m.owner[v] = tenancy.Cluster
		}
		if (x.Kind == Pod || x.Kind == ServiceAccount || x.Kind == Group) && r.IntN(3) == 0 {
			t := m.ten.Of(x.Namespace)
			if x.Kind == Group {
				t = fmt.Sprintf("t%03d", r.IntN(tenants))
			}
			m.sources[t] = append(m.sources[t], v)
			if r.IntN(8) == 0 { // a foothold two tenants share
				u := fmt.Sprintf("t%03d", r.IntN(tenants))
				m.sources[u] = append(m.sources[u], v)
			}
		}
	}
	return m
}

// TestReachGroupsKeepRows: following a row's groups and hubs gives back
// exactly the classes the row reached, never the class itself.
func TestReachGroupsKeepRows(t *testing.T) {
	for seed := uint64(1); seed <= 40; seed++ {
		r := rand.New(rand.NewPCG(seed, 11))
		n := 2 + r.IntN(300)
		open := make([]int, n)
		for b := range open {
			open[b] = r.IntN(4)
		}
		rows := make([][]uint64, n)
		for a := range rows {
			rows[a] = make([]uint64, (n+63)/64)
			for b := 0; b < n; b++ {
				if a != b && (open[b] == 1 || open[b] == 2 && a%3 == 0 || open[b] == 0 && r.IntN(3) == 0) {
					rows[a][b/64] |= 1 << (b % 64)
				}
			}
		}
		src, dst := make([]int32, n), make([]int32, n)
		for i := range src {
			src[i], dst[i] = int32(2*i), int32(2*i+1)
		}
		next := int32(2 * n)
		rr := newReachRows(rows, src, dst, 2*n, func(int) int32 { next++; return next - 1 })
		for a := 0; a < n; a++ {
			got := map[int32]bool{}
			var walk func(row int32)
			walk = func(row int32) {
				rr.each(rr.src[row], func(_, to int32, group bool) {
					if group {
						walk(rr.srcOf[to])
						return
					}
					if got[to] {
						t.Fatalf("seed %d: class %d reaches vertex %d twice", seed, a, to)
					}
					got[to] = true
				})
			}
			walk(int32(a))
			for b := 0; b < n; b++ {
				want := rows[a][b/64]>>(b%64)&1 != 0
				if got[dst[b]] != want {
					t.Fatalf("seed %d: class %d reaches %d: %v, want %v", seed, a, b, got[dst[b]], want)
				}
			}
		}
	}
}

// TestWorstFirst: the counting sort orders like a stable sort by worst
// severity, and Bound keeps the breaches before the platform's exposure.
func TestWorstFirst(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 5))
	var cells []Cell
	for i := 0; i < 500; i++ {
		src := "t1"
		if r.IntN(4) == 0 {
			src = tenancy.Platform
		}
		cells = append(cells, Cell{Source: src, Target: fmt.Sprint(i), Worst: finding.Severity(r.IntN(5)), Platform: src == tenancy.Platform})
	}
	want := make([]int, len(cells))
	for i := range want {
		want[i] = i
	}
	slices.SortStableFunc(want, func(a, b int) int { return int(cells[b].Worst) - int(cells[a].Worst) })
	if got := WorstFirst(cells); !slices.Equal(got, want) {
		t.Errorf("WorstFirst = %v, want %v", got[:10], want[:10])
	}
	x := Matrix{Cells: cells}
	b := x.Bound(100)
	if len(b.Cells) != 100 || b.CellsOmitted != 400 {
		t.Fatalf("Bound: %d cells, %d omitted", len(b.Cells), b.CellsOmitted)
	}
	least := finding.Critical
	for _, c := range b.Cells {
		if !c.Breached() {
			t.Fatalf("Bound kept the platform's %s before a breach", c.Target)
		}
		least = min(least, c.Worst)
	}
	for _, c := range cells {
		if c.Breached() && c.Worst > least && !slices.ContainsFunc(b.Cells, func(d Cell) bool { return d.Target == c.Target }) {
			t.Errorf("Bound left out %s (%s) but kept a %s", c.Target, c.Worst, least)
		}
	}
}

// pass raises a state to the worst of what it holds, what the edge's
// source carries and the edge's own severity, and reports growth exactly
// when the state changed: a sweep goes on from the states that grew.
func TestPassReportsGrowth(t *testing.T) {
	for held := finding.Info; held <= finding.Critical; held++ {
		for carried := finding.Info; carried <= finding.Critical; carried++ {
			for edge := finding.Info; edge <= finding.Critical; edge++ {
				w := &sweeper{val: make([]uint64, 2*slots), mark: make([]bool, 2)}
				put := func(x int, s finding.Severity) {
					v := w.val[x*slots : (x+1)*slots]
					v[slotReach] = 1
					for k := 0; k < 3; k++ {
						v[slotSev+k] = uint64(s) >> k & 1
					}
				}
				put(0, carried)
				put(1, held)
				grew := w.pass(w.val[0:slots], 1, 0, weighsOf(edge, 0))
				v := w.val[slots : 2*slots]
				got := finding.Severity(v[slotSev] | v[slotSev+1]<<1 | v[slotSev+2]<<2)
				if want := max(held, carried, edge); got != want || grew != (want != held) {
					t.Errorf("holding %s, %s carried over a %s edge: %s, grew %v; want %s, grew %v", held, carried, edge, got, grew, want, want != held)
				}
			}
		}
	}
}

// The sweep order places every vertex once, and every edge a sweep walks
// on from leads into the same component or a later one.
func TestSweepOrderIsTopological(t *testing.T) {
	for seed := uint64(1); seed <= 100; seed++ {
		m := randomModel(t, seed)
		o := m.order()
		comp := make([]int, m.g.Len())
		placed := make([]bool, m.g.Len())
		for c := 0; c+1 < len(o.starts); c++ {
			for _, v := range o.vertices[o.starts[c]:o.starts[c+1]] {
				if placed[v] {
					t.Fatalf("seed %d: vertex %d placed twice", seed, v)
				}
				placed[v], comp[v] = true, c
			}
		}
		if n := len(o.vertices); n != m.g.Len() {
			t.Fatalf("seed %d: %d of %d vertices placed", seed, n, m.g.Len())
		}
		for p, v := range o.vertices {
			for _, e := range o.out[o.outAt[p]:o.outAt[p+1]] {
				if w := o.vertices[e.to]; !e.final && comp[w] < comp[v] {
					t.Fatalf("seed %d: an edge leads from component %d back to %d", seed, comp[v], comp[w])
				}
			}
		}
	}
}
