package node

import (
	"maps"
	"runtime"
	"sort"
	"sync"

	corev1 "k8s.io/api/core/v1"
	psaapi "k8s.io/pod-security-admission/api"

	"github.com/bulkhead-dev/bulkhead/internal/finding"
	"github.com/bulkhead-dev/bulkhead/internal/rbac"
	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
	"github.com/bulkhead-dev/bulkhead/internal/tenancy"
)

// Result is what the engine knows about the nodes' isolation.
type Result struct {
	// Namespaces holds the Pod Security policy of every namespace of the
	// snapshot and every namespace a pod lives in, sorted by name.
	Namespaces []NamespacePolicy
	// Pods holds one entry per pod of the snapshot, in snapshot order.
	Pods []PodFacts
	// CoLocation says which tenants may share a node.
	CoLocation *CoLocation
	// Findings are sorted with finding.Sort.
	Findings []finding.Finding

	// tokens holds the service accounts' powers found, for a Rejudge
	// with the same authorizer to keep: an account's powers read RBAC
	// alone.
	tokens *tokens
}

// PodFacts is what the engine found about one pod (or representative pod
// of a workload controller).
type PodFacts struct {
	// Ref names the pod, or the controller a representative pod stands for.
	Ref       finding.Ref
	Namespace string
	Tenant    string
	Verdict   Verdict
	// Escapes lists the ways out of the container, worst first; Reach is
	// the worst of them.
	Escapes []Escape
	Reach   Reach
	// ServiceAccount names the pod's service account; TokenPowers lists
	// its dangerous permissions when the pod mounts its token (nil
	// otherwise, or when the snapshot has no RBAC bindings).
	ServiceAccount string
	TokenPowers    []TokenPower
	Placement      Placement
	// Running is false for one-off pods (snapshot.IsOneOff): pods that
	// finished (Succeeded or Failed) and Helm hooks share no node and hold
	// no token for long.
	Running bool
	// Live is set for pods read from a cluster (they have a status); pods
	// of manifests and controller templates have none, and exist only if
	// their namespace admits them.
	Live bool

	placement int // index of Placement in the placer's list
}

// Exists reports whether the pod holds a place on a node: it runs (a live
// pod), or would be admitted and run (a manifest or template pod its
// namespace's enforce level admits), and it is not a one-off. Only pods
// that exist create node, co-location, token and network facts.
func (p *PodFacts) Exists() bool { return p.Running && (p.Live || p.Verdict.Admitted()) }

// PlacementID identifies the pod's placement: pods with the same ID run or
// may run on the same nodes.
func (p *PodFacts) PlacementID() int { return p.placement }

// EscapesToNode reports whether the pod is root on its node.
func (p *PodFacts) EscapesToNode() bool { return p.Reach == Node }

// Escaping returns the pods that reach their node, in snapshot order.
func (r *Result) Escaping() []*PodFacts {
	var out []*PodFacts
	for i := range r.Pods {
		if r.Pods[i].EscapesToNode() {
			out = append(out, &r.Pods[i])
		}
	}
	return out
}

// Unenforced returns the namespaces where the API server admits privileged
// pods: no enforce label, or enforce=privileged.
func (r *Result) Unenforced() []*NamespacePolicy {
	var out []*NamespacePolicy
	for i := range r.Namespaces {
		if !r.Namespaces[i].Enforces() {
			out = append(out, &r.Namespaces[i])
		}
	}
	return out
}

// Namespace returns the policy of a namespace, or nil.
func (r *Result) Namespace(name string) *NamespacePolicy { return policyOf(r.Namespaces, name) }

// policyOf finds the policy of a namespace in policies sorted by name.
func policyOf(policies []NamespacePolicy, name string) *NamespacePolicy {
	i := sort.Search(len(policies), func(i int) bool { return policies[i].Namespace >= name })
	if i < len(policies) && policies[i].Namespace == name {
		return &policies[i]
	}
	return nil
}

// Analyze evaluates every pod of the snapshot for Pod Security, escapes and
// placement, and derives the tenant-relative findings.
func Analyze(snap *snapshot.Snapshot, ten *tenancy.Tenancy) *Result {
	return AnalyzeWith(snap, ten, nil)
}

// AnalyzeWith is Analyze with the RBAC authorizer of the snapshot already
// built (nil: build it when the snapshot has bindings), so that a caller
// holding one does not index the bindings twice.
func AnalyzeWith(snap *snapshot.Snapshot, ten *tenancy.Tenancy, authz *rbac.Authorizer) *Result {
	r := &Result{CoLocation: newCoLocation(len(snap.Nodes) == 0)}
	judge := NewJudge(snap, ten)
	r.Namespaces = judge.namespaces

	// Pod Security and the escape checks look at one pod at a time: they
	// run on every core, each pod's facts in its own slot.
	r.Pods = make([]PodFacts, len(snap.Pods))
	parallel(len(snap.Pods), func(lo, hi int) {
		view := judge.view()
		for i := lo; i < hi; i++ {
			pod := &snap.Pods[i]
			r.Pods[i] = judge.judge(view, r.Namespace(pod.Namespace), pod)
		}
	})

	r.finish(snap, ten, authz, nil)
	return r
}

// Rejudge is AnalyzeWith for a snapshot whose tenancy, PersistentVolumes
// and claims are those prev was analysed on and whose namespaces are but
// for their labels (a change to pods, RBAC, ServiceAccounts, nodes or
// namespace labels): it keeps prev's judgement of each pod, Pod Security
// and escapes, found in prev by its reference, and judges again the pods
// prev does not have and those again reports (a changed pod); it redoes
// what the change may move (tokens, placement, co-location, findings).
// relabelled names the namespaces whose labels changed: their pods keep
// their escapes, and their verdicts move to the namespace's new policy
// (Verdict.Reverdict), or they are judged again when that policy
// evaluates at another version. Every namespace's Pod Security policy is
// read again.
func Rejudge(prev *Result, snap *snapshot.Snapshot, ten *tenancy.Tenancy, authz *rbac.Authorizer, relabelled []string, again func(*corev1.Pod) bool) *Result {
	// The namespaces are read again: a namespace the snapshot does not
	// hold lives only through its pods, and goes with the last of them.
	judge := NewJudge(snap, ten)
	r := &Result{CoLocation: newCoLocation(len(snap.Nodes) == 0), Namespaces: judge.namespaces, Pods: make([]PodFacts, len(snap.Pods))}
	lined := len(prev.Pods) == len(snap.Pods)
	relabel := make(map[string]bool, len(relabelled)) // a set: harden relabels every tenant namespace at once
	for _, ns := range relabelled {
		relabel[ns] = true
	}
	var at map[finding.Ref]int // prev's pods by reference, -1 for a reference held twice
	var redo []int
	for i := range snap.Pods {
		p := &snap.Pods[i]
		ref, j := podRef(p), -1
		if lined && prev.Pods[i].Ref == ref && prev.Pods[i].Namespace == p.Namespace {
			j = i
		} else {
			if at == nil {
				at = byRef(prev.Pods)
			}
			if k, ok := at[ref]; ok {
				j = k
			}
		}
		if j < 0 || again != nil && again(p) {
			redo = append(redo, i)
			continue
		}
		f := prev.Pods[j]
		if relabel[p.Namespace] {
			// The escapes read the pod and volumes alone; the verdict
			// moves with the namespace's policy.
			v, ok := f.Verdict.Reverdict(r.Namespace(p.Namespace))
			if !ok {
				redo = append(redo, i)
				continue
			}
			f.Verdict = v
		}
		f.TokenPowers, f.Placement, f.placement = nil, Placement{}, 0
		r.Pods[i] = f
	}
	if len(redo) > 0 {
		parallel(len(redo), func(lo, hi int) {
			view := judge.view()
			for _, i := range redo[lo:hi] {
				pod := &snap.Pods[i]
				r.Pods[i] = judge.judge(view, r.Namespace(pod.Namespace), pod)
			}
		})
	}
	r.finish(snap, ten, authz, prev)
	return r
}

// byRef indexes pods' judgements by reference; a reference two pods hold
// (a pod that calls itself representative) finds neither.
func byRef(pods []PodFacts) map[finding.Ref]int {
	at := make(map[finding.Ref]int, len(pods))
	for i := range pods {
		if _, dup := at[pods[i].Ref]; dup {
			at[pods[i].Ref] = -1
			continue
		}
		at[pods[i].Ref] = i
	}
	return at
}

// finish adds to the pods' judgements what reads RBAC, ServiceAccounts and
// nodes: token powers, placement and co-location, then the findings. The
// accounts' powers prev found with the same authorizer hold (prev may be
// nil).
func (r *Result) finish(snap *snapshot.Snapshot, ten *tenancy.Tenancy, authz *rbac.Authorizer, prev *Result) {
	tok := newTokens(snap, authz)
	if tok != nil {
		if prev != nil && prev.tokens != nil && prev.tokens.authz == tok.authz {
			tok.cache = maps.Clone(prev.tokens.cache)
		}
		tok.prefetch(snap, r.Pods)
	}
	r.tokens = tok
	pl := newPlacer(snap.Nodes)
	type tenantAt struct {
		tenant    string
		placement int
	}
	placed := map[tenantAt]bool{} // co-location needs each tenant once per placement
	placements := make([]int, len(snap.Pods))
	for i := range snap.Pods {
		pod := &snap.Pods[i]
		f := &r.Pods[i]
		if tok != nil && f.Exists() && tok.mounted(pod, f.ServiceAccount) {
			f.TokenPowers = tok.powers(pod.Namespace, f.ServiceAccount)
		}
		placements[i] = pl.place(pod)
		if at := (tenantAt{f.Tenant, placements[i]}); f.Exists() && !placed[at] {
			placed[at] = true
			r.CoLocation.add(f.Tenant, placements[i], &pl.all[placements[i]], i)
		}
	}
	r.CoLocation.finish()
	for i := range r.Pods {
		r.Pods[i].Placement = pl.all[placements[i]]
		r.Pods[i].placement = placements[i]
	}
	r.Findings = findings(r, tok, ten)
	sortFindings(r.Findings)
}

// namespacePolicies reads the policy of every namespace object, and of the
// namespaces pods live in without one (no labels: the server default).
func namespacePolicies(snap *snapshot.Snapshot, ten *tenancy.Tenancy) []NamespacePolicy {
	seen := map[string]bool{}
	var out []NamespacePolicy
	for i := range snap.Namespaces {
		ns := &snap.Namespaces[i]
		if seen[ns.Name] {
			continue
		}
		seen[ns.Name] = true
		p := namespacePolicy(ns.Name, ns.Labels)
		p.Tenant, p.InSnapshot = ten.Of(ns.Name), true
		out = append(out, p)
	}
	for i := range snap.Pods {
		name := snap.Pods[i].Namespace
		if seen[name] {
			continue
		}
		seen[name] = true
		p := namespacePolicy(name, nil)
		p.Tenant = ten.Of(name)
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Namespace < out[j].Namespace })
	return out
}

// podRef names a pod, or the controller a representative pod stands for.
func podRef(p *corev1.Pod) finding.Ref {
	kind, name := snapshot.Workload(p)
	return finding.Ref{Kind: kind, Namespace: p.Namespace, Name: name}
}

// enforceString is the namespace's enforce level as the API server prints
// it ("baseline:v1.30").
func enforceString(p *NamespacePolicy) string {
	if p.Policy.Enforce.Level == psaapi.LevelPrivileged {
		return string(psaapi.LevelPrivileged)
	}
	return p.Policy.Enforce.String()
}

// parallel calls work on consecutive ranges of [0, n), one per core, and
// returns when all are done.
func parallel(n int, work func(lo, hi int)) {
	workers := runtime.GOMAXPROCS(0)
	if workers > n/256 {
		workers = n/256 + 1 // small inputs are not worth a goroutine
	}
	if workers <= 1 {
		work(0, n)
		return
	}
	var wg sync.WaitGroup
	chunk := (n + workers - 1) / workers
	for lo := 0; lo < n; lo += chunk {
		hi := min(lo+chunk, n)
		wg.Add(1)
		go func() {
			defer wg.Done()
			work(lo, hi)
		}()
	}
	wg.Wait()
}
