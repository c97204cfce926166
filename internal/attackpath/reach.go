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
//
// Destination classes that every source reaches alike (the same column,
// but for a class's own bit: the host-network pods of a DaemonSet, one
// class per node, open to every pod) are reached through a group: the
// source's row holds the group's bit, the group's row its members (through
// a tree of hubs, so that a member reaches the others but not itself).
// Hubs are hidden hops, so paths keep their length, and rows grow with
// classes plus groups, not with classes × nodes.
//
// Rows and columns are numbered over classes, then groups. The pair
// (i, j) is a virtual edge from the vertex of source i to that of
// destination j, with id reachBase + i*n + j; Graph.Edge builds it when a
// path shows it.
type reachRows struct {
	rows [][]uint64 // nil for a row kept as a list
	// lists holds the rows with few bits as their columns: a hub reaches
	// two, most classes a handful of a wide row.
	lists   [][]int32
	srcOf   []int32 // vertex → its source row, -1 for others
	src     []int32 // row → its source vertex
	dst     []int32 // column → its destination vertex
	n       int32   // rows and columns: classes, then groups
	classes int32   // classes; rows and columns from here are groups
	pairs   int     // class-to-class pairs the rows stand for
}

// fits reports whether n rows' pairs fit in the virtual ids.
func fitsReach(n int) bool {
	return int64(n)*int64(n) < int64(math.MaxInt32)-int64(reachBase)
}

// each calls f with the id and destination vertex of every virtual edge
// leaving vertex v, and whether the edge enters a group (a hidden hop).
func (r *reachRows) each(v int32, f func(eid, to int32, group bool)) {
	if int(v) >= len(r.srcOf) {
		return
	}
	i := r.srcOf[v]
	if i < 0 {
		return
	}
	if r.rows[i] == nil {
		for _, j := range r.lists[i] {
			f(reachBase+i*r.n+j, r.dst[j], j >= r.classes)
		}
		return
	}
	for w, word := range r.rows[i] {
		for word != 0 {
			b := bits.TrailingZeros64(word)
			word &^= 1 << b
			j := int32(w*64 + b)
			f(reachBase+i*r.n+j, r.dst[j], j >= r.classes)
		}
	}
}

// edge builds the virtual edge of an id. An edge into a group is hidden
// and carries the source class; an edge out of one carries the
// destination class (see Model.Explain).
func (r *reachRows) edge(id int32) *Edge {
	k := id - reachBase
	i, j := k/r.n, k%r.n
	e := &Edge{From: r.src[i], To: r.dst[j], Type: Reaches, Layer: finding.Network, Severity: finding.Medium,
		bit: networkBit, classes: [2]int32{i, j}}
	if j >= r.classes {
		e.Hidden, e.classes[1] = true, -1
	}
	if i >= r.classes {
		e.classes[0] = -1
	}
	return e
}

// count is the number of class-to-class pairs.
func (r *reachRows) count() int { return r.pairs }

// newReachRows groups the destination classes of rows (classes × classes,
// a class's own bit clear) whose columns are alike, and returns the rows
// with each group's members replaced by its bit. group(g) returns the
// vertex of group g, created on demand; src and dst are the classes'
// vertices.
func newReachRows(rows [][]uint64, src, dst []int32, vertices int, group func(g int) int32) *reachRows {
	n := len(rows)
	pairs := 0
	// Columns, each with its own bit set, grouped by equality.
	cols := make([][]uint64, n)
	words := (n + 63) / 64
	for j := range cols {
		cols[j] = make([]uint64, words)
		cols[j][j/64] |= 1 << (j % 64)
	}
	for i, row := range rows {
		for w, word := range row {
			for ; word != 0; word &= word - 1 {
				j := w*64 + bits.TrailingZeros64(word)
				cols[j][i/64] |= 1 << (i % 64)
				pairs++
			}
		}
	}
	groupOf := make([]int32, n)
	var members [][]int32
	byHash := map[uint64][]int32{} // hash → first member of each group
	for j := range cols {
		groupOf[j] = -1
		h := hashWords(cols[j])
		found := false
		for _, g := range byHash[h] {
			if equalWords(cols[members[g][0]], cols[j]) {
				members[g] = append(members[g], int32(j))
				groupOf[j] = g
				found = true
				break
			}
		}
		if !found {
			g := int32(len(members))
			members = append(members, []int32{int32(j)})
			byHash[h] = append(byHash[h], g)
			groupOf[j] = g
		}
	}
	// Each group of two or more classes becomes a tree of hubs, numbered
	// after the classes: a source outside the group reaches its root; a
	// member reaches the others through the hubs that cover them, which
	// are O(log members) (a member does not reach its own class).
	trees := make([]*hubNode, len(members))
	next := int32(n)
	var hubCols [][]int32 // hub → the columns it reaches
	for g, ms := range members {
		if len(ms) >= 2 {
			trees[g] = buildHubs(ms, 0, len(ms), &next, &hubCols)
		}
	}
	position := make([]int, n) // class → its place in its group
	for _, ms := range members {
		for t, j := range ms {
			position[j] = t
		}
	}
	if !fitsReach(int(next)) {
		next, hubCols = int32(n), nil
		clear(trees)
	}
	total := next
	r := &reachRows{n: total, classes: int32(n), pairs: pairs, rows: make([][]uint64, total),
		src: make([]int32, total), dst: make([]int32, total), srcOf: make([]int32, vertices)}
	copy(r.src, src[:n])
	copy(r.dst, dst[:n])
	width := (int(total) + 63) / 64
	set := func(row []uint64, j int32) { row[j/64] |= 1 << (j % 64) }
	for i, row := range rows {
		out := make([]uint64, width)
		if t := trees[groupOf[i]]; t != nil {
			k := len(members[groupOf[i]])
			for _, j := range t.cover(0, position[i], nil) {
				set(out, j)
			}
			for _, j := range t.cover(position[i]+1, k, nil) {
				set(out, j)
			}
		}
		for w, word := range row {
			for ; word != 0; word &= word - 1 {
				j := w*64 + bits.TrailingZeros64(word)
				t := trees[groupOf[j]]
				switch {
				case t == nil:
					set(out, int32(j))
				case groupOf[j] != groupOf[i]:
					set(out, t.col) // the whole group
				}
			}
		}
		r.rows[i] = out
	}
	for k, cols := range hubCols {
		h := int32(n + k)
		v := group(k)
		r.src[h], r.dst[h] = v, v
		out := make([]uint64, width)
		for _, j := range cols {
			set(out, j)
		}
		r.rows[h] = out
	}
	r.lists = make([][]int32, total)
	for i, row := range r.rows {
		r.rows[i], r.lists[i] = sparse(row)
	}
	for v := range r.srcOf {
		r.srcOf[v] = -1
	}
	for top := int(maxVertex(r.src)); len(r.srcOf) <= top; {
		r.srcOf = append(r.srcOf, -1)
	}
	for i, v := range r.src {
		r.srcOf[v] = int32(i)
	}
	return r
}

// hubNode is a hub of a group's tree: the members lo to hi (exclusive),
// reached through column col (a member's own class for a single one).
type hubNode struct {
	lo, hi      int
	col         int32
	left, right *hubNode
}

// buildHubs builds the tree over members[lo:hi], appending each hub's
// columns to hubCols and numbering hubs from *next.
func buildHubs(members []int32, lo, hi int, next *int32, hubCols *[][]int32) *hubNode {
	if hi-lo == 1 {
		return &hubNode{lo: lo, hi: hi, col: members[lo]}
	}
	mid := (lo + hi) / 2
	nd := &hubNode{lo: lo, hi: hi, col: *next}
	*next++
	*hubCols = append(*hubCols, nil)
	k := len(*hubCols) - 1
	nd.left = buildHubs(members, lo, mid, next, hubCols)
	nd.right = buildHubs(members, mid, hi, next, hubCols)
	(*hubCols)[k] = []int32{nd.left.col, nd.right.col}
	return nd
}

// cover appends the columns that reach exactly the members lo to hi.
func (nd *hubNode) cover(lo, hi int, out []int32) []int32 {
	switch {
	case lo >= hi || hi <= nd.lo || nd.hi <= lo:
		return out
	case lo <= nd.lo && nd.hi <= hi:
		return append(out, nd.col)
	}
	return nd.right.cover(lo, hi, nd.left.cover(lo, hi, out))
}

// sparse returns a row with fewer bits than words as the list of its
// columns (and no row); a denser row as it is.
func sparse(row []uint64) ([]uint64, []int32) {
	n := 0
	for _, w := range row {
		n += bits.OnesCount64(w)
	}
	if n >= len(row) {
		return row, nil
	}
	list := make([]int32, 0, n)
	for w, word := range row {
		for ; word != 0; word &= word - 1 {
			list = append(list, int32(w*64+bits.TrailingZeros64(word)))
		}
	}
	return nil, list
}

func maxVertex(vs []int32) int32 {
	m := int32(-1)
	for _, v := range vs {
		m = max(m, v)
	}
	return m
}

func hashWords(ws []uint64) uint64 {
	h := uint64(14695981039346656037)
	for _, w := range ws {
		h ^= w
		h *= 1099511628211
	}
	return h
}

func equalWords(a, b []uint64) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
