package render

import (
	"fmt"
	"io"
	"strings"

	"github.com/bulkhead-dev/bulkhead/internal/analysis"
	"github.com/bulkhead-dev/bulkhead/internal/baseline"
)

// DiffAs writes what opened and closed between two reports in format f,
// one of DiffFormats; o tunes the text.
func DiffAs(w io.Writer, f Format, d *baseline.Diff, o TextOptions) error {
	switch f {
	case FormatText:
		return DiffText(w, d, o)
	case FormatJSON:
		return Document(w, d)
	}
	return DiffFormats.unwritten(f)
}

// DiffText writes the difference for people: a count of each, then what
// opened and what closed, each worst first: tenant pairs, paths to
// cluster-admin, findings.
func DiffText(w io.Writer, d *baseline.Diff, o TextOptions) error {
	if o.Width <= 0 {
		o.Width = 100
	}
	p := &printer{w: w, o: o}
	p.printf("%s %s → %s\n", p.paint("1", "bulkhead diff:"), d.Old, d.New)
	p.wrap("opened: ", changeCounts(&d.Opened))
	p.wrap("closed: ", changeCounts(&d.Closed))
	for _, n := range d.Notes {
		p.wrap(p.paint("33", "note:")+"   ", n)
	}
	for _, why := range d.Incomplete {
		p.wrap(p.paint("33", "warning:")+" ", "the new report stands on incomplete input, so what it shows closed may not be: "+why)
	}
	p.changes("opened", &d.Opened, true)
	p.changes("closed", &d.Closed, false)
	return p.err
}

func changeCounts(c *baseline.Changes) string {
	if len(c.Pairs)+len(c.AdminPaths)+len(c.Findings) == 0 {
		return "nothing"
	}
	return sentence([]string{
		counted(len(c.Pairs), "tenant pair", "tenant pairs"),
		counted(len(c.AdminPaths), "path to cluster-admin", "paths to cluster-admin"),
		counted(len(c.Findings), "finding", "findings"),
	})
}

// changes prints one side of the difference; opened says which, for the
// words of a pair's other severity.
func (p *printer) changes(title string, c *baseline.Changes, opened bool) {
	if len(c.Pairs)+len(c.AdminPaths) > 0 {
		p.printf("\n%s\n", p.paint("1", "tenant pairs "+title+":"))
	}
	for _, pc := range c.Pairs {
		p.printf("  %s %s → %s%s\n", p.sev(pc.Worst()), pc.Source, pc.Target, pairOther(pc, opened, "isolated"))
	}
	for _, pc := range c.AdminPaths {
		p.printf("  %s %s → %s%s\n", p.sev(pc.Worst()), pc.Source, pc.Target, pairOther(pc, opened, "no path"))
	}
	if len(c.Findings) > 0 {
		p.printf("\n%s\n", p.paint("1", "findings "+title+":"))
	}
	for _, f := range c.Findings {
		p.printf("  %s %-11s ", p.sev(f.Severity), f.ID)
		label := analysis.Pair{Source: f.SourceTenant, Target: f.TargetTenant}.Label()
		p.wrapAt(23, label+": "+f.Reason)
		p.printf("%s%s\n", strings.Repeat(" ", 23), p.paint("2", "fingerprint "+f.Fingerprint))
	}
}

// pairOther says the pair's severity on the other side of the change:
// before an opening, after a closing; none when it was or is not breached.
func pairOther(pc baseline.PairChange, opened bool, none string) string {
	other, words := pc.Was, "was"
	if !opened {
		other, words = pc.Now, "now"
	}
	if other == nil {
		return fmt.Sprintf(" (%s %s)", words, none)
	}
	return fmt.Sprintf(" (%s %s)", words, *other)
}
