package render

import (
	"fmt"
	"io"
	"strings"

	"github.com/bulkhead-dev/bulkhead/internal/analysis"
	"github.com/bulkhead-dev/bulkhead/internal/attackpath"
	"github.com/bulkhead-dev/bulkhead/internal/finding"
	"github.com/bulkhead-dev/bulkhead/internal/tenancy"
)

// What the Markdown summary lists before it counts the rest, so that it
// fits a pull-request comment (GitHub's limit is MarkdownLimit characters)
// on any cluster.
const (
	MarkdownPairs    = 10
	MarkdownFindings = 30
	// MarkdownLimit is the longest comment GitHub accepts, in characters.
	MarkdownLimit = 65536
	// markdownCell bounds the text of one table cell, in runes.
	markdownCell = 300
)

// Markdown writes the report as a summary for a pull-request comment: the
// findings by severity, each analysis and how complete it was, the
// breached tenant pairs worst first and the findings worst first, each
// list bounded (MarkdownPairs, MarkdownFindings) with a count of the
// rest. With a baseline, what is new comes first: the report's findings
// are those the baseline did not hold.
func Markdown(w io.Writer, r *analysis.Report) error {
	m := &mdWriter{w: w}
	m.summary(r)
	m.analyses(r)
	if b := r.Baseline; b != nil {
		m.newPairs(b)
		m.findings(r, "New findings")
		m.pairs(r)
	} else {
		m.pairs(r)
		m.findings(r, "Findings")
	}
	m.input(r)
	version := r.Version
	if version == "" {
		version = "devel"
	}
	m.printf("\n<sub>bulkhead %s · `bulkhead audit -o json` has every pair and finding; `bulkhead paths` explains any pair.</sub>\n", mdText(version))
	return m.err
}

type mdWriter struct {
	w   io.Writer
	err error
}

func (m *mdWriter) printf(format string, args ...any) {
	if m.err == nil {
		_, m.err = io.WriteString(m.w, safeText(fmt.Sprintf(format, args...), false))
	}
}

// summary is the title, the findings by severity and the tenants.
func (m *mdWriter) summary(r *analysis.Report) {
	m.printf("## bulkhead audit: %s\n\n", mdText(r.Source))
	bySeverity := map[finding.Severity]int{}
	for _, f := range r.Findings {
		bySeverity[f.Severity]++
	}
	what := "finding"
	if r.Baseline != nil {
		what = "new finding"
	}
	line := "**" + counted(len(r.Findings), what, what+"s") + "**"
	var parts []string
	for s := finding.Critical; s >= finding.Info; s-- {
		if n := bySeverity[s]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, s))
		}
	}
	if len(parts) > 0 {
		line += ": " + strings.Join(parts, ", ")
	}
	line += " · " + counted(len(r.Tenants), "tenant", "tenants")
	if x := r.Isolation; x != nil {
		breached, pairs := breachedPairs(x, "")
		line += fmt.Sprintf(", %d of %s breached", breached, counted(pairs, "pair", "pairs"))
	}
	m.printf("%s\n\n", line)
	if b := r.Baseline; b != nil {
		m.printf("Baseline %s: %s, %s and %s it already held are left out.\n\n", mdCode(b.File),
			counted(b.Findings, "finding", "findings"), counted(b.Pairs, "breached pair", "breached pairs"), counted(b.AdminPaths, "path to cluster-admin", "paths to cluster-admin"))
	}
	if n := len(r.Suppressed); n > 0 {
		m.printf("%s suppressed.\n\n", counted(n, "finding", "findings"))
	}
	for _, s := range r.ExpiredSuppressions {
		m.printf("⚠️ The suppression at %s expired on %s: it suppresses nothing any more.\n\n", mdCode(s.Where), mdText(s.Expires))
	}
}

// analyses says which ran, and why any did not or ran on partial input.
func (m *mdWriter) analyses(r *analysis.Report) {
	if len(r.Analyses) == 0 {
		return
	}
	var as []string
	for _, a := range r.Analyses {
		s := a.Name + " " + a.Status
		switch a.Status {
		case analysis.Ran:
			s = "✅ " + s
		default:
			s = "⚠️ **" + s + "**"
			if len(a.Notes) > 0 {
				s += " (" + mdText(strings.Join(a.Notes, "; ")) + ")"
			}
		}
		as = append(as, s)
	}
	m.printf("Analyses: %s\n", strings.Join(as, " · "))
	if r.Incomplete() {
		m.printf("\n**The verdict stands on partial input**: what an analysis could not see is not reported.\n")
	}
}

// pairs lists the breached tenant pairs, worst first.
func (m *mdWriter) pairs(r *analysis.Report) {
	x := r.Isolation
	if x == nil {
		return
	}
	var rows []*attackpath.Cell
	for _, i := range attackpath.WorstFirst(x.Cells) {
		if c := &x.Cells[i]; c.Breached() && c.Source != tenancy.Cluster {
			rows = append(rows, c)
		}
	}
	breached, _ := breachedPairs(x, "")
	if r.Baseline != nil {
		m.printf("\n### Tenant pairs breached, the baseline's included\n\n")
	} else {
		m.printf("\n### Tenant pairs breached\n\n")
	}
	if breached == 0 {
		m.printf("None: every tenant is isolated from every other.\n")
		return
	}
	m.printf("| from | to | worst | layers | paths | checks |\n|---|---|---|---|---|---|\n")
	for i, c := range rows {
		if i == MarkdownPairs {
			break
		}
		m.printf("| %s | %s | %s | %s | %d | %s |\n", mdCell(c.Source), mdCell(c.Target), severityWord(c.Worst), layerList(c.Layers), c.Paths, mdCell(strings.Join(c.Findings, ", ")))
	}
	if more := breached - min(len(rows), MarkdownPairs); more > 0 {
		m.more(more, "breached pair", "breached pairs")
	}
}

// newPairs lists the pairs breached since the baseline.
func (m *mdWriter) newPairs(b *analysis.Baseline) {
	m.printf("\n### New tenant pairs breached\n\n")
	if len(b.NewPairs) == 0 {
		m.printf("None since the baseline.\n")
		return
	}
	m.printf("| from | to | worst |\n|---|---|---|\n")
	for i, p := range b.NewPairs {
		if i == MarkdownPairs {
			m.more(len(b.NewPairs)-i, "new pair", "new pairs")
			break
		}
		m.printf("| %s | %s | %s |\n", mdCell(p.Source), mdCell(p.Target), severityWord(p.Worst))
	}
}

// findings is the table of findings, worst first (the report's order).
func (m *mdWriter) findings(r *analysis.Report, title string) {
	m.printf("\n### %s\n\n", title)
	if len(r.Findings) == 0 {
		m.printf("None.\n")
		return
	}
	m.printf("| severity | check | tenants | finding | object |\n|---|---|---|---|---|\n")
	for i := range r.Findings {
		if i == MarkdownFindings {
			m.more(len(r.Findings)-i, "finding", "findings")
			break
		}
		f := &r.Findings[i]
		object := ""
		if refs, _ := involved(f); len(refs) > 0 {
			object = mdCode(refs[0].String())
		}
		pair := analysis.Pair{Source: f.SourceTenant, Target: f.TargetTenant}
		m.printf("| %s | %s | %s | %s | %s |\n", severityWord(f.Severity), f.ID, mdCell(pair.Label()), mdCell(f.Reason), object)
	}
}

// more counts what a bounded table left out: "… and 3 more findings".
func (m *mdWriter) more(n int, one, many string) {
	what := many
	if n == 1 {
		what = one
	}
	m.printf("\n… and %d more %s.\n", n, what)
}

// input says what of the input was left out.
func (m *mdWriter) input(r *analysis.Report) {
	if n := len(r.Problems); n > 0 {
		m.printf("\n⚠️ %s skipped (the JSON report lists them).\n", counted(n, "input document", "input documents"))
	}
}

// severityWord is a severity, bold when it is high or critical.
func severityWord(s finding.Severity) string {
	if s >= finding.High {
		return "**" + s.String() + "**"
	}
	return s.String()
}

// mdCell is text made safe for a table cell: one line, no pipe or HTML,
// bounded.
func mdCell(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > markdownCell {
		s = string(r[:markdownCell-1]) + "…"
	}
	return strings.ReplaceAll(mdText(s), "|", `\|`)
}

// mdText escapes what GitHub would read as HTML or emphasis.
var mdEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", "*", `\*`, "_", `\_`, "`", "\\`", "[", `\[`, "]", `\]`)

func mdText(s string) string { return mdEscaper.Replace(s) }

// mdCode is s as inline code, bounded; backticks in it are dropped.
func mdCode(s string) string {
	s = strings.ReplaceAll(strings.Join(strings.Fields(s), " "), "`", "")
	if r := []rune(s); len(r) > markdownCell {
		s = string(r[:markdownCell-1]) + "…"
	}
	return "`" + strings.ReplaceAll(s, "|", `\|`) + "`"
}
