package render

import (
	"encoding/json"
	"fmt"
	"html/template"
	"slices"

	"github.com/bulkhead-dev/bulkhead/internal/analysis"
	"github.com/bulkhead-dev/bulkhead/internal/attackpath"
	"github.com/bulkhead-dev/bulkhead/internal/finding"
	"github.com/bulkhead-dev/bulkhead/internal/tenancy"
)

// tableMax is the most tenants whose grid the page draws as a table, a
// link per pair. Past it (a thousand tenants have a million pairs) the
// page's script draws the grid on a canvas from the matrix's Grid, one
// pixel block per pair, and a click opens the pair's cell.
const tableMax = 60

// htmlMatrix is the isolation matrix as the page shows it.
type htmlMatrix struct {
	Tenants []string
	// Rows are the table's rows, when the grid is a table.
	Rows []htmlRow
	// Canvas is the grid for the script to draw, when it is not: JSON of
	// the tenants, the grid's rows and the listed cells' [row, column, id].
	Canvas          template.JS
	Cells           []htmlCell
	Omitted         int
	Breached, Pairs int
	Incomplete      string
	// PlatformRow is set when the platform tenant has a row, which is
	// exposure, not breaches.
	PlatformRow bool
	AdminPaths  []attackpath.Path
	// grid is a row of verdict characters per source (GridLegend).
	grid []string
}

type htmlRow struct {
	N      int
	Tenant string
	Cells  []htmlGridCell
}

// htmlGridCell is one pair in the table: the tenant itself, isolated, or
// reached with its worst severity and layers; ID is the listed cell it
// opens, or -1.
type htmlGridCell struct {
	Self  bool
	ID    int
	Class string
	Text  string
	Title string
}

// htmlCell is one listed pair with everything its panel shows.
type htmlCell struct {
	attackpath.Cell
	ID        int
	Sev       string
	LayerText string
	// Note says why the cell has no witness path, when it has none.
	Note string
	// Joined are the findings that name the pair.
	Joined []findingLink
}

type findingLink struct {
	N               int
	ID, Sev, Reason string
}

// gridSeverity is the severity a grid character stands for, and false for
// the tenant itself and an isolated pair.
func gridSeverity(c byte) (finding.Severity, bool) {
	switch c {
	case 'i':
		return finding.Info, true
	case 'l':
		return finding.Low, true
	case 'm':
		return finding.Medium, true
	case 'h':
		return finding.High, true
	case 'c':
		return finding.Critical, true
	}
	return 0, false
}

func newHTMLMatrix(x *attackpath.Matrix, fs []finding.Finding, incomplete string, tenant string) *htmlMatrix {
	listed := *x
	if len(x.Cells) > analysis.ListedCells {
		listed = x.Bound(analysis.ListedCells)
	}
	m := &htmlMatrix{
		Tenants:     x.Tenants,
		Omitted:     listed.CellsOmitted,
		Incomplete:  incomplete,
		PlatformRow: slices.Contains(x.Tenants, tenancy.Platform),
		AdminPaths:  x.AdminPaths,
		grid:        matrixGrid(x),
	}
	m.Breached, m.Pairs = breachedPairs(x, tenant)
	byID := map[string][]int{}
	for i := range fs {
		byID[fs[i].ID] = append(byID[fs[i].ID], i)
	}
	for i, c := range listed.Cells {
		h := htmlCell{Cell: c, ID: i, Sev: c.Worst.String(), LayerText: layerList(c.Layers)}
		switch {
		case c.Witness != nil:
		case c.Paths == 0 && len(c.Findings) > 0:
			h.Note = "No attack path: the findings below join the pair."
		case c.Paths == 0:
			h.Note = "DNS only: the names and addresses of its pods or Services are discoverable."
		default:
			h.Note = fmt.Sprintf("The report carries the witness of the %d most severe pairs at most (fewer on a big cluster, where searches run out of budget): bulkhead paths --from %s --to %s", analysis.ExplainedCells, c.Source, c.Target)
		}
		for _, id := range c.Findings {
			for _, n := range byID[id] {
				if f := &fs[n]; sideNames(f.SourceTenant, f.SourceTenants, c.Source) && sideNames(f.TargetTenant, f.TargetTenants, c.Target) {
					h.Joined = append(h.Joined, findingLink{N: n, ID: f.ID, Sev: f.Severity.String(), Reason: f.Reason})
				}
			}
		}
		m.Cells = append(m.Cells, h)
	}
	if len(x.Tenants) <= tableMax {
		m.Rows = m.table()
	} else {
		m.Canvas = m.canvas()
	}
	return m
}

// sideNames reports whether a finding's side (a tenant, or "*" with the set
// it stands for) names tenant t, as Matrix.AddFindings reads it.
func sideNames(side string, set []string, t string) bool {
	switch {
	case side == t:
		return true
	case side != "*":
		return false
	case len(set) > 0:
		return slices.Contains(set, t)
	}
	return t != tenancy.Cluster
}

// matrixGrid is the matrix's Grid, or one drawn from its cells when the
// matrix has none (it was not summarised).
func matrixGrid(x *attackpath.Matrix) []string {
	if len(x.Grid) == len(x.Tenants) {
		return x.Grid
	}
	place := map[string]int{}
	rows := make([][]byte, len(x.Tenants))
	for i, t := range x.Tenants {
		place[t] = i
		rows[i] = make([]byte, len(x.Tenants))
		for j := range rows[i] {
			rows[i][j] = '.'
		}
		rows[i][i] = '-'
	}
	for _, c := range x.Cells {
		a, okA := place[c.Source]
		b, okB := place[c.Target]
		if okA && okB && a != b && !c.Isolated && c.Worst >= finding.Info && c.Worst <= finding.Critical {
			rows[a][b] = "ilmhc"[c.Worst]
		}
	}
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = string(r)
	}
	return out
}

// reached reports whether source i reaches target j, by the grid.
func (m *htmlMatrix) reached(i, j int) bool {
	if i >= len(m.grid) || j >= len(m.grid[i]) {
		return false
	}
	_, ok := gridSeverity(m.grid[i][j])
	return ok
}

// table lays the grid out as rows of links, a listed pair showing its
// layers, an unlisted reached one its severity only.
func (m *htmlMatrix) table() []htmlRow {
	ids := map[[2]string]*htmlCell{}
	for i := range m.Cells {
		ids[[2]string{m.Cells[i].Source, m.Cells[i].Target}] = &m.Cells[i]
	}
	rows := make([]htmlRow, len(m.Tenants))
	for i, a := range m.Tenants {
		row := htmlRow{N: i + 1, Tenant: a, Cells: make([]htmlGridCell, len(m.Tenants))}
		for j, b := range m.Tenants {
			g := htmlGridCell{ID: -1, Class: "iso", Text: "·", Title: a + " → " + b + ": isolated"}
			if i == j {
				g = htmlGridCell{Self: true, ID: -1, Class: "self", Text: "—", Title: a}
			} else if s, ok := gridSeverity(m.grid[i][j]); ok {
				g.Class = "sev-" + s.String()
				g.Text = "•"
				g.Title = fmt.Sprintf("%s → %s: %s (not listed: bulkhead paths --from %s --to %s)", a, b, s, a, b)
			}
			if c := ids[[2]string{a, b}]; c != nil && i != j {
				g.ID = c.ID
				g.Class = "sev-" + c.Sev
				g.Text = layerLetters(c.Layers)
				g.Title = fmt.Sprintf("%s → %s: %s, %s", a, b, c.Sev, c.LayerText)
			}
			if a == tenancy.Platform && !g.Self {
				g.Class += " platform"
			}
			row.Cells[j] = g
		}
		rows[i] = row
	}
	return rows
}

// canvas is the grid as JSON for the page's script.
func (m *htmlMatrix) canvas() template.JS {
	place := make(map[string]int, len(m.Tenants))
	for i, t := range m.Tenants {
		place[t] = i
	}
	data := struct {
		Tenants []string `json:"tenants"`
		Grid    []string `json:"grid"`
		Cells   [][3]int `json:"cells"`
	}{Tenants: m.Tenants, Grid: m.grid, Cells: make([][3]int, 0, len(m.Cells))}
	for _, c := range m.Cells {
		a, okA := place[c.Source]
		b, okB := place[c.Target]
		if okA && okB {
			data.Cells = append(data.Cells, [3]int{a, b, c.ID})
		}
	}
	b, err := json.Marshal(data) // escapes <, > and &: safe in a script
	if err != nil {
		return "null" // strings and ints always marshal
	}
	return template.JS(b)
}

// layerLetters abbreviates layers as the text grid does: a api, n network,
// d dns, h node.
func layerLetters(ls []finding.Category) string {
	var b []byte
	for _, l := range ls {
		switch l {
		case finding.API:
			b = append(b, 'a')
		case finding.Network:
			b = append(b, 'n')
		case finding.DNS:
			b = append(b, 'd')
		case finding.Node:
			b = append(b, 'h')
		}
	}
	return string(b)
}
