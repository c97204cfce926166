package render

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/bulkhead-dev/bulkhead/internal/analysis"

	"github.com/bulkhead-dev/bulkhead/internal/attackpath"
	"github.com/bulkhead-dev/bulkhead/internal/finding"
	"github.com/bulkhead-dev/bulkhead/internal/tenancy"
)

// gridMax is the most tenants the matrix grid shows; past it the grid
// keeps the most severe ones and says how to see the others.
const gridMax = 10

// pairsMax is how many breached pairs the text report shows with their
// witness path.
const pairsMax = 25

// isolation prints the matrix: the grid, the breached pairs worst first
// with their witness paths, the platform's exposure, users and groups,
// paths to cluster-admin. With a baseline (b), the pairs and paths to
// cluster-admin listed are the new ones only: the grid shows the rest.
func (p *printer) isolation(x *attackpath.Matrix, b *analysis.Baseline) {
	breached, pairs := breachedPairs(x, p.o.Tenant)
	header := fmt.Sprintf("%d of %s breached", breached, counted(pairs, "tenant pair", "tenant pairs"))
	newPair, newAdmin := func(string, string) bool { return true }, func(string) bool { return true }
	if b != nil {
		header += fmt.Sprintf(", %d new or worse since the baseline", len(b.NewPairs))
		newPair = func(s, t string) bool {
			return slices.ContainsFunc(b.NewPairs, func(tp analysis.TenantPair) bool { return tp.Source == s && tp.Target == t })
		}
		newAdmin = func(s string) bool {
			return slices.ContainsFunc(b.NewAdminPaths, func(tp analysis.TenantPair) bool { return tp.Source == s })
		}
		breached = len(b.NewPairs)
	}
	p.printf("%s %s\n", p.paint("1", "isolation:"), header)
	if p.incomplete != "" {
		p.wrap("  ", fmt.Sprintf("%s the matrix stands on incomplete input (%s): an isolated pair may not be", p.paint("33", "warning:"), p.incomplete))
	}
	if len(x.Tenants) > 1 && p.o.Tenant == "" {
		p.grid(x)
	}
	shown := 0
	for _, c := range sortedCells(x) {
		if !c.Breached() || !newPair(c.Source, c.Target) {
			continue
		}
		if shown == pairsMax && !p.o.Verbose {
			p.printf("  … %d more breached pairs (-v, -o json, or bulkhead paths)\n", breached-shown)
			break
		}
		shown++
		reach := ""
		if c.Paths > 0 {
			reach = fmt.Sprintf(", %d %s reached", c.Paths, plural(c.Paths, "asset", "assets"))
		}
		sev := p.sev(c.Worst)
		p.printf("  %s ", sev)
		p.wrapAt(3+visibleLen(sev), fmt.Sprintf("%s → %s: %s%s", c.Source, c.Target, layerList(c.Layers), reach))
		switch {
		case c.Witness != nil:
			p.path(c.Witness, "      ")
			if c.Witness.Severity < c.Worst && len(c.Findings) > 0 {
				// The verdict is a finding's, worse than the path's.
				p.wrap("      ", p.paint("2", fmt.Sprintf("the path is %s; the findings that join the pair (%s, below) make it %s", c.Witness.Severity, strings.Join(c.Findings, ", "), c.Worst)))
			}
		case c.Paths == 0 && len(c.Findings) > 0:
			p.wrap("      ", p.paint("2", "no attack path; joined by "+strings.Join(c.Findings, ", ")+" (below)"))
		case c.Paths == 0:
			p.printf("      %s\n", p.paint("2", "DNS only: names and addresses of its pods or Services are discoverable"))
		default:
			p.wrap("      ", p.paint("2", fmt.Sprintf("path: bulkhead paths --from %s --to %s", c.Source, c.Target)))
		}
	}
	p.platform(x)
	if len(x.Subjects) > 0 {
		p.printf("%s\n", p.paint("1", "users and groups:"))
		for i := range x.Subjects {
			p.subject(&x.Subjects[i])
		}
		if x.SubjectsLeft > 0 {
			p.printf("  … %d more (bulkhead paths --from User:NAME)\n", x.SubjectsLeft)
		}
	}
	var admins []*attackpath.Path
	for i := range x.AdminPaths {
		if newAdmin(x.AdminPaths[i].From) {
			admins = append(admins, &x.AdminPaths[i])
		}
	}
	if len(admins) > 0 {
		p.printf("%s\n", p.paint("1", "paths to cluster-admin:"))
		// Paths the audit's searches did not reach (the most severe have
		// their hops) are named a line per severity, each with -v: bulkhead
		// paths gives their hops.
		bare := map[finding.Severity][]string{}
		for _, a := range admins {
			switch {
			case a.Unsearched && !p.o.Verbose:
				bare[a.Severity] = append(bare[a.Severity], a.From)
			case a.Unsearched:
				p.printf("  %s %s: %s (bulkhead paths --from %s --to cluster-admin)\n", p.sev(a.Severity), a.From, layerList(a.Layers), a.From)
			default:
				p.printf("  %s %s\n", p.sev(a.Severity), a.From)
				p.path(a, "      ")
			}
		}
		for s := finding.Critical; s >= finding.Info; s-- {
			if names := bare[s]; len(names) > 0 {
				p.wrap("  "+p.sev(s)+" ", list(names, adminsNamed)+", without their hops (bulkhead paths --from TENANT --to cluster-admin)")
			}
		}
	}
	p.printf("\n")
}

// adminsNamed is how many tenants a line of paths to cluster-admin
// without hops names.
const adminsNamed = 10

// platform lists what the platform tenant reaches: expected power of the
// shared services, shown apart from the breaches, with the worst path.
func (p *printer) platform(x *attackpath.Matrix) {
	var cells []attackpath.Cell
	for _, c := range sortedCells(x) {
		if c.Platform && !c.Isolated && (p.o.Tenant == "" || c.Target == p.o.Tenant || c.Source == p.o.Tenant) {
			cells = append(cells, c)
		}
	}
	if len(cells) == 0 {
		return
	}
	p.printf("%s\n", p.paint("1", "platform exposure (the expected power of the platform namespaces, not breaches):"))
	for i, c := range cells {
		if i == pairsMax && !p.o.Verbose {
			p.printf("  … %d more (-v, -o json, or bulkhead paths --from %s)\n", len(cells)-i, c.Source)
			break
		}
		p.printf("  %s %s → %s: %s\n", p.sev(c.Worst), c.Source, c.Target, layerList(c.Layers))
		if c.Witness != nil && i == 0 {
			p.path(c.Witness, "      ")
		}
	}
}

// subjectPaths is how many paths of one user or group the text shows.
const subjectPaths = 5

func (p *printer) subject(r *attackpath.SubjectReach) {
	home := "no tenant"
	if r.Home != "" {
		home = "tenant " + r.Home
	}
	switch {
	case len(r.Tenants) == 0:
		p.printf("  %s (%s): reaches nothing\n", r.Subject, home)
		return
	case len(r.Tenants) == 1 && r.Tenants[0] == r.Home:
		p.printf("  %s (%s): reaches only %s\n", r.Subject, home, r.Home)
		return
	}
	names := strings.Join(r.Tenants, ", ")
	if !p.o.Verbose {
		names = cutList(r.Tenants, 8, "")
	}
	p.wrap("  ", fmt.Sprintf("%s (%s): reaches %d %s: %s", r.Subject, home, len(r.Tenants), plural(len(r.Tenants), "tenant", "tenants"), names))
	for i := range r.Paths {
		if i == subjectPaths && !p.o.Verbose {
			p.printf("      … (-v)\n")
			break
		}
		p.path(&r.Paths[i], "      ")
	}
}

// Path writes one attack path, a hop per line.
func (p *printer) path(path *attackpath.Path, indent string) {
	for _, h := range path.Hops {
		detail := ""
		if h.Detail != "" {
			detail = " (" + h.Detail + ")"
		}
		p.wrap(indent, fmt.Sprintf("%s %s%s %s", h.From, p.paint("36", string(h.Type)), detail, h.To))
		if p.o.Verbose {
			for _, e := range h.Evidence {
				p.wrap(indent+"    ", e.Object.String()+": "+e.Fact)
			}
		}
	}
}

func layerList(ls []finding.Category) string {
	var s []string
	for _, l := range ls {
		s = append(s, string(l))
	}
	return strings.Join(s, "+")
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// sortedCells orders breached cells worst first, keeping the matrix order
// among equals.
func sortedCells(x *attackpath.Matrix) []attackpath.Cell {
	out := make([]attackpath.Cell, 0, len(x.Cells))
	for _, i := range attackpath.WorstFirst(x.Cells) {
		out = append(out, x.Cells[i])
	}
	return out
}

// grid draws the matrix: rows are sources, numbered; columns are the same
// tenants by number; a cell shows the breached layers (a api, n network,
// d dns, h node) or "·", coloured by the worst severity.
func (p *printer) grid(x *attackpath.Matrix) {
	tenants := x.Tenants
	if len(tenants) > gridMax {
		tenants = mostSevere(x, gridMax)
	}
	w := 0
	for _, t := range tenants {
		if n := utf8.RuneCountInString(t); n > w {
			w = n
		}
	}
	if limit := p.o.Width - 6 - 5*len(tenants); w > limit {
		w = max(limit, 8)
	}
	p.printf("  %*s", w+3, "")
	for i := range tenants {
		p.printf(" %-4d", i+1)
	}
	p.printf("\n")
	shown := map[string]bool{}
	for _, t := range tenants {
		shown[t] = true
	}
	cells := map[[2]string]*attackpath.Cell{} // one pass, not a scan per cell
	for i := range x.Cells {
		if c := &x.Cells[i]; shown[c.Source] && shown[c.Target] {
			cells[[2]string{c.Source, c.Target}] = c
		}
	}
	for i, a := range tenants {
		p.printf("  %2d %s", i+1, pad(clip(a, w), w))
		for _, b := range tenants {
			cell := "·"
			if a == b {
				cell = "—"
			} else if c := cells[[2]string{a, b}]; c != nil {
				cell = p.cellText(c)
			}
			p.printf(" %s", pad(cell, 4))
		}
		p.printf("\n")
	}
	legend := "rows: from, columns: to; a api, n network, d dns, h node; · isolated"
	if p.o.Color {
		legend += "; colour: worst severity"
	}
	if slices.Contains(tenants, tenancy.Platform) {
		legend += "; the platform row is exposure, not breaches"
	}
	p.wrap("  ", p.paint("2", legend))
	if hidden := len(x.Tenants) - len(tenants); hidden > 0 {
		p.wrap("  ", p.paint("2", fmt.Sprintf("the %d most exposed of %d tenants; %s hidden: -o json has every pair, --tenant NAME one tenant's row and column", len(tenants), len(x.Tenants), counted(hidden, "tenant", "tenants"))))
	}
}

// mostSevere picks n tenants for the grid: those in the worst breached
// cells (as source or target), then those in the most breached cells, in
// matrix order.
func mostSevere(x *attackpath.Matrix, n int) []string {
	type score struct {
		worst finding.Severity
		cells int
	}
	scores := map[string]*score{}
	for _, t := range x.Tenants {
		scores[t] = &score{worst: -1}
	}
	for _, c := range x.Cells {
		if !c.Breached() {
			continue
		}
		for _, t := range []string{c.Source, c.Target} {
			if s := scores[t]; s != nil {
				s.worst = max(s.worst, c.Worst)
				s.cells++
			}
		}
	}
	ranked := slices.Clone(x.Tenants)
	sort.SliceStable(ranked, func(i, j int) bool {
		a, b := scores[ranked[i]], scores[ranked[j]]
		if a.worst != b.worst {
			return a.worst > b.worst
		}
		return a.cells > b.cells
	})
	keep := map[string]bool{}
	for _, t := range ranked[:n] {
		keep[t] = true
	}
	var out []string
	for _, t := range x.Tenants {
		if keep[t] {
			out = append(out, t)
		}
	}
	return out
}

// clip shortens s to w runes, marking the cut.
func clip(s string, w int) string {
	r := []rune(s)
	if len(r) <= w {
		return s
	}
	return string(r[:w-1]) + "…"
}

func (p *printer) cellText(c *attackpath.Cell) string {
	if c.Isolated {
		return "·"
	}
	var b strings.Builder
	for _, l := range c.Layers {
		switch l {
		case finding.API:
			b.WriteByte('a')
		case finding.Network:
			b.WriteByte('n')
		case finding.DNS:
			b.WriteByte('d')
		case finding.Node:
			b.WriteByte('h')
		}
	}
	if c.Platform {
		return p.paint("2", b.String()) // exposure, not a breach
	}
	return p.paint(severityColor[c.Worst], b.String())
}

// pad pads s to width w of visible characters.
func pad(s string, w int) string {
	if n := visibleLen(s); n < w {
		return s + strings.Repeat(" ", w-n)
	}
	return s
}
