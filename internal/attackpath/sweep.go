package attackpath

import (
	"github.com/bulkhead-dev/bulkhead/internal/finding"
	"github.com/bulkhead-dev/bulkhead/internal/tenancy"
)

// A sweep decides the matrix for 64 source tenants at once, one bit each,
// instead of one search per tenant: every state of the graph carries, per
// tenant of the batch, whether the tenant reaches it, the worst severity
// over all its paths there (a number from Info to Critical, in three bit
// planes) and the layers of those paths: eight words a state, one cache
// line. A search per tenant
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
	slotSev   = 1 // slotSev+k: bit k of the worst severity, k = 0..2
	slotLayer = 4 // slotLayer+i: a path with layer bit 1<<i
	slots     = 8
)

// sweeper holds one batch's values, reused from batch to batch. Its
// states are 2*place (+1 for reached), places as sweepOrder numbers them.
type sweeper struct {
	order     *sweepOrder
	territory []int32  // by place
	owner     []int32  // by place
	val       []uint64 // slots per state
	queued    []bool
	touched   []int32
	mark      []bool // touched
}

// newSweeper makes a sweeper of the graph in order's places; territory
// and owner are by vertex (tenantIndex).
func newSweeper(order *sweepOrder, territory, owner []int32) *sweeper {
	n := len(order.vertices)
	w := &sweeper{order: order, territory: make([]int32, n), owner: make([]int32, n),
		val: make([]uint64, 2*n*slots), queued: make([]bool, 2*n), mark: make([]bool, 2*n)}
	for p, v := range order.vertices {
		w.territory[p], w.owner[p] = territory[v], owner[v]
	}
	return w
}

// state is the sweep's state of vertex v, controlled or reached.
func (w *sweeper) state(v int32, reached bool) int32 { return 2*w.order.pos[v] + b2i(reached) }

func (w *sweeper) reset() {
	for _, x := range w.touched {
		clear(w.val[int(x)*slots : int(x+1)*slots])
		w.mark[x] = false
	}
	w.touched = w.touched[:0]
}

// run computes the batch's fixpoint; base is the index of the tenant of
// bit 0, sources[i] the footholds (vertices) of the tenant of bit i.
// Places are taken component by component in topological order
// (sweepOrder): a component is done when a pass over it changes nothing
// in it, and values only flow on to later components.
func (w *sweeper) run(base int32, sources [][]int32) {
	w.reset()
	for i, vs := range sources {
		for _, v := range vs {
			x := w.state(v, false)
			w.touch(x)
			w.val[int(x)*slots+slotReach] |= 1 << i
			w.queued[x] = true
		}
	}
	o := w.order
	for c := 0; c+1 < len(o.starts); c++ {
		// The component is places start to end; the edges it walks lead
		// into it or to later ones (topological order).
		start, end := o.starts[c], o.starts[c+1]
		for again := true; again; {
			again = false
			for p := start; p < end; p++ {
				x := 2 * p
				if !w.queued[x] {
					continue
				}
				w.queued[x] = false
				from := w.val[int(x)*slots : int(x+1)*slots : int(x+1)*slots]
				if from[slotReach] == 0 {
					continue
				}
				for _, e := range o.out[o.outAt[p]:o.outAt[p+1]] {
					y := 2*e.to + b2i(e.final)
					if w.pass(from, y, w.own(base, e.to), e.weighs) && !e.final && !w.queued[y] {
						w.queued[y] = true
						again = again || e.to < end
					}
				}
			}
		}
	}
}

// own is the bit of the batch's tenant whose territory place p is, 0 for
// none.
func (w *sweeper) own(base int32, p int32) uint64 {
	if t := w.territory[p] - base; t >= 0 && t < 64 {
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
// reports whether y's values grew. For the batch's tenants that reach it
// (but those whose own territory y is), the edge raises the severity to
// at least its own and adds its layer: weighs (weighsOf) says which.
func (w *sweeper) pass(from []uint64, y int32, own uint64, weighs uint16) bool {
	f := (*[slots]uint64)(from)
	t := (*[slots]uint64)(w.val[int(y)*slots : int(y+1)*slots])
	adds := f[slotReach] &^ own // tenants for which the edge weighs
	// The severity the edge gives its tenants, then the worst of that,
	// what from carries and what y has.
	const b0, b1, b2 = slotSev, slotSev + 1, slotSev + 2
	s2, s1, s0 := worse(f[b2], f[b1], f[b0], adds&-uint64(weighs>>2&1), adds&-uint64(weighs>>1&1), adds&-uint64(weighs&1))
	s2, s1, s0 = worse(t[b2], t[b1], t[b0], s2, s1, s0)
	grew := f[slotReach]&^t[slotReach] | (s2 ^ t[b2]) | (s1 ^ t[b1]) | (s0 ^ t[b0])
	t[slotReach] |= f[slotReach]
	t[b2], t[b1], t[b0] = s2, s1, s0
	for k := slotLayer; k < slots; k++ {
		v := f[k] | adds&-uint64(weighs>>(k-slotLayer+3)&1)
		grew |= v &^ t[k]
		t[k] |= v
	}
	if grew != 0 {
		w.touch(y)
		return true
	}
	return false
}

// weighsOf is what an edge of a severity and a layer bit gives its
// tenants: the severity in bits 0 to 2, the layer's bit shifted by 3.
func weighsOf(sev finding.Severity, bit uint8) uint16 {
	return uint16(sev)&7 | uint16(bit&15)<<3
}

// worse returns, lane by lane, the worse of two severities given in three
// bit planes each (a2 a1 a0 and b2 b1 b0, bit 2 the highest).
func worse(a2, a1, a0, b2, b1, b0 uint64) (uint64, uint64, uint64) {
	eq2, eq1 := ^(a2 ^ b2), ^(a1 ^ b1)
	b := b2&^a2 | eq2&(b1&^a1|eq1&(b0&^a0)) // lanes where b is worse
	return a2 ^ (a2^b2)&b, a1 ^ (a1^b1)&b, a0 ^ (a0^b0)&b
}

// atLeast returns the lanes whose severity, in three bit planes, is at
// least k (1 to 4).
func atLeast(s2, s1, s0 uint64, k int) uint64 {
	switch k {
	case 1:
		return s2 | s1 | s0
	case 2:
		return s2 | s1
	case 3:
		return s2 | s1&s0
	}
	return s2
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

// add counts the batch's reach of every asset (owner ≥ 0), once per
// vertex whichever state reached it, leaving out each tenant's own.
func (t *tally) add(w *sweeper, base int32) {
	for i := range t.planes {
		t.planes[i] = t.planes[i][:0]
		t.sev[i], t.layer[i] = [4]uint64{}, [4]uint64{}
	}
	for _, x := range w.touched {
		if x%2 == reached && w.mark[x-1] {
			continue // counted with the controlled state
		}
		p := x / 2
		b := w.owner[p]
		if b < 0 {
			continue
		}
		var own uint64
		if d := b - base; d >= 0 && d < 64 {
			own = 1 << d
		}
		var r uint64
		for _, s := range [2]int32{2 * p, 2*p + 1} {
			if !w.mark[s] {
				continue
			}
			val := w.val[int(s)*slots : int(s+1)*slots]
			m := val[slotReach] &^ own
			r |= m
			for k := 0; k < 4; k++ {
				t.sev[b][k] |= atLeast(val[slotSev+2], val[slotSev+1], val[slotSev], k+1) & m
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
	if len(t.planes[b]) == 0 {
		return 0, 0, 0 // no source of the batch reached b
	}
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
	r := adminReach{worst: finding.Severity(val[slotSev+2]>>i&1<<2 | val[slotSev+1]>>i&1<<1 | val[slotSev]>>i&1)}
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
	byTarget := make([]*dnsCell, n) // dns by tenant index: a map lookup a cell is tenants² of them
	for b, target := range ti.tenants {
		byTarget[b] = dns[target]
	}
	spread((n+63)/64, maxSweepers, func() func(int) {
		w := newSweeper(m.order(), ti.territory, ti.owner)
		t := newTally(n)
		return func(batch int) { m.sweepBatch(w, t, int32(64*batch), byTarget, cells, admin) }
	})
	return cells, admin
}

// sweepBatch decides the cells of tenants base to base+63 (by index) with
// one sweep, into their rows of out. The cluster tenant is no source: its
// row is isolated but for DNS, as in row.
func (m *Model) sweepBatch(w *sweeper, t *tally, base int32, dns []*dnsCell, out []Cell, admin []*adminReach) {
	ti := m.tenantIndex()
	end := min(base+64, int32(len(ti.tenants)))
	srcs := make([][]int32, end-base)
	for a := base; a < end; a++ {
		if name := ti.tenants[a]; name != tenancy.Cluster {
			srcs[a-base] = m.sources[name]
		}
	}
	w.run(base, srcs)
	t.add(w, base)
	for a := base; a < end; a++ {
		i := int(a - base)
		name := ti.tenants[a]
		if name != tenancy.Cluster {
			for _, x := range [2]int32{w.state(m.admin, false), w.state(m.admin, true)} {
				if ok, r := w.reachOf(x, i); ok && (admin[a] == nil || r.worst > admin[a].worst) {
					admin[a] = &r
				}
			}
		}
		n := len(ti.tenants) - 1
		cells := out[int(a)*n : int(a)*n : int(a+1)*n] // this source's row, filled in place
		// Decided once a row, not once a cell: a row is every tenant.
		source, platform := name != tenancy.Cluster, name == tenancy.Platform
		for b, target := range ti.tenants {
			if int32(b) == a {
				continue
			}
			c := Cell{Source: name, Target: target, Isolated: true, Platform: platform}
			if source {
				if count, layers, worst := t.cell(i, b); count > 0 {
					c.Isolated, c.Layers, c.Worst, c.Paths = false, layersOf(layers), worst, count
				}
				if d := dns[b]; d != nil {
					d.apply(&c)
				}
			}
			cells = append(cells, c)
		}
	}
}
