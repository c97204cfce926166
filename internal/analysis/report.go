package analysis

import (
	"slices"
	"sort"
	"strings"

	"github.com/bulkhead-dev/bulkhead/internal/attackpath"
	"github.com/bulkhead-dev/bulkhead/internal/finding"
	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
	"github.com/bulkhead-dev/bulkhead/internal/tenancy"
)

// SchemaVersion versions the JSON report (docs/report-schema.md).
const SchemaVersion = "bulkhead.dev/report/v1alpha1"

// Report is the result of an audit.
type Report struct {
	SchemaVersion string `json:"schemaVersion"`
	// Version is bulkhead's own version (internal/version); the command
	// sets it.
	Version      string             `json:"bulkheadVersion"`
	Source       string             `json:"source"`
	Tenants      []tenancy.Tenant   `json:"tenants"`
	Analyses     []Analysis         `json:"analyses"`
	Inventory    map[string]int     `json:"inventory"`
	UnknownKinds map[string]int     `json:"unknownKinds,omitempty"`
	Problems     []snapshot.Problem `json:"skippedInput"`
	// Warnings are notes about input that was loaded with nothing left
	// out (identical duplicates merged, ...).
	Warnings []snapshot.Problem `json:"inputWarnings"`
	Gaps     []snapshot.Gap     `json:"coverageGaps"`
	// Assumed counts the built-in objects the snapshot assumed (the
	// bootstrap RBAC policy, offline); nil when it assumed none.
	Assumed *snapshot.Assumed `json:"assumed,omitempty"`
	// PodSecurity lists, per namespace, the pods its Pod Security enforce
	// level refuses, as the API server's admission would decide: those
	// that would never be created are left out of every analysis.
	PodSecurity []snapshot.RefusedPods `json:"podSecurity"`
	Summary     map[string]int         `json:"summary"`
	// Isolation is the tenant × tenant verdict from the attack graph; nil
	// when the graph was not built.
	Isolation *attackpath.Matrix `json:"isolation,omitempty"`
	Findings  []finding.Finding  `json:"findings"`
	// Selection says what of the report was kept (--tenant, --checks,
	// --skip-checks); nil when nothing was left out.
	Selection *Selection `json:"selection,omitempty"`
	// Baseline, with --baseline, says what a previous report already held:
	// its findings are left out of Findings and Summary, and its breached
	// pairs and paths to cluster-admin out of the gate; nil without one.
	Baseline *Baseline `json:"baseline,omitempty"`
	// Suppressed are the findings a suppressions file took out of Findings,
	// Summary and the gate, each with its reason.
	Suppressed []Suppressed `json:"suppressed,omitempty"`
	// ExpiredSuppressions are the entries of a suppressions file past their
	// expiry date: they suppress nothing any more.
	ExpiredSuppressions []Suppression `json:"expiredSuppressions,omitempty"`
	// Origins says where each object of offline input was read (the
	// snapshot's), for formats that point at manifests (SARIF); not part
	// of the JSON report.
	Origins snapshot.Origins `json:"-"`
}

// Baseline is what a report left out because a previous report (the
// baseline) already held it, and what is new.
type Baseline struct {
	// File is the baseline as given to --baseline.
	File string `json:"file"`
	// Findings, Pairs and AdminPaths count what the baseline already held:
	// findings by fingerprint, breached pairs and tenants' paths to
	// cluster-admin at the same or a higher severity.
	Findings   int `json:"findings"`
	Pairs      int `json:"pairs"`
	AdminPaths int `json:"adminPaths"`
	// NewPairs are the breached pairs the baseline did not hold at their
	// severity; NewAdminPaths the tenants whose path to cluster-admin is
	// new or worse. Only these, and the findings left, reach the gate.
	NewPairs      []TenantPair `json:"newPairs"`
	NewAdminPaths []TenantPair `json:"newAdminPaths"`
}

// TenantPair is a breached pair of tenants (or a tenant and
// cluster-admin) at its worst severity.
type TenantPair struct {
	Source string           `json:"source"`
	Target string           `json:"target"`
	Worst  finding.Severity `json:"worst"`
}

// Suppression is one entry of a suppressions file: a fingerprint, or a
// rule and an object pattern, with the reason and an optional expiry date.
type Suppression struct {
	// Where is the entry's file and line.
	Where       string `json:"where"`
	Fingerprint string `json:"fingerprint,omitempty"`
	Rule        string `json:"rule,omitempty"`
	Object      string `json:"object,omitempty"`
	Reason      string `json:"reason"`
	// Expires is the last day it suppresses, YYYY-MM-DD.
	Expires string `json:"expires,omitempty"`
	// Findings counts the findings the entry matches: those it suppresses,
	// or once expired, those it no longer suppresses.
	Findings int `json:"findings"`
}

// Suppressed is a finding a suppression took out of the report.
type Suppressed struct {
	Finding finding.Finding `json:"finding"`
	// By is the suppression's file and line; Reason and Expires are its.
	By      string `json:"by"`
	Reason  string `json:"reason"`
	Expires string `json:"expires,omitempty"`
}

// Selection narrows a report to one tenant and some checks.
type Selection struct {
	Tenant     string   `json:"tenant,omitempty"`
	Checks     []string `json:"checks,omitempty"`
	SkipChecks []string `json:"skipChecks,omitempty"`
}

// Analysis says whether one engine ran and how complete it was.
type Analysis struct {
	Name     string           `json:"name"`
	Category finding.Category `json:"category"`
	// Status is "ran", "incomplete" (ran, but some input could not be
	// read) or "not run".
	Status string `json:"status"`
	// Notes explain an incomplete or skipped analysis, e.g.
	// "networkpolicies.networking.k8s.io forbidden".
	Notes    []string `json:"notes,omitempty"`
	Findings int      `json:"findings"`
}

// Analysis statuses.
const (
	Ran        = "ran"
	Incomplete = "incomplete"
	NotRun     = "not run"
)

// ExplainedCells is how many of the most severe breached tenant pairs carry
// their witness path, with the evidence of each hop; `bulkhead paths`
// gives the path of any other.
const ExplainedCells = 100

// ListedCells is how many breached tenant pairs the JSON report lists, the
// most severe first: a cluster of 1,000 tenants has a million pairs. The
// matrix's grid gives every pair's verdict; `bulkhead paths` any pair's
// paths.
const ListedCells = 1000

// SubjectsShown is how many users and groups the audit follows through the
// attack graph (those bound cluster-wide or in several tenants first);
// `bulkhead paths --from User:NAME` follows any.
const SubjectsShown = 50

// Options choose what an audit computes.
type Options struct {
	// Matrix builds the attack graph and the isolation matrix.
	Matrix bool
	// Phase, when set, is called as each analysis starts and its result
	// when it ends, so a command can show progress; analyses never see it.
	Phase func(name string) (done func())
}

func (o Options) phase(name string) func() {
	if o.Phase == nil {
		return func() {}
	}
	return o.Phase(name)
}

// Run audits a normalised snapshot with the given engines.
func Run(facts *Facts, engines []Engine, opts Options) *Report {
	snap, ten := facts.Snapshot, facts.Tenancy
	r := &Report{
		SchemaVersion: SchemaVersion,
		Source:        snap.Source,
		Tenants:       ten.Tenants(),
		Inventory:     snap.Counts(),
		UnknownKinds:  snap.Unknown,
		Problems:      snap.Problems,
		Warnings:      snap.Warnings,
		Gaps:          snap.Gaps,
		PodSecurity:   snap.PodSecurity,
		Origins:       snap.Origins,
		Summary:       map[string]int{},
		Findings:      []finding.Finding{},
	}
	if opts.Matrix {
		facts.Prepare() // the graph needs every engine's facts
		// The graph is built while the engines judge: both only read
		// the facts, and the graph is the longest of them.
		go facts.Graph()
	}
	if a := snap.Assumed; a.Roles > 0 || a.Bindings > 0 {
		r.Assumed = &a
	}
	for _, e := range engines {
		a := Analysis{Name: e.Name, Category: e.Category, Status: Ran}
		if e.Run == nil {
			a.Status = NotRun
			a.Notes = []string{e.Absent}
			r.Analyses = append(r.Analyses, a)
			continue
		}
		for _, need := range e.Needs {
			for _, g := range snap.Gaps {
				if g.Resource == need {
					a.Status = Incomplete
					a.Notes = append(a.Notes, g.Resource+" "+g.Reason)
				}
			}
		}
		done := opts.phase(e.Name)
		fs := e.Run(facts)
		if e.Caveats != nil {
			if notes := e.Caveats(facts); len(notes) > 0 {
				a.Status = Incomplete
				a.Notes = append(a.Notes, notes...)
			}
		}
		done()
		a.Findings = len(fs)
		r.Findings = append(r.Findings, fs...)
		r.Analyses = append(r.Analyses, a)
	}
	key := runKey(engines, opts)
	if was := facts.ranBefore(key); was != nil && len(was.findings) == len(r.Findings) {
		// The findings, graph and owners are those of a report before,
		// whatever changed since: so are its findings and matrix.
		r.Findings = slices.Clone(was.findings)
		if was.isolation != nil {
			x := *was.isolation
			r.Isolation = &x
		}
	} else {
		finding.Sort(r.Findings)
		owners(facts.Snapshot, r.Findings)
		for i := range r.Findings {
			r.Findings[i].Fingerprint = Fingerprint(&r.Findings[i])
		}
		if opts.Matrix {
			done := opts.phase("attack graph")
			g := facts.Graph()
			x := g.MatrixExplained(ExplainedCells)
			x.AddFindings(r.Findings)
			g.Summarize(&x, ExplainedCells)
			x.Subjects, x.SubjectsLeft = g.Subjects(SubjectsShown)
			r.Isolation = &x
			done()
		}
		// The report's top level is its caller's to change (filters
		// replace a matrix's fields); the slices are shared (see ran).
		made := &ran{findings: slices.Clone(r.Findings)}
		if r.Isolation != nil {
			x := *r.Isolation
			made.isolation = &x
		}
		facts.keepRan(key, made)
	}
	for _, f := range r.Findings {
		r.Summary[f.Severity.String()]++
	}
	return r
}

// runKey names what Run makes for engines and opts: the engines' names
// and whether it makes the matrix.
func runKey(engines []Engine, opts Options) string {
	var b strings.Builder
	for _, e := range engines {
		b.WriteString(e.Name)
		if e.Run == nil {
			b.WriteString("(not run)")
		}
		b.WriteByte(',')
	}
	if opts.Matrix {
		b.WriteString("matrix")
	}
	return b.String()
}

// AtOrAbove counts what is at or above a severity: findings, breached
// tenant pairs of the matrix and tenants' paths to cluster-admin (the
// platform's exposure aside), so that a gate never passes a cluster whose
// matrix says a tenant can take another, or the cluster. With a baseline,
// only its new pairs and paths to cluster-admin count.
func (r *Report) AtOrAbove(s finding.Severity) int {
	n := 0
	for _, f := range r.Findings {
		if f.Severity >= s {
			n++
		}
	}
	if b := r.Baseline; b != nil {
		for _, ps := range [][]TenantPair{b.NewPairs, b.NewAdminPaths} {
			for _, p := range ps {
				if p.Worst >= s {
					n++
				}
			}
		}
		return n
	}
	if x := r.Isolation; x != nil {
		for i := range x.Cells {
			if c := &x.Cells[i]; c.Breached() && c.Worst >= s {
				n++
			}
		}
		for _, p := range x.AdminPaths {
			if p.From != tenancy.Platform && p.Severity >= s {
				n++
			}
		}
	}
	return n
}

// Incomplete reports whether some analysis ran on partial input or did not
// run, so that an empty report is not read as a clean one.
func (r *Report) Incomplete() bool {
	for _, a := range r.Analyses {
		if a.Status != Ran {
			return true
		}
	}
	return false
}

// Pair is the findings from one tenant to another, for grouped output.
type Pair struct {
	Source, Target string
	Worst          finding.Severity
	Findings       []finding.Finding
}

// Label names a pair for humans: "default → network", "default", or
// "every tenant".
func (p Pair) Label() string {
	name := func(t string) string {
		if t == "*" {
			return "every tenant"
		}
		return t
	}
	switch {
	case p.Source == "" && p.Target == "":
		return "cluster-wide"
	case p.Target == "" || p.Source == p.Target:
		return name(p.Source)
	case p.Source == "":
		return name(p.Target)
	}
	return name(p.Source) + " → " + name(p.Target)
}

// ByPair groups findings by (source, target) tenant, worst group first,
// keeping each group in report order.
func (r *Report) ByPair() []Pair {
	idx := map[[2]string]int{}
	var out []Pair
	for _, f := range r.Findings {
		k := [2]string{f.SourceTenant, f.TargetTenant}
		i, ok := idx[k]
		if !ok {
			i = len(out)
			idx[k] = i
			out = append(out, Pair{Source: k[0], Target: k[1], Worst: f.Severity})
		}
		out[i].Findings = append(out[i].Findings, f)
		if f.Severity > out[i].Worst {
			out[i].Worst = f.Severity
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Worst != out[j].Worst {
			return out[i].Worst > out[j].Worst
		}
		return strings.Compare(out[i].Label(), out[j].Label()) < 0
	})
	return out
}
