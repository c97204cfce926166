package attackpath

import (
	"slices"

	"github.com/bulkhead-dev/bulkhead/internal/finding"
)

// A search walks the graph from a set of controlled vertices. A vertex is
// either controlled (the attacker acts as it, and may go on from it) or only
// reached (through a final edge: an asset seen, not owned). Hidden edges
// cost nothing, other edges one hop (but for a hub whose hidden edges out
// carry the hop, Edge.free), so a search is a 0-1 breadth-first
// search over states (vertex, controlled|reached); ties go to the edge added
// first, which makes every path deterministic.
//
// A state's severity is the worst over ALL paths to it, not only the
// shortest: a cell, an asset's path or a subject's reach never gets milder
// because a shorter, milder way there exists (adding a vulnerability never
// lowers a verdict). After the breadth-first pass, severities and layers are
// propagated to a fixpoint over the states reached; each state's value only
// grows (five severities, four layers), so a state is revisited a few times
// at most. pred keeps the edge that last raised a state's severity, from
// which path rebuilds the most severe way there.
//
// A searcher is reused from search to search; it only resets the states
// the previous search touched.
type searcher struct {
	g *Graph
	// edges are g's packed edges (Graph.tightEdges).
	edges []tightEdge
	// via[x] is the edge that reached state x = 2*vertex+state (state 0
	// controlled, 1 reached), -1 for a source, -2 for not reached.
	via  []int32
	dist []int32
	// layers and worst are, per state, the union of the layers and the
	// worst severity over every path from a source; pred[x] is the edge
	// that last raised worst[x] (-1 for a source).
	layers []uint8
	worst  []finding.Severity
	pred   []int32
	// sdist[x] is the length of the path that path(x) returns: the
	// shortest among the most severe found.
	sdist   []int32
	done    []bool
	touched []int32
	queued  []bool
	work    []int32
	// owner[v] is the tenant (by index) vertex v is an asset of, -1 for
	// none; self is the tenant searched from (-1: none). A hop into the
	// searcher's own tenant (alice execs into her own pod) adds no layer
	// and no severity: it is no crossing of a boundary.
	owner []int32
	self  int32
	// The 0-1 deque: front is a stack of states at the current distance
	// (reached through hidden edges), back a queue.
	front, back []int32
}

const (
	controlled = 0
	reached    = 1
)

// layerBit is a layer's bit in a mask of layers (0 for none): a switch,
// not a map, as the matrix asks it for every cell a finding marks.
func layerBit(l finding.Category) uint8 {
	switch l {
	case finding.API:
		return 1
	case finding.Network:
		return 2
	case finding.DNS:
		return 4
	case finding.Node:
		return 8
	}
	return 0
}

// layersOf returns the layers of a mask, in layer order. The slices are
// shared and full (len = cap): callers never write into them, and an
// append copies.
func layersOf(mask uint8) []finding.Category { return layerSets[mask&15] }

var layerSets = func() (out [16][]finding.Category) {
	for mask := range out {
		for _, l := range layerOrder {
			if uint8(mask)&layerBit(l) != 0 {
				out[mask] = append(out[mask], l)
			}
		}
		out[mask] = slices.Clip(out[mask])
	}
	return out
}()

// searcher returns a searcher of g as it is: edges added after are not
// seen by it (a model's graph takes none once built).
func (g *Graph) searcher() *searcher {
	n := 2 * len(g.vertices)
	s := &searcher{g: g, edges: g.tightEdges(), via: make([]int32, n), dist: make([]int32, n), layers: make([]uint8, n), worst: make([]finding.Severity, n),
		pred: make([]int32, n), sdist: make([]int32, n), done: make([]bool, n), queued: make([]bool, n), self: -1}
	for i := range s.via {
		s.via[i] = -2
	}
	return s
}

// weigh returns what an edge adds to a path: its layer bit and severity,
// or nothing when it only enters the searcher's own tenant.
func (s *searcher) weigh(e *Edge) (uint8, finding.Severity) {
	if s.self >= 0 && s.owner[e.To] == s.self {
		return 0, finding.Info
	}
	return e.bit, e.Severity
}

// weighTight is weigh of a packed edge.
func (s *searcher) weighTight(e *tightEdge) (uint8, finding.Severity) {
	if s.self >= 0 && s.owner[e.to] == s.self {
		return 0, finding.Info
	}
	return e.bit, finding.Severity(e.sev)
}

// weighReach is weigh for a network reach between classes (reachRows).
func (s *searcher) weighReach(to int32) (uint8, finding.Severity) {
	if s.self >= 0 && s.owner[to] == s.self {
		return 0, finding.Info
	}
	return networkBit, finding.Medium
}

// b2i is 1 for true: a final edge leads to the reached state.
func b2i(b bool) int32 {
	if b {
		return 1
	}
	return 0
}

// networkBit is the network layer's bit, looked up once.
var networkBit = layerBit(finding.Network)

func (s *searcher) reset() {
	for _, x := range s.touched {
		s.via[x], s.dist[x], s.layers[x], s.worst[x], s.done[x] = -2, 0, 0, 0, false
	}
	s.touched = s.touched[:0]
}

func (s *searcher) run(sources []int32) {
	s.reset()
	g := s.g
	front, back := s.front[:0], s.back[:0]
	head := 0
	for _, v := range sources {
		x := 2 * v
		if s.via[x] == -2 {
			s.via[x] = -1
			s.touched = append(s.touched, x)
			back = append(back, x)
		}
	}
	for len(front) > 0 || head < len(back) {
		var x int32
		if n := len(front); n > 0 {
			x, front = front[n-1], front[:n-1]
		} else {
			x = back[head]
			head++
		}
		if s.done[x] {
			continue
		}
		s.done[x] = true
		if x%2 == reached {
			continue // an asset seen is no foothold
		}
		for _, eid := range g.out[x/2] {
			e := &s.edges[eid]
			if y := 2*e.to + b2i(e.final); s.done[y] {
				continue
			}
			bit, sev := s.weighTight(e)
			s.relax(x, eid, e.to, e.final, e.free, bit, sev, &front, &back)
		}
		if r := g.reach; r != nil {
			r.each(x/2, func(eid, to int32, group bool) {
				if s.done[2*to] {
					return
				}
				bit, sev := s.weighReach(to)
				s.relax(x, eid, to, false, group, bit, sev, &front, &back)
			})
		}
	}
	s.front, s.back = front, back
	s.propagate()
}

// relax follows one edge of the breadth-first pass from controlled state
// x to vertex to.
func (s *searcher) relax(x, eid, to int32, final, hidden bool, bit uint8, sev finding.Severity, front, back *[]int32) {
	y := 2 * to
	if final {
		y++
	}
	if s.done[y] {
		return
	}
	w := int32(1)
	if hidden {
		w = 0
	}
	d := s.dist[x] + w
	if s.via[y] != -2 && d >= s.dist[y] {
		return
	}
	if s.via[y] == -2 {
		s.touched = append(s.touched, y)
	}
	s.via[y], s.dist[y] = eid, d
	s.layers[y] = s.layers[x] | bit
	s.worst[y] = max(s.worst[x], sev)
	if w == 0 {
		*front = append(*front, y)
	} else {
		*back = append(*back, y)
	}
}

// propagate raises every reached state's severity and layers to the worst
// and union over all paths to it. The breadth-first values are lower
// bounds; a state whose value grows passes it on.
func (s *searcher) propagate() {
	g := s.g
	work := s.work[:0]
	for _, x := range s.touched {
		s.pred[x], s.sdist[x] = s.via[x], s.dist[x]
		if x%2 == controlled {
			work = append(work, x)
			s.queued[x] = true
		}
	}
	for head := 0; head < len(work); head++ {
		x := work[head]
		s.queued[x] = false
		for _, eid := range g.out[x/2] {
			e := &s.edges[eid]
			bit, sev := s.weighTight(e)
			s.raise(x, eid, e.to, e.final, e.free, bit, sev, &work)
		}
		if r := g.reach; r != nil {
			r.each(x/2, func(eid, to int32, group bool) {
				bit, sev := s.weighReach(to)
				s.raise(x, eid, to, false, group, bit, sev, &work)
			})
		}
	}
	s.work = work[:0]
}

// raise passes state x's severity and layers on along one edge; a state
// whose value grows is queued again.
func (s *searcher) raise(x, eid, to int32, final, hidden bool, bit uint8, esev finding.Severity, work *[]int32) {
	y := 2 * to
	if final {
		y++
	}
	sev := max(s.worst[x], esev)
	w := int32(1)
	if hidden {
		w = 0
	}
	d := s.sdist[x] + w
	if esev >= sev {
		d = s.dist[x] + w // path() takes the shortest way to x
	}
	lay := s.layers[x] | bit
	better := sev > s.worst[y] || (sev == s.worst[y] && d < s.sdist[y])
	if !better && lay&^s.layers[y] == 0 {
		return
	}
	if better {
		s.worst[y], s.pred[y], s.sdist[y] = sev, eid, d
	}
	s.layers[y] |= lay
	if y%2 == controlled && !s.queued[y] {
		s.queued[y] = true
		*work = append(*work, y)
	}
}

// path returns the edges of a most severe path from a source to state x,
// in order: back along pred to the edge that sets the path's severity, then
// the shortest way from a source to that edge.
func (s *searcher) path(x int32) []int32 {
	var tail []int32
	for steps := 0; s.pred[x] >= 0 && steps < len(s.pred); steps++ {
		eid := s.pred[x]
		e := s.g.Edge(eid)
		tail = append(tail, eid)
		from := 2 * e.From // every edge leaves a controlled vertex
		if _, sev := s.weigh(e); sev >= s.worst[x] {
			x = from
			break
		}
		x = from
	}
	p := s.treePath(x)
	for i := len(tail) - 1; i >= 0; i-- {
		p = append(p, tail[i])
	}
	return p
}

// treePath returns the edges of the shortest path from a source to state
// x, in order.
func (s *searcher) treePath(x int32) []int32 {
	var p []int32
	for s.via[x] >= 0 {
		eid := s.via[x]
		p = append(p, eid)
		x = 2 * s.g.Edge(eid).From // every edge leaves a controlled vertex
	}
	for i, j := 0, len(p)-1; i < j; i, j = i+1, j-1 {
		p[i], p[j] = p[j], p[i]
	}
	return p
}

// best returns the state by which v was reached on the most severe path,
// the shorter on a tie (see worseFirst), and false when not at all.
func (s *searcher) best(v int32) (int32, bool) {
	c, r := 2*v, 2*v+1
	switch {
	case s.via[c] == -2 && s.via[r] == -2:
		return 0, false
	case s.via[r] == -2:
		return c, true
	case s.via[c] == -2:
		return r, true
	case worseFirst(s, r, c):
		return r, true
	}
	return c, true
}
