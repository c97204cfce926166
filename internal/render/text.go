package render

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/bulkhead-dev/bulkhead/internal/audit"
	"github.com/bulkhead-dev/bulkhead/internal/finding"
)

// TextOptions tune the text report.
type TextOptions struct {
	// Color enables ANSI colours (only for a terminal).
	Color bool
	// Width is the terminal width; lines of detail are wrapped to it.
	// Zero means 100.
	Width int
	// Verbose prints each finding's detail and full witness; otherwise the
	// witness is cut to its first steps.
	Verbose bool
}

const witnessSteps = 4

// tenantsShown is how many tenants the header names without -v.
const tenantsShown = 12

// Text writes the report for people.
func Text(w io.Writer, r *audit.Report, o TextOptions) error {
	if o.Width <= 0 {
		o.Width = 100
	}
	p := &printer{w: w, o: o}
	var partial []string
	for _, a := range r.Analyses {
		if a.Status != audit.Ran {
			partial = append(partial, a.Name+" "+a.Status)
		}
	}
	p.incomplete = strings.Join(partial, ", ")
	p.header(r)
	if r.Isolation != nil {
		p.isolation(r.Isolation)
	}
	pairs := r.ByPair()
	for i, pair := range pairs {
		if i == pairsShown && !o.Verbose {
			rest := 0
			for _, q := range pairs[i:] {
				rest += len(q.Findings)
			}
			p.printf("… %d more findings for %d more tenant pairs (-v or -o json)\n\n", rest, len(pairs)-i)
			break
		}
		p.pair(pair)
	}
	p.footer(r)
	return p.err
}

type printer struct {
	w   io.Writer
	o   TextOptions
	err error
	// incomplete names the analyses that ran on partial input.
	incomplete string
}

func (p *printer) printf(format string, args ...interface{}) {
	if p.err == nil {
		_, p.err = fmt.Fprintf(p.w, format, args...)
	}
}

func (p *printer) paint(code, s string) string {
	if !p.o.Color {
		return s
	}
	return "\x1b[" + code + "m" + s + "\x1b[0m"
}

var severityColor = map[finding.Severity]string{
	finding.Critical: "1;31", finding.High: "31", finding.Medium: "33", finding.Low: "36", finding.Info: "2",
}

func (p *printer) sev(s finding.Severity) string {
	return p.paint(severityColor[s], fmt.Sprintf("%-8s", strings.ToUpper(s.String())))
}

func (p *printer) header(r *audit.Report) {
	p.printf("%s %s\n", p.paint("1", "bulkhead audit:"), r.Source)
	var tn []string
	for i, t := range r.Tenants {
		if i == tenantsShown && !p.o.Verbose {
			tn = append(tn, fmt.Sprintf("… %d more", len(r.Tenants)-i))
			break
		}
		if t.System {
			tn = append(tn, fmt.Sprintf("%s (%s)", t.Name, strings.Join(t.Namespaces, ", ")))
		} else if len(t.Namespaces) == 1 && t.Namespaces[0] == t.Name {
			tn = append(tn, t.Name)
		} else {
			tn = append(tn, fmt.Sprintf("%s (%s)", t.Name, strings.Join(t.Namespaces, ", ")))
		}
	}
	p.wrap("tenants:  ", fmt.Sprintf("%d: %s", len(r.Tenants), strings.Join(tn, "; ")))
	p.printf("analyses:\n")
	for _, a := range r.Analyses {
		status := a.Status
		switch a.Status {
		case audit.Ran:
			status = p.paint("32", "ran")
		case audit.Incomplete:
			status = p.paint("33", "INCOMPLETE")
		case audit.NotRun:
			status = p.paint("2", "not run")
		}
		line := status
		if a.Status != audit.NotRun {
			line += fmt.Sprintf(", %d findings", a.Findings)
		}
		if len(a.Notes) > 0 {
			line += ": " + strings.Join(a.Notes, "; ")
		}
		p.wrap(fmt.Sprintf("  %-9s ", a.Name), line)
	}
	if len(r.Problems) > 0 {
		p.printf("%s %d input document(s) skipped (listed at the end)\n", p.paint("33", "warning:"), len(r.Problems))
	}
	p.printf("\n")
}

// pairsShown is how many tenant pairs' findings the text report shows
// without -v, worst first.
const pairsShown = 30

// perPair is how many findings of one tenant pair the text report shows
// without -v; the rest are counted, and all are in the JSON report.
const perPair = 10

func (p *printer) pair(pair audit.Pair) {
	p.printf("%s %s\n", p.paint("1", "== "+pair.Label()), p.paint("2", fmt.Sprintf("(%d)", len(pair.Findings))))
	for i, f := range pair.Findings {
		if i == perPair && !p.o.Verbose {
			p.printf("  … %d more findings for %s (-v or -o json)\n", len(pair.Findings)-perPair, pair.Label())
			break
		}
		p.printf("  %s %s  ", p.sev(f.Severity), p.paint("2", f.ID))
		p.wrapAt(2+8+1+len(f.ID)+2, f.Reason)
		indent := strings.Repeat(" ", 12)
		if p.o.Verbose && f.Detail != "" {
			p.wrap(indent, f.Detail)
		}
		steps := f.Witness
		if !p.o.Verbose && len(steps) > witnessSteps {
			steps = steps[:witnessSteps]
		}
		for i, s := range steps {
			lead := indent + "    "
			if i == 0 {
				lead = indent + p.paint("2", "why ")
			}
			p.wrap(lead, s.Object.String()+": "+s.Fact)
		}
		if len(steps) < len(f.Witness) {
			p.printf("%s    … %d more steps (-v)\n", indent, len(f.Witness)-len(steps))
		}
		if f.Remediation != "" {
			p.wrap(indent+p.paint("2", "fix "), f.Remediation)
		}
	}
	p.printf("\n")
}

func (p *printer) footer(r *audit.Report) {
	var parts []string
	for s := finding.Critical; s >= finding.Info; s-- {
		if n := r.Summary[s.String()]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, s))
		}
	}
	if len(parts) == 0 {
		p.printf("%s\n", p.paint("32", "no findings"))
	} else {
		p.printf("%s %d findings: %s\n", p.paint("1", "summary:"), len(r.Findings), strings.Join(parts, ", "))
	}
	if len(r.UnknownKinds) > 0 {
		var ks []string
		for k, n := range r.UnknownKinds {
			ks = append(ks, fmt.Sprintf("%s ×%d", k, n))
		}
		sort.Strings(ks)
		p.wrap("not analysed (kinds bulkhead does not model): ", strings.Join(ks, ", "))
	}
	for _, pr := range r.Problems {
		p.wrap(p.paint("33", "skipped ")+" ", pr.String())
	}
}

// wrap prints lead then text, wrapping text to the width with the
// continuation lines indented under the text.
func (p *printer) wrap(lead, text string) {
	p.printf("%s", lead)
	p.wrapAt(visibleLen(lead), text)
}

func (p *printer) wrapAt(col int, text string) {
	width := p.o.Width - col
	if width < 30 {
		width = 30
	}
	line := 0
	for i, word := range strings.Fields(text) {
		if i > 0 && line+1+len(word) > width {
			p.printf("\n%s", strings.Repeat(" ", col))
			line = 0
		} else if i > 0 {
			p.printf(" ")
			line++
		}
		p.printf("%s", word)
		line += len(word)
	}
	p.printf("\n")
}

// visibleLen is the printed width of s, ignoring ANSI escapes.
func visibleLen(s string) int {
	n, esc := 0, false
	for _, r := range s {
		switch {
		case r == '\x1b':
			esc = true
		case esc && r == 'm':
			esc = false
		case !esc:
			n++
		}
	}
	return n
}
