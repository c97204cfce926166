package render

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/bulkhead-dev/bulkhead/internal/finding"

	"github.com/bulkhead-dev/bulkhead/internal/attackpath"
)

// PathsResult is what `bulkhead paths` prints: the paths kept, how many
// there were before --max cut them, and the pairs the audit's matrix marks
// without an attack path (findings, DNS discovery).
type PathsResult struct {
	Paths  []attackpath.Path
	Total  int
	Joined []attackpath.Cell
	// Version is bulkhead's own, written in the JSON.
	Version string
	// Incomplete says what the analyses the attack graph joins could not
	// read or do not model (IncompleteNotes): paths may be missing or
	// not exist.
	Incomplete []string
}

// PathsAs writes r in format f, one of PathsFormats; o tunes the text.
func PathsAs(w io.Writer, f Format, r PathsResult, o TextOptions) error {
	switch f {
	case FormatText:
		p := &printer{w: w}
		if p.warnIncomplete("the paths", r.Incomplete); p.err != nil {
			return p.err
		}
		return Paths(w, r.Paths, r.Total, r.Joined, o)
	case FormatJSON:
		return Document(w, &PathsDocument{SchemaVersion: PathsSchemaVersion, Version: r.Version, Total: r.Total,
			Paths: r.Paths, Joined: r.Joined, Incomplete: r.Incomplete})
	case FormatDOT:
		return PathsDOT(w, r.Paths)
	}
	return PathsFormats.unwritten(f)
}

// Paths writes attack paths for people, a hop per line; total is how many
// there were before any cut. joined are the pairs whose verdict in the
// audit's matrix the paths do not explain in full (findings, DNS
// discovery), with or without paths of their own.
func Paths(w io.Writer, paths []attackpath.Path, total int, joined []attackpath.Cell, o TextOptions) error {
	if o.Width <= 0 {
		o.Width = 100
	}
	p := &printer{w: w, o: o}
	if total == 0 && len(joined) == 0 {
		p.printf("no path: isolated\n")
		return p.err
	}
	for i := range paths {
		x := &paths[i]
		p.printf("%s %s ⇒ %s (%s)\n", p.sev(x.Severity), x.From, x.Target, layerList(x.Layers))
		p.path(x, "    ")
	}
	if total > len(paths) {
		p.printf("… %d more paths (--max 0 for all)\n", total-len(paths))
	}
	if total > 0 {
		p.printf("%d %s\n", total, plural(total, "path", "paths"))
	}
	for _, g := range groupJoined(joined, paths) {
		c := g.cells[0]
		p.wrap("", fmt.Sprintf("%s %s → %s (%s): %s (bulkhead audit --tenant %s)",
			p.sev(c.Worst), c.Source, joinedTargets(g.cells), layerList(c.Layers), g.what, c.Source))
	}
	return p.err
}

// joinedGroup is the joined pairs of one source that say the same (the
// severity, layers and what joins them), a line for all: a tenant that
// DNS discovery alone joins to a thousand others gets one line, not a
// thousand.
type joinedGroup struct {
	what  string
	cells []attackpath.Cell
}

// joinedShown is how many targets a group's line names.
const joinedShown = 5

// groupJoined groups the joined pairs that say the same, in the order of
// their first pair.
func groupJoined(joined []attackpath.Cell, paths []attackpath.Path) []joinedGroup {
	var groups []joinedGroup
	at := map[string]int{}
	for _, c := range joined {
		var by []string
		by = append(by, c.Findings...)
		if slices.Contains(c.Layers, finding.DNS) {
			by = append(by, "DNS discovery")
		}
		if l := unshownLayers(c, paths); len(l) > 0 {
			// The matrix counts every path; a layer only longer or milder
			// paths cross is on none shown here.
			by = append(by, "paths not shown that cross the "+layerList(l)+" layer (the matrix counts every path, this lists the most severe to each asset)")
		}
		what := "no attack path, but joined by"
		if c.Paths > 0 {
			what = "beside the paths above, joined by"
		}
		what += " " + strings.Join(by, ", ")
		key := c.Source + "\x00" + c.Worst.String() + "\x00" + layerList(c.Layers) + "\x00" + what
		if i, ok := at[key]; ok {
			groups[i].cells = append(groups[i].cells, c)
			continue
		}
		at[key] = len(groups)
		groups = append(groups, joinedGroup{what: what, cells: []attackpath.Cell{c}})
	}
	return groups
}

// joinedTargets names a group's targets, or past joinedShown of them
// counts them and names the first.
func joinedTargets(cells []attackpath.Cell) string {
	names := make([]string, len(cells))
	for i := range cells {
		names[i] = cells[i].Target
	}
	if len(cells) <= joinedShown {
		return strings.Join(names, ", ")
	}
	return fmt.Sprintf("%d tenants (%s)", len(cells), cutList(names, joinedShown, ""))
}

// unshownLayers are the layers of a joined pair that neither the paths
// shown for it, nor its findings, nor DNS discovery account for.
func unshownLayers(c attackpath.Cell, paths []attackpath.Path) []finding.Category {
	have := map[finding.Category]bool{finding.DNS: true}
	for i := range paths {
		if paths[i].From == c.Source && paths[i].To == c.Target {
			for _, l := range paths[i].Layers {
				have[l] = true
			}
		}
	}
	for _, id := range c.Findings {
		if r, ok := finding.RuleOf(id); ok {
			have[r.Category] = true
		}
	}
	var out []finding.Category
	for _, l := range c.Layers {
		if !have[l] {
			out = append(out, l)
		}
	}
	return out
}

// PathsSchemaVersion versions the JSON of `bulkhead paths -o json`; like
// the report's, it changes only when a field is renamed, removed or
// changes meaning.
const PathsSchemaVersion = "bulkhead.dev/paths/v1alpha1"

// PathsDocument is `bulkhead paths -o json`: the paths printed and how many
// there were before --max cut them.
type PathsDocument struct {
	SchemaVersion string            `json:"schemaVersion"`
	Version       string            `json:"bulkheadVersion"`
	Total         int               `json:"total"`
	Paths         []attackpath.Path `json:"paths"`
	// Joined are the tenant pairs of the audit's matrix whose verdict the
	// paths do not explain in full: joined by findings or DNS discovery
	// without an attack path (paths 0), or beside their paths, with a
	// layer or a severity the paths lack. They carry no witness.
	Joined []attackpath.Cell `json:"joined"`
	// Incomplete, when set, says what the analyses the paths rest on could
	// not read or do not model, a line each: paths may be missing, or
	// not exist.
	Incomplete []string `json:"incomplete,omitempty"`
}

// PathsJSON writes attack paths as a versioned JSON document; version is
// bulkhead's own.
func PathsJSON(w io.Writer, paths []attackpath.Path, total int, joined []attackpath.Cell, version string) error {
	return Document(w, &PathsDocument{SchemaVersion: PathsSchemaVersion, Version: version, Total: total, Paths: paths, Joined: joined})
}
