package check

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/bulkhead-dev/bulkhead/internal/render"
)

// Formats are the output formats of bulkhead check.
var Formats = render.Formats{Command: "check", Offered: []render.Format{render.FormatText, render.FormatJSON}}

// Report is what check answers for a change.
type Report struct {
	// Cluster is the snapshot's source the change was judged over.
	Cluster string `json:"cluster"`
	// DryRun is the webhook configuration's: nothing is denied.
	DryRun  bool     `json:"dryRun,omitempty"`
	Denied  int      `json:"denied"`
	Warned  int      `json:"warned"`
	Allowed int      `json:"allowed"`
	Objects []Result `json:"objects"`
}

// newReport counts the verdicts of results.
func newReport(cluster string, dryRun bool, results []Result) Report {
	r := Report{Cluster: cluster, DryRun: dryRun, Objects: results}
	for _, res := range results {
		switch res.Verdict {
		case Denied:
			r.Denied++
		case Warned:
			r.Warned++
		default:
			r.Allowed++
		}
	}
	return r
}

// write writes the report in format f.
func write(w io.Writer, f render.Format, r Report) error {
	switch f {
	case render.FormatText:
		return writeText(w, r)
	case render.FormatJSON:
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(r)
	}
	return Formats.Check(f)
}

// indent starts the lines under an object's verdict.
const indent = "         "

// writeText writes one line per object, its verdict first, then the
// webhook's message line by line and its warnings, then the counts.
func writeText(w io.Writer, r Report) error {
	var b strings.Builder
	for _, res := range r.Objects {
		fmt.Fprintf(&b, "%-8s %s (%s", res.Verdict, res.Object(), res.Operation)
		if res.Origin != "" {
			b.WriteString(", " + res.Origin)
		}
		if !res.Judged {
			b.WriteString(", not judged")
		}
		b.WriteString(")\n")
		if res.Message != "" {
			for _, line := range strings.Split(res.Message, "\n") {
				b.WriteString(indent + line + "\n")
			}
		}
		for _, warning := range res.Warnings {
			b.WriteString(indent + "warning: " + warning + "\n")
		}
		for _, a := range res.Audit {
			b.WriteString(indent + "audit: " + a + "\n")
		}
	}
	fmt.Fprintf(&b, "\n%d object(s) over %s: %d denied, %d warned, %d allowed", len(r.Objects), r.Cluster, r.Denied, r.Warned, r.Allowed)
	if r.DryRun {
		b.WriteString(" (dry run: the webhook denies nothing)")
	}
	b.WriteString("\n")
	_, err := io.WriteString(w, b.String())
	return err
}
