package harden

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/bulkhead-dev/bulkhead/internal/analysis"
	"github.com/bulkhead-dev/bulkhead/internal/attackpath"
	"github.com/bulkhead-dev/bulkhead/internal/finding"
	"github.com/bulkhead-dev/bulkhead/internal/netpol"
	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
	"github.com/bulkhead-dev/bulkhead/internal/tenancy"
)

// Resolver groups the namespaces of a snapshot into tenants, as the user
// asked: the proof resolves the tenancy of each changed snapshot again
// (a Namespace's new labels may move it).
type Resolver func(*snapshot.Snapshot) (*tenancy.Tenancy, error)

// ProofOptions tune how a plan is proven.
type ProofOptions struct {
	// Network are the semantics the network model is compiled with.
	Network netpol.Options
	// Facts, when set, are the facts of the cluster as it is (the view
	// and tenancy given to Prove, compiled with Network), as BuildFrom
	// used them: the proof analyses them rather than building them again.
	Facts *analysis.Facts
	// Before, when set with Facts, is Analyse(Facts), which the caller
	// ran already (beside BuildFrom: both only read the facts).
	Before *analysis.Report
	// Phase, when set, is called as each step starts, for progress.
	Phase func(name string) (done func())
	// Listed, when above 0, is how many residuals the proof explains,
	// the worst: the others are counted in ResidualsOmitted. A cluster of
	// a thousand tenants can have a million residual pairs; their reasons
	// and witnesses would outweigh the analysis.
	Listed int
}

func (o ProofOptions) phase(name string) func() {
	if o.Phase == nil {
		return func() {}
	}
	return o.Phase(name)
}

// Proof is a plan's effect, found by analysing the cluster again with it
// applied: the isolation before, after the safe objects, and after the
// reviewed proposals too; what stays open and why; and the checks that
// nothing legitimate broke.
type Proof struct {
	Before, After, Reviewed *analysis.Report `json:"-"`
	// Closed are the tenant pairs breached before and isolated after the
	// safe objects ("a → b").
	Closed []string `json:"closed"`
	// ClosedOmitted counts the closed pairs Bounded left out.
	ClosedOmitted int `json:"closedOmitted,omitempty"`
	// Residuals are the pairs still breached after the safe objects,
	// worst first.
	Residuals []Residual `json:"residuals"`
	// ResidualsOmitted counts the residuals left out, by
	// ProofOptions.Listed or Bounded.
	ResidualsOmitted int `json:"residualsOmitted,omitempty"`
	// ReviewedClosed are the residual pairs the reviewed proposals close.
	ReviewedClosed []string `json:"reviewedClosed"`
	// ReviewedClosedOmitted counts the pairs of ReviewedClosed Bounded
	// left out.
	ReviewedClosedOmitted int `json:"reviewedClosedOmitted,omitempty"`
	// Unanalysed counts the plan's objects of kinds the analysis does not
	// model (ResourceQuota, LimitRange), which cannot change a verdict.
	Unanalysed map[string]int `json:"unanalysed,omitempty"`
	Checks     Checks         `json:"checks"`
	// Incomplete lists the analyses that ran on partial input or did not
	// run, with why ("network incomplete: …"): pairs the proof shows
	// isolated may not be, and harden exits 5 rather than 0.
	Incomplete []string `json:"incomplete,omitempty"`
}

// Residual is a tenant pair the safe objects leave breached, and why.
type Residual struct {
	Source   string             `json:"source"`
	Target   string             `json:"target"`
	Layers   []finding.Category `json:"layers"`
	Worst    finding.Severity   `json:"worst"`
	Findings []string           `json:"findings,omitempty"`
	// Witness is the shortest path that keeps the pair breached, a hop a
	// line.
	Witness []string `json:"witness,omitempty"`
	// Reasons say, layer by layer, why it could not be closed
	// automatically.
	Reasons []string `json:"reasons"`
	// Reviewed is the pair's state with the reviewed proposals applied
	// too: "isolated", or the layers left.
	Reviewed string `json:"reviewed"`
	// ReviewedReasons say why layers are left with the reviewed
	// proposals, where a proposal does not close its layer alone.
	ReviewedReasons []string `json:"reviewedReasons,omitempty"`
}

// Prove applies a plan to copies of the store, whose View before is
// (with its tenancy ten), and analyses each again: the safe objects on
// one clone, then the proposals on a clone of that. Each analysis keeps
// the facts of the one before that its changes leave valid
// (analysis.Facts.Update).
func Prove(st *snapshot.Store, before *snapshot.Snapshot, ten *tenancy.Tenancy, resolve Resolver, plan Plan, o ProofOptions) (*Proof, error) {
	p := &Proof{Unanalysed: map[string]int{}}
	// The facts of the cluster as it is go as soon as the checks are
	// done: o keeps no hold on them.
	facts := o.Facts
	o.Facts = nil
	if facts != nil {
		p.Before = o.Before
	}
	factsA, safe, err := p.analyseSafe(st, before, ten, resolve, plan, o, facts)
	if err != nil {
		return nil, err
	}

	// The proposals are applied while the safe objects' facts are
	// analysed, which only read them, and the engines' facts with the
	// proposals are made there too: that analysis builds its attack graph
	// on one core.
	done := o.phase("analysing it with the safe objects")
	wait := beside(func() { p.After = runAnalyses(factsA) })
	rev, err := applyReviewed(safe, resolve, plan)
	var factsR *analysis.Facts
	if err == nil && len(rev.changed) > 0 {
		factsR = factsA.Update(rev.view, rev.ten, rev.changed)
		factsR.Prepare()
	}
	wait()
	done()
	if err != nil {
		return nil, err
	}
	done = o.phase("analysing it with the reviewed proposals")
	if factsR == nil { // no change: every fact of the safe objects', the graph too
		factsR = factsA.Update(rev.view, rev.ten, rev.changed)
	}
	p.Reviewed = runAnalyses(factsR)
	done()
	p.compare(plan, before, o.Listed)
	p.Incomplete = incomplete(p.After)
	return p, nil
}

// incomplete says which analyses of a report ran on partial input or did
// not run, and why, as the audit's header does.
func incomplete(r *analysis.Report) []string {
	if r == nil {
		return nil
	}
	var out []string
	for _, a := range r.Analyses {
		if a.Status == analysis.Ran {
			continue
		}
		s := a.Name + " " + a.Status
		if len(a.Notes) > 0 {
			s += ": " + strings.Join(a.Notes, "; ")
		}
		out = append(out, s)
	}
	return out
}

// analyseSafe analyses the cluster as it is, with factsB when they are
// its facts (compiled with o.Network), while it applies the safe objects
// to a clone of the store; it returns the clone and the facts with the
// safe objects, updated from factsB, and runs the checks.
func (p *Proof) analyseSafe(st *snapshot.Store, before *snapshot.Snapshot, ten *tenancy.Tenancy, resolve Resolver, plan Plan,
	o ProofOptions, factsB *analysis.Facts) (*analysis.Facts, *snapshot.Store, error) {
	done := o.phase("analysing the cluster as it is")
	if factsB == nil || factsB.Snapshot != before || factsB.Tenancy != ten || factsB.Network != o.Network {
		factsB = analysed(before, ten, o)
		p.Before = nil
	}
	wait := func() {}
	if p.Before == nil {
		wait = beside(func() { p.Before = runAnalyses(factsB) })
	}
	safe, err := p.applySafe(st, before, resolve, plan)
	wait()
	done()
	if err != nil {
		return nil, nil, err
	}
	factsA := factsB.Update(safe.view, safe.ten, safe.changed)
	// The checks need the network models before and after only: made
	// first, they leave factsB unused, free to go, while the attack graph
	// and the matrix are made. The other engines' facts of factsA, which
	// the network model does not use, are made beside the checks, as
	// Prepare would (at 100,000 pods, with no higher peak of memory).
	wait = beside(func() { factsA.Workload(); factsA.DNS(); factsA.Services() })
	p.Checks = checkNothingBroke(before, ten, factsB.NetworkModel(), factsA.NetworkModel())
	wait()
	return factsA, safe.st, nil
}

// changedStore is a clone of a store with a change applied, its view and
// that view's tenancy, and the identities the change touched.
type changedStore struct {
	st      *snapshot.Store
	view    *snapshot.Snapshot
	ten     *tenancy.Tenancy
	changed []snapshot.Key
}

// applySafe applies the plan's safe objects to a clone of st, server-side,
// and keeps the pods of the namespaces they relabel running; it counts
// the objects the analysis does not model in p.Unanalysed.
func (p *Proof) applySafe(st *snapshot.Store, before *snapshot.Snapshot, resolve Resolver, plan Plan) (changedStore, error) {
	a := changedStore{st: st.Clone()}
	for _, obj := range plan.Objects {
		if _, ok := snapshot.KindOf(obj.Obj); !ok {
			p.Unanalysed[obj.Obj.GetObjectKind().GroupVersionKind().Kind]++
			continue
		}
		k, _, err := a.st.ServerSideApply(obj.Obj)
		if err != nil {
			return a, fmt.Errorf("apply %s: %w", proofName(obj.Obj), err)
		}
		a.changed = append(a.changed, k)
	}
	running, err := keepRunning(a.st, before, plan)
	if err != nil {
		return a, err
	}
	a.changed = append(a.changed, running...)
	a.view = a.st.View()
	if a.ten, err = resolve(a.view); err != nil {
		return a, fmt.Errorf("tenancy with the safe objects: %w", err)
	}
	return a, nil
}

// applyReviewed applies the plan's proposals to a clone of st.
func applyReviewed(st *snapshot.Store, resolve Resolver, plan Plan) (changedStore, error) {
	a := changedStore{st: st.Clone()}
	for _, pr := range plan.Proposals {
		keys, err := applyProposal(a.st, pr)
		if err != nil {
			return a, err
		}
		a.changed = append(a.changed, keys...)
	}
	a.view = a.st.View()
	var err error
	if a.ten, err = resolve(a.view); err != nil {
		return a, fmt.Errorf("tenancy with the reviewed proposals: %w", err)
	}
	return a, nil
}

// beside runs work on a goroutine of its own, beside the caller's, and
// returns the function that waits for it.
func beside(work func()) (wait func()) {
	ch := make(chan struct{})
	go func() {
		defer close(ch)
		work()
	}()
	return func() { <-ch }
}

// analysed prepares the facts of a snapshot with the proof's semantics.
func analysed(snap *snapshot.Snapshot, ten *tenancy.Tenancy, o ProofOptions) *analysis.Facts {
	f := analysis.NewFacts(snap, ten)
	f.Network = o.Network
	return f
}

// Analyse runs every analysis on facts, with the matrix, as the proof
// does (ProofOptions.Before).
func Analyse(f *analysis.Facts) *analysis.Report { return runAnalyses(f) }

func runAnalyses(f *analysis.Facts) *analysis.Report {
	return analysis.Run(f, analysis.Engines(), analysis.Options{Matrix: true})
}

// applyProposal applies a proposal's objects (replacing by identity) and
// deletes its deletions, and returns the identities it changed; objects of
// kinds the analysis does not model cannot change a verdict and are
// passed over.
func applyProposal(st *snapshot.Store, pr Proposal) ([]snapshot.Key, error) {
	var keys []snapshot.Key
	for _, obj := range pr.Apply {
		if _, ok := snapshot.KindOf(obj); !ok {
			continue
		}
		obj = keepStatus(st, obj)
		k, err := st.Apply(obj)
		if err != nil {
			return nil, fmt.Errorf("proposal %q: apply %s: %w", pr.Title, proofName(obj), err)
		}
		keys = append(keys, k)
	}
	for _, obj := range pr.Delete {
		if _, ok := snapshot.KindOf(obj); !ok {
			continue
		}
		key, err := snapshot.KeyOf(obj)
		if err != nil {
			return nil, fmt.Errorf("proposal %q: delete %s: %w", pr.Title, proofName(obj), err)
		}
		st.Delete(key)
		keys = append(keys, key)
	}
	return keys, nil
}

// proofName names an object as Kind namespace/name.
func proofName(obj runtime.Object) string {
	k := keyOf(obj)
	if k.namespace == "" {
		return k.kind + " " + k.name
	}
	return k.kind + " " + k.namespace + "/" + k.name
}

// breachedCells maps the breached pairs of a report's matrix to their cells.
func breachedCells(r *analysis.Report) map[[2]string]*attackpath.Cell {
	out := map[[2]string]*attackpath.Cell{}
	if r == nil || r.Isolation == nil {
		return out
	}
	for i := range r.Isolation.Cells {
		if c := &r.Isolation.Cells[i]; c.Breached() {
			out[[2]string{c.Source, c.Target}] = c
		}
	}
	return out
}

// compare finds the pairs the safe objects closed and those they left,
// with the reason each stays; snap is the cluster before the plan. The
// matrices are merged as lists of breached cells sorted by pair (a
// cluster of a thousand tenants has a million pairs, in each matrix).
// When listed is above 0, only the listed worst residuals are explained
// and kept, the others counted.
func (p *Proof) compare(plan Plan, snap *snapshot.Snapshot, listed int) {
	host := map[string]bool{}
	for i := range snap.Pods {
		if pod := &snap.Pods[i]; pod.Spec.HostNetwork {
			host[pod.Namespace+"/"+pod.Name] = true
		}
	}
	idx := indexFindings(p.After.Findings)
	var n pairNumbers
	before, after, reviewed := n.breached(p.Before), n.breached(p.After), n.breached(p.Reviewed)
	n.sort(before, after, reviewed)
	for _, c := range minus(before, after) {
		p.Closed = append(p.Closed, c.Source+" → "+c.Target)
	}
	sort.Strings(p.Closed)
	// Residuals go worst first, in pair order within a severity: each
	// straight to its place.
	at := map[finding.Severity]int{}
	for _, k := range after {
		at[k.cell.Worst]++
	}
	sevs := slices.Sorted(maps.Keys(at))
	for i, next := len(sevs)-1, 0; i >= 0; i-- {
		at[sevs[i]], next = next, next+at[sevs[i]]
	}
	if listed <= 0 || listed > len(after) {
		listed = len(after)
	}
	residuals := make([]Residual, listed)
	j := 0 // reviewed[j] is the first of reviewed's pairs not before k's
	for _, k := range after {
		c := k.cell
		for j < len(reviewed) && reviewed[j].pair < k.pair {
			j++
		}
		closes := j >= len(reviewed) || reviewed[j].pair != k.pair
		if closes {
			p.ReviewedClosed = append(p.ReviewedClosed, c.Source+" → "+c.Target)
		}
		at[c.Worst]++
		if at[c.Worst]-1 >= listed {
			continue // not explained: counted below
		}
		r := Residual{Source: c.Source, Target: c.Target, Layers: c.Layers, Worst: c.Worst, Findings: c.Findings, Reviewed: "isolated"}
		if c.Witness != nil {
			for _, h := range c.Witness.Hops {
				line := fmt.Sprintf("%s %s %s", h.From, h.Type, h.To)
				if h.Detail != "" {
					line = fmt.Sprintf("%s %s (%s) %s", h.From, h.Type, h.Detail, h.To)
				}
				r.Witness = append(r.Witness, line)
			}
		}
		if c.Witness == nil {
			r.Witness = idx.because(c)
		}
		if !closes {
			r.Reviewed = layerNames(reviewed[j].cell.Layers) + " left"
			r.ReviewedReasons = reviewedReasons(reviewed[j].cell)
		}
		r.Reasons = reasons(c, plan, host)
		residuals[at[c.Worst]-1] = r
	}
	if len(residuals) > 0 {
		p.Residuals = residuals
	}
	p.ResidualsOmitted = len(after) - listed
	sort.Strings(p.ReviewedClosed)
}

// keepRunning keeps the pods of the namespaces the plan relabels running
// (snapshot.Store.KeepRunning): a Pod Security label evicts nothing.
func keepRunning(st *snapshot.Store, before *snapshot.Snapshot, plan Plan) ([]snapshot.Key, error) {
	relabelled := map[string]bool{}
	for _, o := range plan.Objects {
		if ns, ok := o.Obj.(*corev1.Namespace); ok {
			relabelled[ns.Name] = true
		}
	}
	return st.KeepRunning(before, relabelled)
}

// Bounded returns the proof with its max worst residuals only, and the
// first max of its closed pairs, counting the others, as a report's JSON
// lists its matrix's most severe pairs only (analysis.ListedCells): a
// cluster of a thousand tenants has a million pairs. The reports are
// shared, the rest copied.
func (p *Proof) Bounded(max int) *Proof {
	if len(p.Residuals) <= max && len(p.Closed) <= max && len(p.ReviewedClosed) <= max {
		return p
	}
	out := *p
	out.Residuals, out.ResidualsOmitted = bound(p.Residuals, p.ResidualsOmitted, max)
	out.Closed, out.ClosedOmitted = bound(p.Closed, p.ClosedOmitted, max)
	out.ReviewedClosed, out.ReviewedClosedOmitted = bound(p.ReviewedClosed, p.ReviewedClosedOmitted, max)
	return &out
}

// bound is a list's first max items and the count of those left out,
// omitted of them left out already.
func bound[T any](list []T, omitted, max int) ([]T, int) {
	if len(list) <= max {
		return list, omitted
	}
	return list[:max:max], omitted + len(list) - max
}

// Remaining counts what stays at or above a severity after the safe
// objects, as the audit's gate counts it.
func (p *Proof) Remaining(s finding.Severity) int { return p.After.AtOrAbove(s) }

// Remains is what stays at or above a severity after the safe objects,
// by what it is: its parts add up to Remaining.
type Remains struct {
	FailOn   finding.Severity `json:"failOn"`
	Pairs    int              `json:"pairs"`
	Findings int              `json:"findings"`
	// AdminPaths are tenants' paths to cluster-admin (the platform's
	// exposure does not count).
	AdminPaths int `json:"adminPaths"`
}

// Total is the sum of the parts, which the exit code stands on.
func (r Remains) Total() int { return r.Pairs + r.Findings + r.AdminPaths }

// RemainsAt splits Remaining(s) into breached tenant pairs, findings and
// paths to cluster-admin, counted as analysis.Report.AtOrAbove counts
// them.
func (p *Proof) RemainsAt(s finding.Severity) Remains {
	out := Remains{FailOn: s}
	if p.After == nil {
		return out
	}
	for _, f := range p.After.Findings {
		if f.Severity >= s {
			out.Findings++
		}
	}
	if x := p.After.Isolation; x != nil {
		for i := range x.Cells {
			if c := &x.Cells[i]; c.Breached() && c.Worst >= s {
				out.Pairs++
			}
		}
		for _, ap := range x.AdminPaths {
			if ap.From != tenancy.Platform && ap.Severity >= s {
				out.AdminPaths++
			}
		}
	}
	return out
}

// keepStatus gives a pod a proposal changes the status of the pod it
// replaces when it has none: a proposal is a spec to apply, and applying
// it to a running pod leaves the pod running (the API server ignores a
// status on apply), so the analysis must not take it for a manifest's pod
// that the namespace's Pod Security level would refuse to create.
func keepStatus(st *snapshot.Store, obj runtime.Object) runtime.Object {
	pod, ok := obj.(*corev1.Pod)
	if !ok || pod.Status.Phase != "" {
		return obj
	}
	key, err := snapshot.KeyOf(pod)
	if err != nil {
		return obj
	}
	old, ok := st.Get(key)
	if !ok || old.(*corev1.Pod).Status.Phase == "" {
		return obj
	}
	c := pod.DeepCopy()
	c.Status = *old.(*corev1.Pod).Status.DeepCopy()
	return c
}
