package attackpath

import "github.com/bulkhead-dev/bulkhead/internal/finding"

// A search walks the graph from a set of controlled vertices. A vertex is
// either controlled (the attacker acts as it, and may go on from it) or only
// reached (through a final edge: an asset seen, not owned). Hidden edges
// cost nothing, other edges one hop, so a search is a 0-1 breadth-first
// search over states (vertex, controlled|reached); ties go to the edge added
// first, which makes every path deterministic. Along the search tree it
// keeps, per state, the layers crossed and the worst severity met, so that
// a matrix cell needs no path walk per asset.
//
// A searcher is reused from search to search; it only resets the states
// the previous search touched.
type searcher struct {
	g *Graph
	// via[x] is the edge that reached state x = 2*vertex+state (state 0
	// controlled, 1 reached), -1 for a source, -2 for not reached.
	via     []int32
	dist    []int32
	layers  []uint8
	worst   []finding.Severity
	done    []bool
	touched []int32
	// The 0-1 deque: front is a stack of states at the current distance
	// (reached through hidden edges), back a queue.
	front, back []int32
}

const (
	controlled = 0
	reached    = 1
)

var layerBit = map[finding.Category]uint8{finding.API: 1, finding.Network: 2, finding.DNS: 4, finding.Node: 8}

func layersOf(mask uint8) []finding.Category {
	var out []finding.Category
	for _, l := range layerOrder {
		if mask&layerBit[l] != 0 {
			out = append(out, l)
		}
	}
	return out
}

func (g *Graph) searcher() *searcher {
	n := 2 * len(g.vertices)
	s := &searcher{g: g, via: make([]int32, n), dist: make([]int32, n), layers: make([]uint8, n), worst: make([]finding.Severity, n), done: make([]bool, n)}
	for i := range s.via {
		s.via[i] = -2
	}
	return s
}

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
			e := &g.edges[eid]
			y := 2 * e.To
			if e.Final {
				y++
			}
			if s.done[y] {
				continue
			}
			w := int32(1)
			if e.Hidden {
				w = 0
			}
			d := s.dist[x] + w
			if s.via[y] != -2 && d >= s.dist[y] {
				continue
			}
			if s.via[y] == -2 {
				s.touched = append(s.touched, y)
			}
			s.via[y], s.dist[y] = eid, d
			s.layers[y] = s.layers[x] | layerBit[e.Layer]
			s.worst[y] = s.worst[x]
			if e.Severity > s.worst[y] {
				s.worst[y] = e.Severity
			}
			if w == 0 {
				front = append(front, y)
			} else {
				back = append(back, y)
			}
		}
	}
	s.front, s.back = front, back
}

// path returns the edges from a source to state x, in order.
func (s *searcher) path(x int32) []int32 {
	var p []int32
	for s.via[x] >= 0 {
		eid := s.via[x]
		p = append(p, eid)
		x = 2 * s.g.edges[eid].From // every edge leaves a controlled vertex
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
