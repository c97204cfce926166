package attackpath

import (
	"slices"
	"sort"
	"strings"
)

// GridLegend says what the characters of Matrix.Grid mean.
const GridLegend = "- the tenant itself, . isolated, i l m h c reached: worst severity info, low, medium, high, critical"

// gridChar is the character of a cell in the grid.
func gridChar(c *Cell) byte {
	if c.Isolated {
		return '.'
	}
	return "ilmhc"[c.Worst]
}

// grid draws the verdict of every pair: a row per source tenant, a
// character per target. Pairs the cells do not list are isolated.
func (x *Matrix) grid() []string {
	place := make(map[string]int, len(x.Tenants))
	for i, t := range x.Tenants {
		place[t] = i
	}
	rows := make([][]byte, len(x.Tenants))
	for i := range rows {
		rows[i] = []byte(strings.Repeat(".", len(x.Tenants)))
		rows[i][i] = '-'
	}
	for i := range x.Cells {
		c := &x.Cells[i]
		a, okA := place[c.Source]
		b, okB := place[c.Target]
		if okA && okB && a != b {
			rows[a][b] = gridChar(c)
		}
	}
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = string(r)
	}
	return out
}

// Bound returns the matrix with at most max cells listed: the most severe
// (matrix order among equals), in matrix order, with CellsOmitted counting
// the others. The grid still gives every pair's verdict, and `bulkhead
// paths` any pair's paths. The matrix itself is not changed.
func (x *Matrix) Bound(max int) Matrix {
	out := *x
	if len(x.Cells) <= max {
		return out
	}
	idx := make([]int, len(x.Cells))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(i, j int) bool { return worseCell(&x.Cells[idx[i]], &x.Cells[idx[j]]) })
	idx = idx[:max]
	slices.Sort(idx)
	out.Cells = make([]Cell, len(idx))
	for k, i := range idx {
		out.Cells[k] = x.Cells[i]
	}
	out.CellsOmitted = x.CellsOmitted + len(x.Cells) - max
	return out
}

// worseCell orders cells for Bound: breaches before the platform's
// exposure, then the most severe.
func worseCell(a, b *Cell) bool {
	if a.Breached() != b.Breached() {
		return a.Breached()
	}
	return a.Worst > b.Worst
}
