package render

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/bulkhead-dev/bulkhead/internal/analysis"
	"github.com/bulkhead-dev/bulkhead/internal/attackpath"
	"github.com/bulkhead-dev/bulkhead/internal/finding"
	"github.com/bulkhead-dev/bulkhead/internal/tenancy"
	"github.com/bulkhead-dev/bulkhead/internal/termsafe"
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
	// Tenant, when set, says the report was focused on one tenant: the
	// summary counts its row and column of the matrix only.
	Tenant string
}

const witnessSteps = 4

// tenantsShown is how many tenants the header names without -v.
const tenantsShown = 12

// Text writes the report for people: a summary, the isolation matrix, then
// the findings grouped by check, worst first.
func Text(w io.Writer, r *analysis.Report, o TextOptions) error {
	if o.Width <= 0 {
		o.Width = 100
	}
	p := &printer{w: w, o: o}
	var partial []string
	for _, a := range r.Analyses {
		if a.Status != analysis.Ran {
			partial = append(partial, a.Name+" "+a.Status)
		}
	}
	p.incomplete = strings.Join(partial, ", ")
	p.summary(r)
	p.header(r)
	if r.Isolation != nil {
		p.isolation(r.Isolation, r.Baseline)
	}
	if len(r.Findings) > 0 {
		p.printf("%s\n", p.paint("1", "findings by check:"))
	}
	for _, c := range byCheck(r.Findings) {
		p.check(c)
	}
	p.suppressed(r)
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

// printf writes as fmt.Fprintf does, the cluster's text made safe for a
// terminal (safeText).
func (p *printer) printf(format string, args ...interface{}) {
	if p.err == nil {
		_, p.err = io.WriteString(p.w, safeText(fmt.Sprintf(format, args...), p.o.Color))
	}
}

func (p *printer) paint(code, s string) string {
	if !p.o.Color {
		return s
	}
	return paintMark + "[" + code + "m" + s + paintMark + "[0m"
}

var severityColor = map[finding.Severity]string{
	finding.Critical: "1;31", finding.High: "31", finding.Medium: "33", finding.Low: "36", finding.Info: "2",
}

func (p *printer) sev(s finding.Severity) string {
	return p.paint(severityColor[s], fmt.Sprintf("%-8s", strings.ToUpper(s.String())))
}

// summary opens the report: what was analysed, the findings by severity,
// the tenants and breached pairs, each analysis with its completeness, and
// what of the input was left out or assumed.
func (p *printer) summary(r *analysis.Report) {
	title := "bulkhead audit:"
	if p.o.Tenant != "" {
		title = fmt.Sprintf("bulkhead audit (tenant %s):", p.o.Tenant)
	}
	p.wrap(p.paint("1", title)+" ", r.Source)
	var line []string
	if len(r.Findings) == 0 {
		line = append(line, p.paint("32", "no findings"))
	} else {
		bySeverity := map[finding.Severity]int{}
		for _, f := range r.Findings {
			bySeverity[f.Severity]++
		}
		var parts []string
		for s := finding.Critical; s >= finding.Info; s-- {
			if n := bySeverity[s]; n > 0 {
				parts = append(parts, fmt.Sprintf("%d %s", n, p.paint(severityColor[s], s.String())))
			}
		}
		line = append(line, counted(len(r.Findings), "finding", "findings")+": "+strings.Join(parts, ", "))
	}
	tenants := counted(len(r.Tenants), "tenant", "tenants")
	if x := r.Isolation; x != nil {
		breached, pairs := breachedPairs(x, p.o.Tenant)
		tenants += fmt.Sprintf(", %d of %s breached", breached, counted(pairs, "pair", "pairs"))
	}
	line = append(line, tenants)
	p.wrap("", strings.Join(line, "; "))
	var as []string
	for _, a := range r.Analyses {
		s := a.Name + " " + a.Status
		switch a.Status {
		case analysis.Ran:
		case analysis.Incomplete:
			s = a.Name + " " + p.paint("33", "incomplete")
		default:
			s = a.Name + " " + p.paint("2", a.Status)
		}
		if a.Status != analysis.Ran && len(a.Notes) > 0 {
			s += " (" + strings.Join(a.Notes, "; ") + ")"
		}
		as = append(as, s)
	}
	p.wrap("analyses: ", strings.Join(as, ", "))
	if a := r.Assumed; a != nil {
		what := counted(a.Roles, "built-in role", "built-in roles")
		switch {
		case a.Bindings > 0 && a.ServiceAccounts > 0:
			what += ", " + counted(a.Bindings, "binding", "bindings") + " and " + counted(a.ServiceAccounts, "service account", "service accounts")
		case a.Bindings > 0:
			what += " and " + counted(a.Bindings, "binding", "bindings")
		}
		p.wrap("", fmt.Sprintf("%s assumed from the Kubernetes %s bootstrap policy", what, a.Version))
	}
	if n := len(r.Problems); n > 0 {
		p.printf("%s %s skipped (listed at the end)\n", p.paint("33", "warning:"), counted(n, "input document", "input documents"))
	}
	if n := len(r.Warnings); n > 0 {
		p.printf("%s (listed at the end)\n", counted(n, "input warning", "input warnings"))
	}
	for _, ps := range r.PodSecurity {
		p.wrap("pod security: ", ps.String())
	}
	p.comparison(r)
}

// breachedPairs counts the breached tenant pairs and all pairs, or those
// of one tenant's row and column. The cluster tenant is no source (its
// identities run the cluster) and the platform's row is exposure: neither
// row holds pairs of tenants.
func breachedPairs(x *attackpath.Matrix, tenant string) (breached, pairs int) {
	for _, a := range x.Tenants {
		if a == tenancy.Cluster || a == tenancy.Platform {
			continue
		}
		for _, b := range x.Tenants {
			if a != b && (tenant == "" || a == tenant || b == tenant) {
				pairs++
			}
		}
	}
	for _, c := range x.Cells {
		if c.Breached() && c.Source != tenancy.Cluster && (tenant == "" || c.Source == tenant || c.Target == tenant) {
			breached++
		}
	}
	return breached, pairs
}

func (p *printer) header(r *analysis.Report) {
	var tn []string
	for i, t := range r.Tenants {
		if i == tenantsShown && !p.o.Verbose {
			tn = append(tn, fmt.Sprintf("… %d more", len(r.Tenants)-i))
			break
		}
		if len(t.Namespaces) == 1 && t.Namespaces[0] == t.Name && !t.System {
			tn = append(tn, t.Name)
		} else {
			tn = append(tn, fmt.Sprintf("%s (%s)", t.Name, strings.Join(t.Namespaces, ", ")))
		}
	}
	p.wrap("tenants:  ", strings.Join(tn, "; "))
	p.printf("\n")
}

// footer lists what the analysis left out: kinds it does not model and
// skipped input.
func (p *printer) footer(r *analysis.Report) {
	if len(r.UnknownKinds) > 0 {
		var ks []string
		for k, n := range r.UnknownKinds {
			ks = append(ks, fmt.Sprintf("%s ×%d", k, n))
		}
		sort.Strings(ks)
		p.wrap("not analysed: ", "kinds bulkhead does not model: "+strings.Join(ks, ", "))
	}
	for _, pr := range r.Problems {
		p.wrap(p.paint("33", "skipped ")+" ", pr.String())
	}
	for _, w := range r.Warnings {
		p.wrap(p.paint("2", "note    ")+" ", w.String())
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
	// Escaped before it is measured: an escape is longer than the
	// character it stands for.
	text = termsafe.Rewrite(text, func(b *strings.Builder, rest string) int {
		if strings.HasPrefix(rest, paintMark) {
			b.WriteString(paintMark)
			return len(paintMark)
		}
		return 0
	})
	line := 0
	for i, word := range strings.Fields(text) {
		if i > 0 && line+1+wordLen(word) > width {
			p.printf("\n%s", strings.Repeat(" ", col))
			line = 0
		} else if i > 0 {
			p.printf(" ")
			line++
		}
		p.printf("%s", word)
		line += wordLen(word)
	}
	p.printf("\n")
}

// wordLen is the length wrapping counts for a word: its bytes, but for
// the printer's colour sequences, which print nothing.
func wordLen(w string) int {
	n := len(w)
	for {
		i := strings.Index(w, paintMark)
		if i < 0 {
			return n
		}
		end := strings.IndexByte(w[i:], 'm')
		if end < 0 {
			return n
		}
		n -= end + 1
		w = w[i+end+1:]
	}
}

// visibleLen is the printed width of s, ignoring colour sequences (the
// printer's, which start with paintMark, or ANSI escapes).
func visibleLen(s string) int {
	n, esc := 0, false
	for _, r := range s {
		switch {
		case r == '\x1b' || r == '\ue000':
			esc = true
		case esc && r == 'm':
			esc = false
		case !esc:
			n++
		}
	}
	return n
}
