package render

import (
	"fmt"
	"io"
	"strings"

	"github.com/bulkhead-dev/bulkhead/internal/admission"
)

// CheckAs writes what bulkhead check answers for a change: one line per
// object (text, its messages wrapped to o.Width, unwrapped for 0) or the
// report as JSON.
func CheckAs(w io.Writer, f Format, r admission.ReplayReport, o TextOptions) error {
	switch f {
	case FormatText:
		return checkText(w, r, o.Width)
	case FormatJSON:
		return Document(w, struct {
			SchemaVersion string `json:"schemaVersion"`
			admission.ReplayReport
		}{CheckSchemaVersion, r})
	}
	return CheckFormats.unwritten(f)
}

// CheckSchemaVersion versions check's JSON.
const CheckSchemaVersion = "bulkhead.dev/check/v1alpha1"

// checkIndent starts the lines under an object's verdict.
const checkIndent = "         "

// checkText writes one line per object, its verdict first, then the
// webhook's message line by line and its warnings, each wrapped to width
// (none for 0), then the counts.
func checkText(w io.Writer, r admission.ReplayReport, width int) error {
	var b strings.Builder
	line := func(text string) {
		if width <= 0 {
			b.WriteString(checkIndent + text + "\n")
			return
		}
		p := &printer{w: &b, o: TextOptions{Width: width}}
		p.wrap(checkIndent, text)
	}
	for _, res := range r.Objects {
		head := fmt.Sprintf("%s (%s", res.Object(), res.Operation)
		if res.Origin != "" {
			head += ", " + res.Origin
		}
		if !res.Judged {
			head += ", not judged"
		}
		head += ")"
		if width <= 0 {
			fmt.Fprintf(&b, "%-8s %s\n", res.Verdict, head)
		} else {
			p := &printer{w: &b, o: TextOptions{Width: width}}
			p.printf("%-8s ", res.Verdict)
			p.wrapAt(len(checkIndent), head)
		}
		if res.Message != "" {
			for _, l := range strings.Split(res.Message, "\n") {
				line(l)
			}
		}
		for _, warning := range res.Warnings {
			line("warning: " + warning)
		}
		for _, a := range res.Audit {
			line("audit: " + a)
		}
	}
	summary := fmt.Sprintf("%d object(s) over %s: %d denied, %d warned, %d allowed", len(r.Objects), r.Cluster, r.Denied, r.Warned, r.Allowed)
	if r.DryRun {
		summary += " (dry run: the webhook denies nothing)"
	}
	b.WriteString("\n")
	if width > 0 {
		p := &printer{w: &b, o: TextOptions{Width: width}}
		p.wrap("", summary)
	} else {
		b.WriteString(summary + "\n")
	}
	_, err := io.WriteString(w, safeText(b.String(), false))
	return err
}
