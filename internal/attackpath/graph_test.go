package attackpath

import (
	"fmt"
	"testing"
)

// TestEdgesAcrossChunks: a graph keeps each edge by the id Add gave it and
// lists it under its source, past the first chunk of its store and
// across the bounds of the next ones, with the same edge added twice kept
// once.
func TestEdgesAcrossChunks(t *testing.T) {
	g := NewGraph()
	const n = 3*edgeChunk + 5
	hub := g.Vertex(Vertex{Kind: Hub, Name: "hub"})
	for i := 0; i < n; i++ {
		to := g.Vertex(Vertex{Kind: Pod, Namespace: "ns", Name: fmt.Sprint(i)})
		g.Add(Edge{From: hub, To: to, Type: "t", Detail: fmt.Sprint(i)})
		g.Add(Edge{From: hub, To: to, Type: "t", Detail: fmt.Sprint(i)})
	}
	if g.Edges() != n {
		t.Fatalf("Edges() = %d, want %d", g.Edges(), n)
	}
	if len(g.out[hub]) != n {
		t.Fatalf("%d edges out of the hub, want %d", len(g.out[hub]), n)
	}
	for i, id := range g.out[hub] {
		e := g.Edge(id)
		if int(id) != i || e.Detail != fmt.Sprint(i) || g.At(e.To).Name != fmt.Sprint(i) {
			t.Fatalf("edge %d: id %d, detail %q, to %s", i, id, e.Detail, g.At(e.To))
		}
	}
	for c := range g.edges.chunks[:len(g.edges.chunks)-1] {
		if l := len(g.edges.chunks[c]); l != edgeChunk {
			t.Fatalf("chunk %d holds %d edges, want %d", c, l, edgeChunk)
		}
	}
}
