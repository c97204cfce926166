package attackpath

import (
	"github.com/bulkhead-dev/bulkhead/internal/finding"
	"github.com/bulkhead-dev/bulkhead/internal/tenancy"
)

// A sweep decides the matrix for 64 source tenants at once, one bit each,
// instead of one search per tenant: every state of the graph carries, per
// tenant of the batch, whether the tenant reaches it, the worst severity
// over all its paths there (as the four bitsets "at least Low" to "at
// least Critical") and the layers of those paths. A search per tenant
// walks the graph once per tenant, which on a shared cluster is tenants ×
// graph; a sweep walks it once per 64 tenants, and does the same work as
// word operations.
//
// The values are those of searcher.run's fixpoint: reach through any
// edge, final edges reach a state that goes no further, and an edge into
// the searching tenant's own territory adds no layer and no severity (the
// bit of that tenant is masked out of what the edge adds). Every value
// only grows, so passing values on until nothing changes reaches the
// fixpoint; taking the graph's components in topological order
// (sweepOrder) makes that about one visit per vertex.

// sweep value slots, per state.
const (
	slotReach = 0
	slotSev   = 1 // slotSev+k-1: worst ≥ severity k, k = Low..Critical
	slotLayer = 5 // slotLayer+i: a path with layer bit 1<<i
	slots     = 9
)

// sweeper holds one batch's values, reused from batch to batch.
type sweeper struct {
	g         *Graph
	order     *sweepOrder
	territory []int32
	val       []uint64 // slots per state
	queued    []bool
	touched   []int32
	mark      []bool // touched
}

func newSweeper(g *Graph, order *sweepOrder, territory []int32) *sweeper {
	n := 2 * g.Len()
	return &sweeper{g: g, order: order, territory: territory, val: make([]uint64, n*slots), queued: make([]bool, n), mark: make([]bool, n)}
}

func (w *sweeper) reset() {
	for _, x := range w.touched {
		clear(w.val[int(x)*slots : int(x+1)*slots])
		w.mark[x] = false
	}
	w.touched = w.touched[:0]
}

// run computes the batch's fixpoint; base is the index of the tenant of
// bit 0, sources[i] the footholds of the tenant of bit i. Vertices are
// taken component by component in topological order (sweepOrder): a
// component is done when a pass over it changes nothing in it, and values
// only flow on to later components.
func (w *sweeper) run(base int32, sources [][]int32) {
	w.reset()
	for i, vs := range sources {
		for _, v := range vs {
			x := 2 * v
			w.touch(x)
			w.val[int(x)*slots+slotReach] |= 1 << i
			w.queued[x] = true
		}
	}
	g, o := w.g, w.order
	for c := 0; c+1 < len(o.starts); c++ {
		members := o.vertices[o.starts[c]:o.starts[c+1]]
		for again := true; again; {
			again = false
			for _, v := range members {
				x := 2 * v
				if !w.queued[x] {
					continue
				}
				w.queued[x] = false
				from := w.val[int(x)*slots : int(x+1)*slots : int(x+1)*slots]
				if from[slotReach] == 0 {
					continue
				}
				queue := func(to int32) {
					if y := 2 * to; !w.queued[y] {
						w.queued[y] = true
						again = again || o.comp[to] == int32(c)
					}
				}
				for _, e := range o.out[o.outAt[v]:o.outAt[v+1]] {
					if y := 2*e.to + b2i(e.final); w.pass(from, y, w.own(base, e.to), e.weighs) && !e.final {
						queue(e.to)
					}
				}
				if r := g.reach; r != nil {
					r.each(v, func(_, to int32, _ bool) {
						if w.pass(from, 2*to, w.own(base, to), networkWeighs) {
							queue(to)
						}
					})
				}
			}
		}
	}
}

// own is the bit of the batch's tenant whose territory vertex v is, 0 for
// none.
func (w *sweeper) own(base int32, v int32) uint64 {
	if t := w.territory[v] - base; t >= 0 && t < 64 {
		return 1 << t
	}
	return 0
}

func (w *sweeper) touch(x int32) {
	if !w.mark[x] {
		w.mark[x] = true
		w.touched = append(w.touched, x)
	}
}

// pass carries the values of a state along one edge into state y, and
// reports whether y's values grew. The edge adds the batch's tenants that
// reach it (but those whose own territory y is) to the severity slots up
// to its severity and to its layer's slot: weighs (weighsOf) says which.
func (w *sweeper) pass(from []uint64, y int32, own uint64, weighs uint16) bool {
	f := (*[slots]uint64)(from)
	t := (*[slots]uint64)(w.val[int(y)*slots : int(y+1)*slots])
	adds := f[slotReach] &^ own // tenants for which the edge weighs
	grew := uint64(0)
	for k := 0; k < slots; k++ {
		v := f[k] | adds&-uint64(weighs>>k&1)
		grew |= v &^ t[k]
		t[k] |= v
	}
	if grew != 0 {
		w.touch(y)
		return true
	}
	return false
}

// weighsOf is the slots an edge of a severity and a layer bit adds its
// tenants to: the severity slots "at least Low" up to sev, and the layer's.
func weighsOf(sev finding.Severity, bit uint8) uint16 {
	var m uint16
	for k := slotSev; k < slotLayer; k++ {
		if int(sev) >= k-slotSev+1 {
			m |= 1 << k
		}
	}
	for k := slotLayer; k < slots; k++ {
		if bit == 1<<(k-slotLayer) {
			m |= 1 << k
		}
	}
	return m
}

// networkWeighs is what an edge of network reach adds to.
var networkWeighs = weighsOf(finding.Medium, networkBit)

// tally sums one batch's values per target tenant: per (source bit,
// target) the assets reached, the worst severity and the layers.
type tally struct {
	planes [][]uint64 // per target: bit-sliced counters, plane p holds bit p of each source's count
	sev    [][4]uint64
	layer  [][4]uint64
}

func newTally(tenants int) *tally {
	return &tally{planes: make([][]uint64, tenants), sev: make([][4]uint64, tenants), layer: make([][4]uint64, tenants)}
}

// add counts the batch's reach of every asset (owner[v] ≥ 0), once per
// vertex whichever state reached it, leaving out each tenant's own.
func (t *tally) add(w *sweeper, owner []int32, base int32) {
	for i := range t.planes {
		t.planes[i] = t.planes[i][:0]
		t.sev[i], t.layer[i] = [4]uint64{}, [4]uint64{}
	}
	for _, x := range w.touched {
		if x%2 == reached && w.mark[x-1] {
			continue // counted with the controlled state
		}
		v := x / 2
		b := owner[v]
		if b < 0 {
			continue
		}
		var own uint64
		if d := b - base; d >= 0 && d < 64 {
			own = 1 << d
		}
		var r uint64
		for _, s := range [2]int32{2 * v, 2*v + 1} {
			if !w.mark[s] {
				continue
			}
			val := w.val[int(s)*slots : int(s+1)*slots]
			m := val[slotReach] &^ own
			r |= m
			for k := 0; k < 4; k++ {
				t.sev[b][k] |= val[slotSev+k] & m
				t.layer[b][k] |= val[slotLayer+k] & m
			}
		}
		t.count(b, r)
	}
}

// count adds one to the counter of every source bit set in r: a ripple
// carry through the bit planes, word-wide.
func (t *tally) count(b int32, r uint64) {
	p := t.planes[b]
	for i := 0; r != 0; i++ {
		if i == len(p) {
			p = append(p, 0)
		}
		carry := p[i] & r
		p[i] ^= r
		r = carry
	}
	t.planes[b] = p
}

// cell reads the tally of source bit i toward target b: the assets
// reached, the layers and the worst severity.
func (t *tally) cell(i int, b int) (n int, layers uint8, worst finding.Severity) {
	for p, word := range t.planes[b] {
		n |= int(word>>i&1) << p
	}
	for k := 3; k >= 0; k-- {
		if t.sev[b][k]>>i&1 != 0 {
			worst = finding.Severity(k + 1)
			break
		}
	}
	for k := 0; k < 4; k++ {
		if t.layer[b][k]>>i&1 != 0 {
			layers |= 1 << k
		}
	}
	return n, layers, worst
}

// adminReach is how a batch's tenant reaches a state: the worst severity
// and the layers of its paths there.
type adminReach struct {
	worst  finding.Severity
	layers uint8
}

// reachOf reads the values of a state for source bit i: whether it is
// reached, the worst severity and the layers.
func (w *sweeper) reachOf(x int32, i int) (bool, adminReach) {
	val := w.val[int(x)*slots : int(x+1)*slots]
	if val[slotReach]>>i&1 == 0 {
		return false, adminReach{}
	}
	var r adminReach
	for k := 3; k >= 0; k-- {
		if val[slotSev+k]>>i&1 != 0 {
			r.worst = finding.Severity(k + 1)
			break
		}
	}
	for k := 0; k < 4; k++ {
		if val[slotLayer+k]>>i&1 != 0 {
			r.layers |= 1 << k
		}
	}
	return true, r
}

// maxSweepers bounds the sweeps run at once: each holds values for every
// state of the graph.
const maxSweepers = 8

// sweptRows decides the cells of every source tenant by sweeps, without
// witnesses, row by row (a source's cells together, targets in tenant
// order), the batches spread over the machine's cores; admin[a] is set
// when tenant a reaches cluster-admin.
func (m *Model) sweptRows(dns map[string]*dnsCell) (cells []Cell, admin []*adminReach) {
	ti := m.tenantIndex()
	n := len(ti.tenants)
	cells, admin = make([]Cell, n*max(n-1, 0)), make([]*adminReach, n)
	spread((n+63)/64, maxSweepers, func() func(int) {
		w := newSweeper(m.g, m.order(), ti.territory)
		t := newTally(n)
		return func(batch int) { m.sweepBatch(w, t, int32(64*batch), dns, cells, admin) }
	})
	return cells, admin
}

// sweepBatch decides the cells of tenants base to base+63 (by index) with
// one sweep, into their rows of out. The cluster tenant is no source: its
// row is isolated but for DNS, as in row.
func (m *Model) sweepBatch(w *sweeper, t *tally, base int32, dns map[string]*dnsCell, out []Cell, admin []*adminReach) {
	ti := m.tenantIndex()
	end := min(base+64, int32(len(ti.tenants)))
	srcs := make([][]int32, end-base)
	for a := base; a < end; a++ {
		if name := ti.tenants[a]; name != tenancy.Cluster {
			srcs[a-base] = m.sources[name]
		}
	}
	w.run(base, srcs)
	t.add(w, ti.owner, base)
	for a := base; a < end; a++ {
		i := int(a - base)
		name := ti.tenants[a]
		if name != tenancy.Cluster {
			for _, x := range [2]int32{2 * m.admin, 2*m.admin + 1} {
				if ok, r := w.reachOf(x, i); ok && (admin[a] == nil || r.worst > admin[a].worst) {
					admin[a] = &r
				}
			}
		}
		n := len(ti.tenants) - 1
		cells := out[int(a)*n : int(a)*n : int(a+1)*n] // this source's row, filled in place
		for b, target := range ti.tenants {
			if int32(b) == a {
				continue
			}
			c := Cell{Source: name, Target: target, Isolated: true, Platform: name == tenancy.Platform}
			if count, layers, worst := t.cell(i, b); name != tenancy.Cluster && count > 0 {
				c.Isolated, c.Layers, c.Worst, c.Paths = false, layersOf(layers), worst, count
			}
			addDNS(&c, dns)
			cells = append(cells, c)
		}
	}
}
