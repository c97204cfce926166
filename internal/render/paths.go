package render

import (
	"io"

	"github.com/bulkhead-dev/bulkhead/internal/attackpath"
)

// Paths writes attack paths for people, a hop per line; total is how many
// there were before any cut.
func Paths(w io.Writer, paths []attackpath.Path, total int, o TextOptions) error {
	if o.Width <= 0 {
		o.Width = 100
	}
	p := &printer{w: w, o: o}
	if total == 0 {
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
	p.printf("%d %s\n", total, plural(total, "path", "paths"))
	return p.err
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
}

// PathsJSON writes attack paths as a versioned JSON document; version is
// bulkhead's own.
func PathsJSON(w io.Writer, paths []attackpath.Path, total int, version string) error {
	return Document(w, &PathsDocument{SchemaVersion: PathsSchemaVersion, Version: version, Total: total, Paths: paths})
}
