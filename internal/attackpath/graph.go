package attackpath

import (
	"sync"

	"github.com/bulkhead-dev/bulkhead/internal/finding"
)

// Kind is the kind of a graph node.
type Kind string

// Vertex kinds. User, Group, ServiceAccount, Pod and Node are identities;
// Namespace, Workloads, Secrets, Pod, ServiceAccount, Node and
// ClusterAdmin are assets.
const (
	User           Kind = "User"
	Group          Kind = "Group"
	ServiceAccount Kind = "ServiceAccount"
	Pod            Kind = "Pod"
	Node           Kind = "Node"
	// Namespace is a namespace's API objects: reading them is a breach.
	Namespace Kind = "Namespace"
	// Workloads is "a new pod in this namespace": whoever reaches it runs
	// code there, as any of its service accounts.
	Workloads Kind = "Workloads"
	// Secrets is the secrets of one namespace.
	Secrets      Kind = "Secrets"
	ClusterAdmin Kind = "ClusterAdmin"
	// NetClass is an internal hop: the pods of one network equivalence
	// class, so that reachability costs classes², not pods².
	NetClass Kind = "NetClass"
	// Placement is an internal hop: the pods that may share the same
	// nodes, so that a node costs one edge per placement.
	Placement Kind = "Placement"
	// Hub is an internal hop that fans a grant out: "exec into every pod of
	// namespace N", or of every namespace, so that a cluster-wide grant
	// costs one edge per subject, not one per pod.
	Hub Kind = "Hub"
)

// AnyNode stands for every node when the snapshot has none to name.
const AnyNode = "*"

// Vertex is a node of the graph.
type Vertex struct {
	Kind      Kind   `json:"kind"`
	Namespace string `json:"namespace,omitempty"`
	Name      string `json:"name"`
}

func (v Vertex) String() string {
	switch {
	case v.Kind == ClusterAdmin:
		return "cluster-admin"
	case v.Kind == Node && v.Name == AnyNode:
		return "Node/(any node)"
	case v.Namespace == "":
		return string(v.Kind) + "/" + v.Name
	}
	return string(v.Kind) + "/" + v.Namespace + "/" + v.Name
}

// Ref is the vertex as a finding reference.
func (v Vertex) Ref() finding.Ref {
	return finding.Ref{Kind: string(v.Kind), Namespace: v.Namespace, Name: v.Name}
}

// EdgeType names what an edge means. See docs/attack-graph.md.
type EdgeType string

// Edge is one step an attacker can take, with the facts that prove it.
type Edge struct {
	From, To int32
	Type     EdgeType
	Layer    finding.Category
	Severity finding.Severity
	// Detail is a short qualifier: the ports of a network edge, the
	// capability of an API edge.
	Detail   string
	Evidence []finding.Step
	// Final edges reach an asset without control of it: reaching a pod over
	// the network, or reading a namespace's objects, gives nothing to go on
	// from.
	Final bool
	// Hidden edges are internal hops (into and out of a network class):
	// they cost nothing in path length and are folded into the edge they
	// lead to when a path is shown.
	Hidden bool
	// shifted moves the length of a hop through a hub from the edge into
	// the hub (shown) to the hidden edges out of it: the edge in costs
	// nothing and each edge out one, so that a hop through a hub claims
	// its targets when a direct edge would, and shortest paths tie as
	// they would without the hub. See free.
	shifted bool

	// explain, when set, makes the evidence when the edge is shown, for
	// edges that are many and seldom shown (a big cluster's grants).
	explain func() []finding.Step

	// classes are the source and destination network classes of a
	// reaches edge, whose evidence is computed when shown.
	classes [2]int32
	// bit is the layer's bit (layerBit), set by Add for the search;
	// weighs the sweep's slots the edge adds to (weighsOf).
	bit    uint8
	weighs uint16
}

// free reports whether an edge costs nothing in a path's length: a hidden
// hop, or the edge into a hub whose hidden edges out carry the length.
func (e *Edge) free() bool { return e.Hidden != e.shifted }

// Graph is a directed multigraph of vertices and typed edges.
type Graph struct {
	vertices []Vertex
	index    map[Vertex]int32
	edges    edgeStore
	out      [][]int32 // edge ids by source vertex
	seen     map[edgeKey]bool
	// reach is the network layer's class-to-class reach, as virtual edges
	// (reachRows); nil when the pairs are edges.
	reach *reachRows

	// tight holds, by edge id, what a search reads of each edge, packed
	// (tightEdges): a million edges of a big cluster are read from 8 MB,
	// not 128.
	tightMu sync.Mutex
	tight   []tightEdge
}

// tightEdge is what a search reads of an edge: its target, whether it is
// final and free (Edge.final, Edge.free), its severity and its layer's
// bit.
type tightEdge struct {
	to    int32
	sev   uint8
	bit   uint8
	final bool
	free  bool
}

// tightEdges returns the packed edges, packing those added since the last
// call; slices returned before stay valid (edges are never changed).
func (g *Graph) tightEdges() []tightEdge {
	g.tightMu.Lock()
	defer g.tightMu.Unlock()
	for id := int32(len(g.tight)); int(id) < g.edges.len(); id++ {
		e := g.edges.at(id)
		g.tight = append(g.tight, tightEdge{to: e.To, sev: uint8(e.Severity), bit: e.bit, final: e.Final, free: e.free()})
	}
	return g.tight
}

type edgeKey struct {
	from, to int32
	typ      EdgeType
	detail   string
}

// NewGraph returns an empty graph.
func NewGraph() *Graph { return newGraph(0, 0) }

// newGraph returns an empty graph with room for about vertices and edges:
// a big cluster's graph would otherwise rehash its indexes many times over.
func newGraph(vertices, edges int) *Graph {
	return &Graph{index: make(map[Vertex]int32, vertices), seen: make(map[edgeKey]bool, edges),
		vertices: make([]Vertex, 0, vertices), out: make([][]int32, 0, vertices), edges: newEdgeStore(edges)}
}

// Vertex returns the id of v, adding it when new.
func (g *Graph) Vertex(v Vertex) int32 {
	if id, ok := g.index[v]; ok {
		return id
	}
	id := int32(len(g.vertices))
	g.vertices = append(g.vertices, v)
	g.index[v] = id
	g.out = append(g.out, nil)
	return id
}

// Lookup returns the id of v and whether it is in the graph.
func (g *Graph) Lookup(v Vertex) (int32, bool) {
	id, ok := g.index[v]
	return id, ok
}

// At returns the vertex of an id.
func (g *Graph) At(id int32) Vertex { return g.vertices[id] }

// Len is the number of vertices.
func (g *Graph) Len() int { return len(g.vertices) }

// Edges is the number of edges, ids 0 to Edges()-1; the network layer's
// class-to-class reach (ReachEdges) is apart.
func (g *Graph) Edges() int { return g.edges.len() }

// ReachEdges is the number of class-to-class reach pairs kept as rows.
func (g *Graph) ReachEdges() int {
	if g.reach == nil {
		return 0
	}
	return g.reach.count()
}

// Edge returns an edge by id.
func (g *Graph) Edge(id int32) *Edge {
	if id >= reachBase {
		return g.reach.edge(id)
	}
	return g.edges.at(id)
}

// Add adds an edge unless one of the same type and detail already joins the
// same vertices; the first one added keeps its evidence. A model's graph
// is complete after Build, which drops the index of the edges added.
func (g *Graph) Add(e Edge) {
	if e.From == e.To {
		return
	}
	if g.seen == nil {
		panic("attackpath: an edge added after the graph was built")
	}
	k := edgeKey{e.From, e.To, e.Type, e.Detail}
	if g.seen[k] {
		return
	}
	g.seen[k] = true
	g.add(e)
}

// addNew adds an edge that no other call can add: the fan-out of a hidden
// hop made in the same breath (each target once), or a pod's one edge
// into its network class. It skips Add's check for a duplicate, most of
// what Add costs on a big cluster.
func (g *Graph) addNew(e Edge) {
	if g.seen == nil {
		panic("attackpath: an edge added after the graph was built")
	}
	if e.From != e.To {
		g.add(e)
	}
}

func (g *Graph) add(e Edge) {
	e.bit = layerBit(e.Layer)
	e.weighs = weighsOf(e.Severity, e.bit)
	g.out[e.From] = append(g.out[e.From], g.edges.add(e))
}

// edgeChunk is the number of edges each chunk of an edgeStore holds, all
// but the last full: edge id i is edge i%edgeChunk of chunk i/edgeChunk.
const edgeChunk = 1 << 14

// edgeStore keeps a graph's edges in chunks, so that a big cluster's
// million edges are never copied to grow: one slice would be, five times
// over, as it grew. The first chunk starts from the room asked for and
// grows as a slice would, so a small graph costs no more than one; the
// next ones are made full size.
type edgeStore struct {
	chunks [][]Edge
	n      int
}

func newEdgeStore(room int) edgeStore {
	return edgeStore{chunks: [][]Edge{make([]Edge, 0, min(room, edgeChunk))}}
}

func (s *edgeStore) len() int { return s.n }

func (s *edgeStore) at(id int32) *Edge { return &s.chunks[id/edgeChunk][id%edgeChunk] }

// add appends e and returns its id.
func (s *edgeStore) add(e Edge) int32 {
	last := &s.chunks[len(s.chunks)-1]
	if len(*last) == edgeChunk {
		s.chunks = append(s.chunks, make([]Edge, 0, edgeChunk))
		last = &s.chunks[len(s.chunks)-1]
	}
	*last = append(*last, e)
	s.n++
	return int32(s.n - 1)
}
