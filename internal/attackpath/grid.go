package attackpath

import (
	"slices"
	"strings"

	"github.com/bulkhead-dev/bulkhead/internal/finding"
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
	idx := BreachesFirst(x.Cells)[:max]
	slices.Sort(idx)
	out.Cells = make([]Cell, len(idx))
	for k, i := range idx {
		out.Cells[k] = x.Cells[i]
	}
	out.CellsOmitted = x.CellsOmitted + len(x.Cells) - max
	return out
}

// BreachesFirst returns the indexes of cells, breaches before the
// platform's exposure, each the most severe first, in their order among
// equals: the order in which a report lists and explains them.
func BreachesFirst(cells []Cell) []int {
	return rankCells(cells, func(c *Cell) int {
		if c.Breached() {
			return int(finding.Critical) + 1 + int(c.Worst)
		}
		return int(c.Worst)
	}, 2*(int(finding.Critical)+1))
}

// WorstFirst returns the indexes of cells, the most severe first, in their
// order among equals: a counting sort, linear in a million cells.
func WorstFirst(cells []Cell) []int {
	return rankCells(cells, func(c *Cell) int { return int(c.Worst) }, int(finding.Critical)+1)
}

// rankCells orders the indexes of cells by key (0 to keys-1), highest
// first, stably.
func rankCells(cells []Cell, key func(*Cell) int, keys int) []int {
	start := make([]int, keys+1)
	for i := range cells {
		start[keys-1-key(&cells[i])+1]++
	}
	for k := 1; k <= keys; k++ {
		start[k] += start[k-1]
	}
	out := make([]int, len(cells))
	for i := range cells {
		k := keys - 1 - key(&cells[i])
		out[start[k]] = i
		start[k]++
	}
	return out
}
