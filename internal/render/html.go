package render

import (
	"embed"
	"fmt"
	"html/template"
	"io"
	"sort"
	"strings"

	"github.com/bulkhead-dev/bulkhead/internal/analysis"
	"github.com/bulkhead-dev/bulkhead/internal/finding"
	"github.com/bulkhead-dev/bulkhead/internal/tenancy"
)

// The page's template, style and script, inlined into every report: the
// file opens from disk with no server and fetches nothing.
//
//go:embed html/report.html.tmpl html/report.css html/report.js
var htmlAssets embed.FS

var htmlTemplate = template.Must(template.New("report.html.tmpl").Funcs(template.FuncMap{
	"pathSVG": pathSVG,
	"join":    strings.Join,
}).ParseFS(htmlAssets, "html/report.html.tmpl"))

// HTML writes the report as one self-contained HTML page for people: the
// summary, the tenant × tenant matrix as a coloured grid whose cells open
// their witness path (drawn as a graph) and findings, a section per
// tenant with what it reaches and what reaches it, and the findings table,
// filterable by severity, layer and tenant. Style and script are inline
// and the page's Content-Security-Policy forbids every fetch. Like the
// JSON, it lists the ListedCells most severe tenant pairs; the grid gives
// every pair's verdict.
func HTML(w io.Writer, r *analysis.Report) error {
	v, err := newHTMLView(r)
	if err != nil {
		return err
	}
	if err := htmlTemplate.Execute(w, v); err != nil {
		return fmt.Errorf("html report: %w", err)
	}
	return nil
}

// htmlView is what the template shows, computed once in Go so that the
// template only lays it out.
type htmlView struct {
	Source, Version string
	CSS             template.CSS
	JS              template.JS
	// Severities counts the findings, worst first, those with none left out.
	Severities []severityCount
	Findings   []htmlFinding
	Tenants    []htmlTenant
	// TenantNames and Layers are the choices of the findings' filters.
	TenantNames []string
	Layers      []string
	Analyses    []analysis.Analysis
	// Incomplete names the analyses that ran on partial input or not at all.
	Incomplete string
	// Input lists what of the input was left out, assumed or refused.
	Input     []inputNote
	Selection string
	// Comparison says what --baseline and --suppressions left out, so
	// that the page never looks cleaner than the cluster without saying
	// why.
	Comparison []string
	Matrix     *htmlMatrix
}

type severityCount struct {
	Name  string
	Count int
}

// inputNote is one line about the input: a kind ("skipped", "note",
// "gap", ...) and what it says.
type inputNote struct {
	Kind, Text string
}

// htmlFinding is one row of the findings table.
type htmlFinding struct {
	finding.Finding
	// N is the row's place, its anchor f-N.
	N        int
	Sev      string
	Title    string
	Pair     string
	Tenants  string // space-separated, for the tenant filter; "*" is all
	Subjects []string
	Objects  []string
}

func newHTMLView(r *analysis.Report) (*htmlView, error) {
	css, err := htmlAssets.ReadFile("html/report.css")
	if err != nil {
		return nil, fmt.Errorf("html report: %w", err)
	}
	js, err := htmlAssets.ReadFile("html/report.js")
	if err != nil {
		return nil, fmt.Errorf("html report: %w", err)
	}
	v := &htmlView{
		Source:  r.Source,
		Version: r.Version,
		CSS:     template.CSS(css),
		JS:      template.JS(js),
		Layers:  []string{string(finding.API), string(finding.Network), string(finding.DNS), string(finding.Node)},
	}
	bySeverity := map[finding.Severity]int{}
	for _, f := range r.Findings {
		bySeverity[f.Severity]++
	}
	for s := finding.Critical; s >= finding.Info; s-- {
		if n := bySeverity[s]; n > 0 {
			v.Severities = append(v.Severities, severityCount{s.String(), n})
		}
	}
	var partial []string
	for _, a := range r.Analyses {
		if a.Status != analysis.Ran {
			partial = append(partial, a.Name+" "+a.Status)
		}
	}
	v.Incomplete = strings.Join(partial, ", ")
	v.Analyses = r.Analyses
	v.Input = inputNotes(r)
	v.Comparison = comparisonLines(r)
	if s := r.Selection; s != nil {
		v.Selection = selectionText(s)
	}
	for _, t := range r.Tenants {
		v.TenantNames = append(v.TenantNames, t.Name)
	}
	v.Findings = htmlFindings(r.Findings)
	if r.Isolation != nil {
		tenant := ""
		if r.Selection != nil {
			tenant = r.Selection.Tenant
		}
		v.Matrix = newHTMLMatrix(r.Isolation, r.Findings, v.Incomplete, tenant)
	}
	v.Tenants = htmlTenants(r, v.Matrix)
	return v, nil
}

func selectionText(s *analysis.Selection) string {
	var parts []string
	if s.Tenant != "" {
		parts = append(parts, "tenant "+s.Tenant)
	}
	if len(s.Checks) > 0 {
		parts = append(parts, "checks "+strings.Join(s.Checks, ", "))
	}
	if len(s.SkipChecks) > 0 {
		parts = append(parts, "checks skipped: "+strings.Join(s.SkipChecks, ", "))
	}
	return strings.Join(parts, "; ")
}

// inputNotes says what the analysis left out of the input or assumed, in
// the order the text report gives it.
func inputNotes(r *analysis.Report) []inputNote {
	var out []inputNote
	if a := r.Assumed; a != nil {
		what := counted(a.Roles, "built-in role", "built-in roles")
		if a.Bindings > 0 {
			what += ", " + counted(a.Bindings, "binding", "bindings")
		}
		if a.ServiceAccounts > 0 {
			what += ", " + counted(a.ServiceAccounts, "service account", "service accounts")
		}
		out = append(out, inputNote{"assumed", fmt.Sprintf("%s from the Kubernetes %s bootstrap policy", what, a.Version)})
	}
	for _, g := range r.Gaps {
		out = append(out, inputNote{"gap", g.Resource + " " + g.Reason})
	}
	for _, ps := range r.PodSecurity {
		out = append(out, inputNote{"pod security", ps.String()})
	}
	if len(r.UnknownKinds) > 0 {
		var ks []string
		for k, n := range r.UnknownKinds {
			ks = append(ks, fmt.Sprintf("%s ×%d", k, n))
		}
		sort.Strings(ks)
		out = append(out, inputNote{"not analysed", "kinds bulkhead does not model: " + strings.Join(ks, ", ")})
	}
	for _, p := range r.Problems {
		out = append(out, inputNote{"skipped", p.String()})
	}
	for _, w := range r.Warnings {
		out = append(out, inputNote{"note", w.String()})
	}
	return out
}

func htmlFindings(fs []finding.Finding) []htmlFinding {
	out := make([]htmlFinding, len(fs))
	for i, f := range fs {
		h := htmlFinding{Finding: f, N: i, Sev: f.Severity.String(), Pair: pairText(&f), Tenants: findingTenants(&f)}
		if rule, ok := finding.RuleOf(f.ID); ok {
			h.Title = rule.Title
		}
		for _, s := range f.Subjects {
			h.Subjects = append(h.Subjects, s.String())
		}
		for _, o := range f.Objects {
			h.Objects = append(h.Objects, o.String())
		}
		out[i] = h
	}
	return out
}

// pairText says which tenants a finding joins: "a → b", "a", or "".
func pairText(f *finding.Finding) string {
	side := func(t string, set []string) string {
		if t == "*" && len(set) > 0 {
			return strings.Join(set, ", ")
		}
		if t == "*" {
			return "every tenant"
		}
		return t
	}
	s, t := side(f.SourceTenant, f.SourceTenants), side(f.TargetTenant, f.TargetTenants)
	switch {
	case s != "" && t != "":
		return s + " → " + t
	case s != "":
		return s
	}
	return t
}

// findingTenants lists the tenants a finding names, for the tenant filter:
// "*" alone when a side is every tenant.
func findingTenants(f *finding.Finding) string {
	seen := map[string]bool{}
	var out []string
	add := func(t string, set []string) {
		names := []string{t}
		if t == "*" && len(set) > 0 {
			names = set
		}
		for _, n := range names {
			if n != "" && !seen[n] {
				seen[n] = true
				out = append(out, n)
			}
		}
	}
	add(f.SourceTenant, f.SourceTenants)
	add(f.TargetTenant, f.TargetTenants)
	return strings.Join(out, " ")
}

// htmlTenant is one tenant's section: its namespaces, the pairs where it
// is the source (what it reaches) and the target (what reaches it).
type htmlTenant struct {
	tenancy.Tenant
	N int
	// Reaches and ReachedBy count the tenants of its row and column that
	// are not isolated, from the grid (every pair, listed or not).
	Reaches, ReachedBy int
	Out, In            []cellLink
	// Unlisted counts the reached pairs of its row and column the report
	// does not list.
	Unlisted int
	Findings int
}

// cellLink points at a listed cell from a tenant's section.
type cellLink struct {
	ID             int
	Tenant, Sev    string
	Layers         string
	Platform       bool
	Source, Target string
}

func htmlTenants(r *analysis.Report, m *htmlMatrix) []htmlTenant {
	out := make([]htmlTenant, len(r.Tenants))
	index := map[string]int{}
	for i, t := range r.Tenants {
		out[i] = htmlTenant{Tenant: t, N: i}
		index[t.Name] = i
	}
	for _, f := range r.Findings {
		for _, t := range strings.Fields(findingTenants(&f)) {
			if i, ok := index[t]; ok {
				out[i].Findings++
			}
		}
	}
	if m == nil {
		return out
	}
	for i, name := range m.Tenants {
		t, ok := index[name]
		if !ok {
			continue
		}
		for j := range m.Tenants {
			if i != j && m.reached(i, j) {
				out[t].Reaches++
			}
			if i != j && m.reached(j, i) {
				out[t].ReachedBy++
			}
		}
	}
	listed := map[string]int{}
	for _, c := range m.Cells {
		l := cellLink{ID: c.ID, Sev: c.Sev, Layers: c.LayerText, Platform: c.Platform, Source: c.Source, Target: c.Target}
		if i, ok := index[c.Source]; ok {
			l.Tenant = c.Target
			out[i].Out = append(out[i].Out, l)
			listed[c.Source]++
		}
		if i, ok := index[c.Target]; ok {
			l.Tenant = c.Source
			out[i].In = append(out[i].In, l)
			listed[c.Target]++
		}
	}
	for i := range out {
		out[i].Unlisted = max(0, out[i].Reaches+out[i].ReachedBy-listed[out[i].Name])
	}
	return out
}

// comparisonLines say, a sentence each, what the baseline held and what
// is new, and what suppressions took out (the page lists neither).
func comparisonLines(r *analysis.Report) []string {
	var out []string
	if b := r.Baseline; b != nil {
		held, news, pairs := baselineCounts(r)
		out = append(out, fmt.Sprintf("Compared with the baseline %s, which already has %s of this report: those are left out of this page; new: %s.", b.File, sentence(held), sentence(news)))
		if len(pairs) > 0 {
			out = append(out, "New: "+strings.Join(pairs, ", ")+".")
		}
	}
	if n := len(r.Suppressed); n > 0 {
		out = append(out, fmt.Sprintf("%s suppressed, left out of this page (the text and JSON reports list them with their reasons).", counted(n, "finding", "findings")))
	}
	for _, e := range r.ExpiredSuppressions {
		out = append(out, fmt.Sprintf("The suppression at %s expired on %s: it suppresses nothing any more.", e.Where, e.Expires))
	}
	return out
}
