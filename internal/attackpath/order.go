package attackpath

// sweepOrder lists the graph's vertices (their controlled states: reached
// states go nowhere) strongly connected component by component, in
// topological order: a sweep that takes them in this order settles most
// vertices in one visit, where a first-in first-out worklist revisits a
// vertex each time one more of its ways in brings something new.
type sweepOrder struct {
	vertices []int32 // by component, components in topological order
	starts   []int32 // component c is vertices[starts[c]:starts[c+1]]
	// A sweep numbers vertices by their place in vertices (pos), so that
	// it walks its values in order, component by component, and the
	// values it carries on mostly lie ahead. out holds what it reads of
	// each place's edges, their targets as places: Graph.out's edges in
	// their order, then the network layer's reach (networkWeighs), side
	// by side: place p's are out[outAt[p]:outAt[p+1]]. A sweep walks
	// every edge once a batch, and an Edge, evidence and all, is many
	// times the size of what it needs.
	pos   []int32 // vertex → place
	out   []sweepEdge
	outAt []int32
}

// sweepEdge is an edge as a sweep reads it.
type sweepEdge struct {
	to     int32
	weighs uint16
	final  bool
}

// order computes the sweep order once per model (Tarjan's algorithm,
// iteratively: paths in a big cluster's graph are long).
func (m *Model) order() *sweepOrder {
	m.orderOnce.Do(func() { m.sweepOrder = newSweepOrder(m.g) })
	return m.sweepOrder
}

func newSweepOrder(g *Graph) *sweepOrder {
	n := g.Len()
	// Every edge a sweep reads, by vertex, read once from the graph: the
	// passes below walk these, not the edges (each an Edge far from the
	// last). A vertex's successors are its edges but the final ones.
	adjAt := make([]int32, n+1)
	adj := make([]sweepEdge, 0, g.edges.len()+g.ReachEdges())
	for v := int32(0); v < int32(n); v++ {
		adjAt[v] = int32(len(adj))
		for _, eid := range g.out[v] {
			e := g.edges.at(eid)
			adj = append(adj, sweepEdge{to: e.To, weighs: e.weighs, final: e.Final})
		}
		if r := g.reach; r != nil {
			r.each(v, func(_, to int32, _ bool) { adj = append(adj, sweepEdge{to: to, weighs: networkWeighs}) })
		}
	}
	adjAt[n] = int32(len(adj))
	index := make([]int32, n) // 0: not visited; else visit number + 1
	low := make([]int32, n)
	onStack := make([]bool, n)
	var stack, order []int32
	var comps [][2]int32 // [start, end) in order, sink components first
	next := int32(1)
	// Each frame is a vertex and the place in adj of its next edge.
	type frame struct{ v, at int32 }
	var frames []frame
	push := func(v int32) {
		index[v], low[v] = next, next
		next++
		stack = append(stack, v)
		onStack[v] = true
		frames = append(frames, frame{v, adjAt[v]})
	}
	for root := int32(0); root < int32(n); root++ {
		if index[root] != 0 {
			continue
		}
		push(root)
		for len(frames) > 0 {
			f := &frames[len(frames)-1]
			if f.at < adjAt[f.v+1] {
				e := adj[f.at]
				f.at++
				switch w := e.to; {
				case e.final:
				case index[w] == 0:
					push(w)
				case onStack[w]:
					low[f.v] = min(low[f.v], index[w])
				}
				continue
			}
			v := f.v
			frames = frames[:len(frames)-1]
			if len(frames) > 0 {
				p := frames[len(frames)-1].v
				low[p] = min(low[p], low[v])
			}
			if low[v] == index[v] {
				start := int32(len(order))
				for {
					w := stack[len(stack)-1]
					stack = stack[:len(stack)-1]
					onStack[w] = false
					order = append(order, w)
					if w == v {
						break
					}
				}
				comps = append(comps, [2]int32{start, int32(len(order))})
			}
		}
	}
	// Tarjan finds sinks first. Components go in topological order,
	// breadth first (Kahn's, first in first out): the components an edge
	// leads to are placed side by side, so that the values a sweep
	// carries along a place's edges lie together.
	compOf := make([]int32, n)
	for c, r := range comps {
		for _, v := range order[r[0]:r[1]] {
			compOf[v] = int32(c)
		}
	}
	indegree := make([]int32, len(comps))
	for v := int32(0); v < int32(n); v++ {
		for _, e := range adj[adjAt[v]:adjAt[v+1]] {
			if !e.final && compOf[e.to] != compOf[v] {
				indegree[compOf[e.to]]++
			}
		}
	}
	queue := make([]int32, 0, len(comps))
	for c := len(comps) - 1; c >= 0; c-- {
		if indegree[c] == 0 {
			queue = append(queue, int32(c))
		}
	}
	o := &sweepOrder{vertices: make([]int32, 0, n), starts: make([]int32, 0, len(comps)+1)}
	for len(queue) > 0 {
		c := queue[0]
		queue = queue[1:]
		o.starts = append(o.starts, int32(len(o.vertices)))
		members := order[comps[c][0]:comps[c][1]]
		o.vertices = append(o.vertices, members...)
		for _, v := range members {
			for _, e := range adj[adjAt[v]:adjAt[v+1]] {
				if d := compOf[e.to]; !e.final && d != c {
					if indegree[d]--; indegree[d] == 0 {
						queue = append(queue, d)
					}
				}
			}
		}
	}
	o.starts = append(o.starts, int32(len(o.vertices)))
	o.pos = make([]int32, n)
	for p, v := range o.vertices {
		o.pos[v] = int32(p)
	}
	// The edges again, by place, their targets as places.
	o.outAt = make([]int32, n+1)
	o.out = make([]sweepEdge, 0, len(adj))
	for p, v := range o.vertices {
		o.outAt[p] = int32(len(o.out))
		for _, e := range adj[adjAt[v]:adjAt[v+1]] {
			e.to = o.pos[e.to]
			o.out = append(o.out, e)
		}
	}
	o.outAt[n] = int32(len(o.out))
	return o
}
