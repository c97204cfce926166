package render

import (
	"fmt"
	"io"
	"strings"

	"github.com/bulkhead-dev/bulkhead/internal/analysis"
	"github.com/bulkhead-dev/bulkhead/internal/attackpath"
	"github.com/bulkhead-dev/bulkhead/internal/finding"
	"github.com/bulkhead-dev/bulkhead/internal/harden"
)

// HardenResult is what `bulkhead harden` shows: the plan and its proof.
type HardenResult struct {
	Source string
	// SourceArgs are the flags that select the cluster harden analysed
	// (--demo, -f PATH…, --context, tenancy), for the review command
	// (harden.ReviewCommand); "" for the current kube context.
	SourceArgs string
	Plan       harden.Plan
	Proof      *harden.Proof
	// Out is the directory the plan was written to, "" when none.
	Out string
	// Remaining is what remains at or above FailOn once the safe objects
	// are applied (Proof.RemainsAt), when the checks passed: when it is
	// not nothing harden exits 3, and the text ends by saying what.
	Remaining harden.Remains
	FailOn    finding.Severity
}

// HardenAs writes a harden result: text and json are the proof, yaml the
// safe objects as one stream to apply.
func HardenAs(w io.Writer, f Format, r HardenResult, o TextOptions) error {
	switch f {
	case FormatText:
		return HardenText(w, r, o)
	case FormatJSON:
		return HardenJSON(w, r)
	case FormatYAML:
		y, err := harden.Manifests(r.Plan)
		if err != nil {
			return err
		}
		_, err = io.WriteString(w, y)
		return err
	}
	return HardenFormats.unwritten(f)
}

// HardenSchemaVersion versions harden's JSON.
const HardenSchemaVersion = "bulkhead.dev/harden/v1alpha1"

// HardenDocument is the JSON of a harden result.
type HardenDocument struct {
	SchemaVersion string             `json:"schemaVersion"`
	Source        string             `json:"source"`
	Before        *attackpath.Matrix `json:"before"`
	After         *attackpath.Matrix `json:"after"`
	Reviewed      *attackpath.Matrix `json:"reviewed"`
	Objects       []string           `json:"objects"`
	Proposals     []string           `json:"proposals"`
	Work          []harden.Work      `json:"work"`
	Notes         []string           `json:"notes"`
	// Remaining is what stays at or above --fail-on after the safe
	// objects, which sets the exit code.
	Remaining harden.Remains `json:"remaining"`
	*harden.Proof
}

// HardenJSON writes the proof: the matrices before, after the safe
// objects and with the reviewed proposals, what was closed, the residual
// pairs with their reasons, and the checks. Like an audit's, each matrix
// lists its analysis.ListedCells most severe pairs, and the residuals
// are the as many worst; the grids and counts say the rest.
func HardenJSON(w io.Writer, r HardenResult) error {
	d := HardenDocument{SchemaVersion: HardenSchemaVersion, Source: r.Source, Work: r.Plan.Work, Notes: r.Plan.Notes, Remaining: r.Remaining, Proof: r.Proof}
	if r.Proof != nil {
		// Bounded as the audit's JSON is (see JSON): the worst pairs of
		// each matrix, and the worst residuals.
		d.Proof = r.Proof.Bounded(analysis.ListedCells)
		d.Before, d.After, d.Reviewed = listedOf(r.Proof.Before), listedOf(r.Proof.After), listedOf(r.Proof.Reviewed)
	}
	for _, o := range r.Plan.Objects {
		d.Objects = append(d.Objects, objectRef(o))
	}
	for _, p := range r.Plan.Proposals {
		d.Proposals = append(d.Proposals, p.Title)
	}
	return Document(w, d)
}

// listedOf is a report's matrix with the analysis.ListedCells most severe
// pairs only, as JSON lists an audit's.
func listedOf(r *analysis.Report) *attackpath.Matrix {
	x := isolationOf(r)
	if x == nil || len(x.Cells) <= analysis.ListedCells {
		return x
	}
	b := x.Bound(analysis.ListedCells)
	return &b
}

func isolationOf(r *analysis.Report) *attackpath.Matrix {
	if r == nil {
		return nil
	}
	return r.Isolation
}

func objectRef(o harden.Object) string {
	kind := o.Obj.GetObjectKind().GroupVersionKind().Kind
	m, _ := o.Obj.(interface{ GetName() string })
	name := ""
	if m != nil {
		name = m.GetName()
	}
	if o.Namespace == "" || kind == "Namespace" {
		return kind + "/" + name
	}
	return kind + "/" + o.Namespace + "/" + name
}

// How many headline notes, and items of the other lists (proposals, work
// for owners, notes), the text shows without -v: a cluster of a thousand
// tenants has hundreds of each, which -o json and the README of --out
// list in full.
const (
	headlineMax = 10
	itemsMax    = 25
)

// listItems writes each of items with write, the first max of them (all
// with -v), then how many more there are and where to find them.
func (p *printer) listItems(items []string, max int, what, where string, write func(string)) {
	shown := items
	if len(items) > max && !p.o.Verbose {
		shown = items[:max]
	}
	for _, it := range shown {
		write(it)
	}
	if more := len(items) - len(shown); more > 0 {
		p.printf("  … %d more %s (%s)\n", more, what, where)
	}
}

// HardenText writes the proof for people: the plan in a line, the matrix
// before and after the safe objects, the pairs now isolated, the residual
// pairs with why each stays, the effect of the reviewed proposals, the
// two checks that nothing broke, and how to get the manifests.
func HardenText(w io.Writer, r HardenResult, o TextOptions) error {
	if o.Width <= 0 {
		o.Width = 100
	}
	p := &printer{w: w, o: o}
	plan := r.Plan
	nss := map[string]bool{}
	for _, obj := range plan.Objects {
		nss[obj.Namespace] = true
	}
	p.wrap(p.paint("1", "bulkhead harden:")+" ", r.Source)
	p.printf("plan: %s in %s, %s for review, %s for owners\n",
		counted(len(plan.Objects), "safe object", "safe objects"), counted(len(nss), "namespace", "namespaces"),
		counted(len(plan.Proposals), "proposal", "proposals"), counted(len(plan.Work), "workload", "workloads"))
	var headline []string
	for _, n := range plan.Notes { // the trade-offs, before the proof
		if harden.Headline(n) {
			headline = append(headline, n)
		}
	}
	p.listItems(headline, headlineMax, "notes", "-v, -o json, or --out DIR for the README", func(n string) {
		p.wrap("  ", p.paint("33", "note ")+n)
	})
	pr := r.Proof
	if pr == nil {
		return p.err
	}
	p.matrix("before", pr.Before)
	p.matrix("after the safe objects", pr.After)
	for _, why := range pr.Incomplete {
		p.wrap("  ", p.paint("33", "warning ")+"the proof stands on incomplete input, so a pair it shows isolated may not be: "+why)
	}
	if len(pr.Closed) > 0 {
		p.wrap("  ", "now isolated: "+pairList(pr.Closed, pr.ClosedOmitted, o.Verbose))
	}
	if len(pr.Residuals) > 0 {
		p.printf("%s\n", p.paint("1", "residual paths (still breached after the safe objects, and why):"))
	}
	shown := len(pr.Residuals)
	if shown > pairsMax && !o.Verbose {
		shown = pairsMax
	}
	for _, res := range pr.Residuals[:shown] {
		p.printf("  %s %s → %s: %s\n", p.sev(res.Worst), res.Source, res.Target, layerList(res.Layers))
		for _, h := range res.Witness {
			p.wrap("      ", h)
		}
		for _, why := range res.Reasons {
			p.wrap("      ", p.paint("2", "why ")+why)
		}
		p.wrap("      ", "with the reviewed proposals: "+res.Reviewed)
		for _, why := range res.ReviewedReasons {
			p.wrap("        ", p.paint("2", "why ")+why)
		}
	}
	switch more := len(pr.Residuals) - shown + pr.ResidualsOmitted; {
	case more > 0 && shown < len(pr.Residuals):
		p.printf("  … %d more residual pairs (-o json, or --out DIR for the README)\n", more)
	case more > 0:
		p.printf("  … %d more residual pairs, less severe (bulkhead paths --from SOURCE --to TARGET explains any pair)\n", more)
	}
	if len(plan.Proposals) > 0 {
		p.matrix("with the reviewed proposals too", pr.Reviewed)
		if len(pr.ReviewedClosed) > 0 {
			p.wrap("  ", "they would close: "+pairList(pr.ReviewedClosed, pr.ReviewedClosedOmitted, o.Verbose))
		}
		titles := make([]string, len(plan.Proposals))
		for i, prop := range plan.Proposals {
			titles[i] = fmt.Sprintf("%s: %s", prop.Layer, prop.Title)
		}
		p.listItems(titles, itemsMax, "proposals", "-v, -o json, or --out DIR for the review files", func(t string) { p.wrap("  - ", t) })
	}
	p.checks(&pr.Checks)
	if len(plan.Work) > 0 {
		p.printf("%s\n", p.paint("1", "work for owners:"))
		work := make([]string, len(plan.Work))
		for i, wk := range plan.Work {
			work[i] = fmt.Sprintf("%s %s: %s", wk.Namespace, wk.Object, wk.Problem)
		}
		p.listItems(work, itemsMax, "workloads", "-v, -o json, or --out DIR for the README", func(wk string) { p.wrap("  ", wk) })
	}
	var notes []string
	for _, n := range plan.Notes {
		if !harden.Headline(n) { // written at the top
			notes = append(notes, n)
		}
	}
	if len(notes) > 0 {
		p.printf("%s\n", p.paint("1", "notes:"))
		p.listItems(notes, itemsMax, "notes", "-v, -o json, or --out DIR for the README", func(n string) { p.wrap("  ", n) })
	}
	if r.Out != "" {
		p.wrap("", fmt.Sprintf("wrote %s: a file per namespace, kustomization.yaml, review/ and README.md; review with %s", r.Out, harden.ReviewCommand(r.SourceArgs, r.Out)))
	} else {
		p.wrap("", "the manifests: add -o yaml for the safe objects as one stream, or --out DIR for a directory with the proposals to review and a README")
	}
	if rem := r.Remaining; rem.Total() > 0 {
		dir := r.Out
		if dir == "" {
			dir = "DIR"
		}
		p.wrap("", fmt.Sprintf("exit 3: %s at or above %s %s after the safe objects (%s lists them)",
			RemainsList(rem), r.FailOn, plural(rem.Total(), "remains", "remain"), harden.ReviewCommand(r.SourceArgs, dir)))
	} else if len(pr.Incomplete) > 0 && pr.Checks.OK() {
		p.wrap("", fmt.Sprintf("exit 5: nothing at or above %s remains after the safe objects, but the proof stands on incomplete input (the warning above)", r.FailOn))
	}
	return p.err
}

// matrix writes one matrix of the proof with its count of breached pairs.
func (p *printer) matrix(when string, r *analysis.Report) {
	if r == nil || r.Isolation == nil {
		return
	}
	x := r.Isolation
	breached, pairs := breachedPairs(x, "")
	p.printf("%s %d of %s breached\n", p.paint("1", "isolation "+when+":"), breached, counted(pairs, "tenant pair", "tenant pairs"))
	if len(x.Tenants) > 1 {
		p.grid(x)
	}
}

// checks writes the two checks that nothing legitimate broke. A check
// with nothing to compare (no pod pairs within a tenant, no pod that
// reached DNS) is neither ok nor failed: it says so.
func (p *printer) checks(c *harden.Checks) {
	p.printf("%s\n", p.paint("1", "checks (nothing legitimate broke):"))
	line := func(what string, broken []harden.Broken, n int, counts string) {
		switch {
		case len(broken) > 0:
			p.wrap("  "+p.paint("1;31", "FAILED")+" ", what+": "+counts)
		case n == 0:
			p.wrap("  "+p.paint("33", "none  ")+" ", what+": nothing to compare")
		default:
			p.wrap("  "+p.paint("32", "ok    ")+" ", what+": "+counts)
		}
	}
	line("reachability within each tenant unchanged", c.Intra, c.Pairs, counted(c.Pairs, "pod pair", "pod pairs")+" compared")
	for _, b := range c.Intra {
		p.wrap("         ", b.String())
	}
	line("every pod that reached DNS still does", c.DNS, c.DNSPods, counted(c.DNSPods, "pod", "pods"))
	for _, b := range c.DNS {
		p.wrap("         ", b.String())
	}
	line("traffic from outside the cluster to pods behind LoadBalancer/NodePort Services unchanged", c.External, c.ExternalPods, counted(c.ExternalPods, "pod", "pods"))
	for _, b := range c.External {
		p.wrap("         ", b.String())
	}
	line("every pod that reached the API server still does", c.API, c.APIPods, counted(c.APIPods, "pod", "pods"))
	for _, b := range c.API {
		p.wrap("         ", b.String())
	}
	for _, n := range c.Notes {
		p.wrap("  note   ", n)
	}
}

// pairList joins the pairs a list names, the first pairsMax of them
// unless verbose, and says how many more there are: omitted of them were
// left out before.
func pairList(pairs []string, omitted int, verbose bool) string {
	if len(pairs) > pairsMax && !verbose {
		omitted += len(pairs) - pairsMax
		pairs = pairs[:pairsMax]
	}
	out := strings.Join(pairs, ", ")
	if omitted > 0 {
		out += fmt.Sprintf(", and %d more pairs (-o json lists up to %d)", omitted, analysis.ListedCells)
	}
	return out
}

// RemainsList says what the count of what remains is made of: "2 breached
// tenant pairs, 1 finding and 1 path to cluster-admin". A pair counts
// once, however many findings join it, and the matrix counts pairs of
// every severity.
func RemainsList(rem harden.Remains) string {
	parts := []string{counted(rem.Pairs, "breached tenant pair", "breached tenant pairs"), counted(rem.Findings, "finding", "findings")}
	if rem.AdminPaths > 0 {
		parts = append(parts, counted(rem.AdminPaths, "path to cluster-admin", "paths to cluster-admin"))
	}
	return strings.Join(parts[:len(parts)-1], ", ") + " and " + parts[len(parts)-1]
}
