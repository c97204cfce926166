package attackpath

import (
	"math"
	"math/bits"

	"github.com/bulkhead-dev/bulkhead/internal/finding"
)

// reachBase is the first id of a virtual reach edge: ids below it are real
// edges.
const reachBase = int32(1 << 30)

// reachRows holds the network layer's class-to-class reach as bitset rows,
// not as one edge per pair of classes: with thousands of classes that
// broadly reach each other, pairs would be most of the graph (classes²).
// The pair (i, j) is a virtual edge from the vertex of source class i to
// that of destination class j, of type reaches, with id reachBase + i*n + j;
// Graph.Edge builds it when a path shows it.
type reachRows struct {
	rows  [][]uint64
	srcOf []int32 // vertex → its source class, -1 for others
	src   []int32 // class → its source vertex
	dst   []int32 // class → its destination vertex
	n     int32
}

// fits reports whether n classes' pairs fit in the virtual ids.
func fitsReach(n int) bool {
	return int64(n)*int64(n) < int64(math.MaxInt32)-int64(reachBase)
}

// each calls f with the id and destination vertex of every virtual edge
// leaving vertex v.
func (r *reachRows) each(v int32, f func(eid, to int32)) {
	if int(v) >= len(r.srcOf) {
		return
	}
	i := r.srcOf[v]
	if i < 0 {
		return
	}
	for w, word := range r.rows[i] {
		for word != 0 {
			b := bits.TrailingZeros64(word)
			word &^= 1 << b
			j := int32(w*64 + b)
			f(reachBase+i*r.n+j, r.dst[j])
		}
	}
}

// edge builds the virtual edge of an id.
func (r *reachRows) edge(id int32) *Edge {
	k := id - reachBase
	i, j := k/r.n, k%r.n
	return &Edge{From: r.src[i], To: r.dst[j], Type: Reaches, Layer: finding.Network, Severity: finding.Medium,
		bit: networkBit, classes: [2]int32{i, j}}
}

// count is the number of virtual edges.
func (r *reachRows) count() int {
	n := 0
	for _, row := range r.rows {
		for _, w := range row {
			n += bits.OnesCount64(w)
		}
	}
	return n
}
