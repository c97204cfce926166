package render

import (
	"fmt"
	"io"
	"strings"

	"github.com/bulkhead-dev/bulkhead/internal/attackpath"
)

// PathsDOT writes the union of the paths as a Graphviz digraph
// (`bulkhead paths -o dot | dot -Tsvg`): a box per vertex, an edge per
// hop labelled with its type and detail, each written once.
func PathsDOT(w io.Writer, paths []attackpath.Path) error {
	var b strings.Builder
	b.WriteString("digraph paths {\n  rankdir=LR;\n  node [shape=box, fontname=\"monospace\"];\n")
	seenNode := map[string]bool{}
	seenEdge := map[string]bool{}
	node := func(v attackpath.Vertex) {
		id := v.String()
		if !seenNode[id] {
			seenNode[id] = true
			fmt.Fprintf(&b, "  %q;\n", id)
		}
	}
	for _, p := range paths {
		for _, h := range p.Hops {
			node(h.From)
			node(h.To)
			label := string(h.Type)
			if h.Detail != "" {
				label += "\n" + h.Detail // %q writes it as \n, a line break to dot
			}
			e := fmt.Sprintf("  %q -> %q [label=%q];\n", h.From.String(), h.To.String(), label)
			if !seenEdge[e] {
				seenEdge[e] = true
				b.WriteString(e)
			}
		}
	}
	b.WriteString("}\n")
	_, err := io.WriteString(w, b.String())
	return err
}
