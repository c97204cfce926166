package analysis

import (
	"maps"
	"reflect"
	"slices"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/bulkhead-dev/bulkhead/internal/attackpath"
	"github.com/bulkhead-dev/bulkhead/internal/node"
	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
	"github.com/bulkhead-dev/bulkhead/internal/tenancy"
)

// Update returns the facts of view, the normalised snapshot of a store
// after the objects named by changed were applied or deleted, keeping
// each engine's facts that the change leaves valid: those of an engine
// that reads none of the changed resources and uses no engine whose facts
// changed. A changed Namespace changes tenancy, which every engine reads,
// unless only its labels and annotations changed and ten is the tenancy
// of f: then only the engines reading namespace labels see it (see
// Engine.NamespaceLabels). A changed workload controller changes the pods
// that stand for it. ten is the tenancy resolved on view.
//
// Update may run while another goroutine analyses f (Run), once f's
// engines' facts are made (Prepare): it reads those as they are, and
// f's findings and graph only through what makes them once.
func (f *Facts) Update(view *snapshot.Snapshot, ten *tenancy.Tenancy, changed []snapshot.Key) *Facts {
	nf := &Facts{Snapshot: view, Tenancy: ten, Network: f.Network}
	// The owners of the pods findings name (which Run reads, beside the
	// engines' facts, for fingerprints) are read from ReplicaSets, Jobs
	// and CronJobs (snapshot.Owners), whose change seen may leave no
	// engine seeing.
	owned := !changesAny(changed, ownerKinds)
	changed, relabelled, stale := f.staleness(view, ten, changed)
	others := withoutRelabelled(changed, relabelled) // the changes but the namespaces only relabelled
	if !stale["api"] && f.authz != nil {
		nf.rbacOnce.Do(func() { nf.authz = f.authz })
		nf.apiFrom = f
	}
	netKept := false // the network model is f's
	switch {
	case !stale["network"]:
		netKept = f.net != nil
		if f.net != nil {
			nf.netOnce.Do(func() { nf.net = f.net })
		}
		nf.netFindFrom = f
	case f.net != nil && sameTenancy(f.Tenancy, ten) &&
		f.net.Keeps(f.Snapshot, view, engineSees("network", changed)):
		// Pods, nodes, Services or namespaces changed only in what the
		// network model does not read (a harden proposal that moves pods
		// to nodes of their own, a label no namespace selector reads): the
		// model and its findings hold. The Service checks, which read
		// Services whole, hold as keepsServices says.
		nf.netOnce.Do(func() { nf.net = f.net })
		nf.netFindFrom = f
		netKept = true
	}
	servicesKept := f.keepsServices(view, ten, others)
	if servicesKept {
		nf.svcOnce.Do(func() { nf.services = f.services })
	}
	if !stale["dns"] && f.dns != nil {
		nf.dnsOnce.Do(func() { nf.dns = f.dns })
	}
	switch {
	case !stale["node"] && f.node != nil:
		nf.nodeOnce.Do(func() { nf.node = f.node })
	case f.node != nil && sameTenancy(f.Tenancy, ten):
		// The pods' judgements hold but for the pods changed and those of
		// the namespaces only relabelled (their Pod Security level may
		// have moved); the rest is redone.
		if !readsAny(judgeReads, others) && !changesAny(others, claimTemplates) {
			nf.judged, nf.rejudge = f.node, rejudged(changed)
			for k := range relabelled {
				nf.rejudgeNamespaces = append(nf.rejudgeNamespaces, k.Name)
			}
		}
	}
	// The graph is built on every engine's facts: it holds when each is
	// f's (a network model that Keeps counts).
	factsKept := true
	for name := range stale {
		factsKept = factsKept && name == "network" && netKept
	}
	if g := f.graph.Load(); g != nil && factsKept && keepsGraph(g, others, relabelled) {
		nf.graphOnce.Do(func() { nf.graph.Store(g) })
		if servicesKept && owned {
			// Every finding, the graph and the owners of the pods
			// findings name are f's: so is what Run makes of them (f's
			// own, or, when f has made none, what f keeps them from).
			nf.ranFrom = f.ranSource()
		}
	}
	return nf
}

// staleness returns the changes as the engines see them (seen), the
// Namespaces among them whose labels alone changed, and the engines whose
// facts the change leaves stale: those that read what changed, and every
// one when the tenancy moved, which an object in a namespace no Namespace
// declares does (it brings the namespace, and may bring a tenant, as the
// last one out of it takes them away).
func (f *Facts) staleness(view *snapshot.Snapshot, ten *tenancy.Tenancy, changed []snapshot.Key) ([]snapshot.Key, map[snapshot.Key]relabel, map[string]bool) {
	changed = f.seen(view, changed)
	relabelled := f.relabelled(view, ten, changed)
	st := stale(Engines(), changed, relabelled)
	if !sameTenancy(f.Tenancy, ten) {
		for _, e := range Engines() {
			st[e.Name] = true
		}
	}
	return changed, relabelled, st
}

// keepsGraph reports whether g, the attack graph of facts whose engines'
// facts the change leaves as they were, is also the graph after it: the
// other changes than the namespaces relabelled touch nothing else it
// reads, and those keep what the graph reads of their labels
// (attackpath.Model.KeepsRelabels).
func keepsGraph(g *attackpath.Model, others []snapshot.Key, relabelled map[snapshot.Key]relabel) bool {
	if readsAny(graphReads, others) {
		return false
	}
	relabels := make([]attackpath.Relabel, 0, len(relabelled))
	for k, l := range relabelled {
		relabels = append(relabels, attackpath.Relabel{Namespace: k.Name, Before: l.before, After: l.after})
	}
	return g.KeepsRelabels(relabels)
}

// keepsServices reports whether f's Service and Ingress findings hold
// for view: nothing they read changed (a namespace's labels alone, under
// the same tenancy, are not read), and every object changed sits in a
// namespace that exists before and after, so that the namespaces an
// ExternalName may point to are the same.
func (f *Facts) keepsServices(view *snapshot.Snapshot, ten *tenancy.Tenancy, changed []snapshot.Key) bool {
	if f.services == nil || !sameTenancy(f.Tenancy, ten) || readsAny(serviceReads, changed) {
		return false
	}
	var before, after map[string]*corev1.Namespace
	for _, k := range changed {
		if k.Namespace == "" {
			continue
		}
		if before == nil {
			before, after = f.Snapshot.NamespacesByName(), view.NamespacesByName()
		}
		if before[k.Namespace] == nil || after[k.Namespace] == nil {
			return false
		}
	}
	return true
}

// withoutRelabelled returns the changed objects but the namespaces of
// relabelled.
func withoutRelabelled(changed []snapshot.Key, relabelled map[snapshot.Key]relabel) []snapshot.Key {
	return slices.DeleteFunc(slices.Clone(changed), func(k snapshot.Key) bool { _, ok := relabelled[k]; return ok })
}

// engineSees returns the changed objects an engine reads.
func engineSees(name string, changed []snapshot.Key) []snapshot.Key {
	for _, e := range Engines() {
		if e.Name == name {
			return slices.DeleteFunc(slices.Clone(changed), func(k snapshot.Key) bool { return !readsAny(e.Reads, []snapshot.Key{k}) })
		}
	}
	return changed
}

// seen returns the changed objects the engines can see: a workload
// controller is seen only through the representative pod it stands for
// when it has no pod of its own (snapshot.Normalize), so a changed
// controller that has none before the change nor after it, while the
// representative pods of the views are the same ones, changes nothing an
// engine reads (its running pods are objects of their own). A harden
// proposal that changes the template of a Deployment whose pods run
// leaves every pod, and so the network and Pod Security facts, as they
// were. A StatefulSet is always seen: its volumeClaimTemplates are the
// claims its running pods mount where the snapshot holds none
// (node.NewJudge).
func (f *Facts) seen(view *snapshot.Snapshot, changed []snapshot.Key) []snapshot.Key {
	var controllers map[string]bool // "namespace/Kind/name" of the changed controllers
	for _, k := range changed {
		if kind, ok := controllerKind[k.Resource.String()]; ok {
			if controllers == nil {
				controllers = map[string]bool{}
			}
			controllers[k.Namespace+"/"+kind+"/"+k.Name] = true
		}
	}
	if controllers == nil {
		return changed
	}
	before, after := representatives(f.Snapshot), representatives(view)
	if !maps.Equal(before, after) {
		return changed // a representative came or went: the change shows
	}
	for r := range before {
		if controllers[r] {
			return changed // it stands for a changed controller
		}
	}
	return slices.DeleteFunc(slices.Clone(changed), func(k snapshot.Key) bool {
		r := k.Resource.String()
		return controllerKind[r] != "" && !slices.Contains(claimTemplates, r)
	})
}

// claimTemplates are the controllers whose templates the node engine reads
// beside the pods they stand for: a StatefulSet's volumeClaimTemplates
// are the claims its running pods mount where the snapshot holds none
// (node.NewJudge). A change to one may move the judgement of any pod of
// its namespace.
var claimTemplates = resources(&appsv1.StatefulSet{})

// representatives returns the representative pods of a view by
// "namespace/Kind/name" of the controller they stand for.
func representatives(s *snapshot.Snapshot) map[string]bool {
	out := map[string]bool{}
	for i := range s.Pods {
		if of, ok := s.Pods[i].Annotations[snapshot.SyntheticAnnotation]; ok && snapshot.IsSynthetic(&s.Pods[i]) {
			out[s.Pods[i].Namespace+"/"+of] = true
		}
	}
	return out
}

// Stale returns the engines whose facts a change to the objects of
// changed makes stale: those reading a changed resource, and those using
// a stale engine's facts.
func Stale(engines []Engine, changed []snapshot.Key) map[string]bool {
	return stale(engines, changed, nil)
}

// stale is Stale, with the changed Namespaces of relabelled seen only by
// the engines that read namespace labels.
func stale(engines []Engine, changed []snapshot.Key, relabelled map[snapshot.Key]relabel) map[string]bool {
	stale := map[string]bool{}
	for _, e := range engines {
		seen := changed
		if len(relabelled) > 0 {
			seen = slices.DeleteFunc(slices.Clone(changed), func(k snapshot.Key) bool {
				l, ok := relabelled[k]
				return ok && !e.seesRelabel(k.Name, l)
			})
		}
		if readsAny(e.Reads, seen) {
			stale[e.Name] = true
		}
	}
	for grew := true; grew; {
		grew = false
		for _, e := range engines {
			if stale[e.Name] {
				continue
			}
			for _, u := range e.Uses {
				if stale[u] {
					stale[e.Name], grew = true, true
					break
				}
			}
		}
	}
	return stale
}

// changesAny reports whether an object of the resources of kinds is among
// the changed, as they are (readsAny takes a controller for its pods).
func changesAny(changed []snapshot.Key, kinds []string) bool {
	return slices.ContainsFunc(changed, func(k snapshot.Key) bool { return slices.Contains(kinds, k.Resource.String()) })
}

// ownerKinds are the controllers snapshot.Owners reads to name the
// workload a running pod belongs to.
var ownerKinds = resources(&appsv1.ReplicaSet{}, &batchv1.Job{}, &batchv1.CronJob{})

// judgeReads are what the node engine's judgement of each pod reads
// beside the pod itself (a Namespace, which readsAny always counts,
// aside): the volumes it mounts. A change to anything else the engine
// reads (pods, whose judgements are each the pod's own; RBAC through the
// API engine; ServiceAccounts; nodes) keeps the judgements of the pods it
// leaves as they were.
var judgeReads = resources(&corev1.PersistentVolume{}, &corev1.PersistentVolumeClaim{})

// rejudged reports the pods whose judgement a change may move beside
// those of relabelled namespaces: the pods changed and the
// representatives of the controllers changed.
func rejudged(changed []snapshot.Key) func(*corev1.Pod) bool {
	touched := map[[3]string]bool{} // namespace, Kind and name, as podRef names them
	in := map[string]bool{}         // the namespaces of touched
	for _, k := range changed {
		switch r := k.Resource.String(); {
		case r == pods:
			touched[[3]string{k.Namespace, "Pod", k.Name}], in[k.Namespace] = true, true
		case controllerKind[r] != "":
			touched[[3]string{k.Namespace, controllerKind[r], k.Name}], in[k.Namespace] = true, true
		}
	}
	return func(p *corev1.Pod) bool {
		if !in[p.Namespace] {
			return false // asked of every pod of a big cluster
		}
		kind, name := snapshot.Workload(p)
		return touched[[3]string{p.Namespace, kind, name}]
	}
}

// sameTenancy reports whether two tenancies are alike.
func sameTenancy(a, b *tenancy.Tenancy) bool { return a == b || reflect.DeepEqual(a, b) }

// The resources readsAny treats apart.
var (
	namespaces = resources(&corev1.Namespace{})[0]
	pods       = resources(&corev1.Pod{})[0]
)

// readsAny reports whether reading the resources of reads sees a change
// to the objects of changed.
func readsAny(reads []string, changed []snapshot.Key) bool {
	for _, k := range changed {
		r := k.Resource.String()
		switch {
		case r == namespaces:
			return true
		case slices.Contains(controllerKinds, r):
			r = pods
		}
		if slices.Contains(reads, r) {
			return true
		}
	}
	return false
}

// relabel is a Namespace whose labels and annotations alone changed: its
// labels before and after.
type relabel struct{ before, after map[string]string }

// seesRelabel reports whether the engine's facts see a namespace
// relabelled.
func (e *Engine) seesRelabel(namespace string, l relabel) bool {
	return e.NamespaceLabels && (e.Relabel == nil || e.Relabel(namespace, l.before, l.after))
}

// relabelled returns the changed Namespaces that only their labels and
// annotations changed, when the tenancy resolved on view is f's: a
// Namespace added or removed, or a tenancy that moved, is seen by every
// engine.
func (f *Facts) relabelled(view *snapshot.Snapshot, ten *tenancy.Tenancy, changed []snapshot.Key) map[snapshot.Key]relabel {
	var keys []snapshot.Key
	for _, k := range changed {
		if k.Resource.String() == namespaces {
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 || !reflect.DeepEqual(f.Tenancy, ten) {
		return nil
	}
	before, after := f.Snapshot.NamespacesByName(), view.NamespacesByName()
	out := map[snapshot.Key]relabel{}
	for _, k := range keys {
		a, b := before[k.Name], after[k.Name]
		if a == nil || b == nil {
			continue
		}
		x, y := *a, *b // shallow copies, for comparing all but the labels
		x.Labels, x.Annotations, y.Labels, y.Annotations = nil, nil, nil, nil
		x.ResourceVersion, x.ManagedFields, y.ResourceVersion, y.ManagedFields = "", nil, "", nil
		if reflect.DeepEqual(x, y) {
			out[k] = relabel{a.Labels, b.Labels}
		}
	}
	return out
}

// Reanalyse returns the facts of view, the normalised view of a store
// after the objects named by changed were applied or deleted, where f are
// the facts of the view before (with the pods Pod Security refuses
// dropped, as the commands drop them): the pods refused dropped from view
// (DropRefused), its tenancy resolved (tenancy.ResolveSince, with the
// configuration f's was resolved with) and the facts the change leaves
// valid kept (Update). It is the start of a re-analysis after a change,
// each step redoing only what the change touches.
func (f *Facts) Reanalyse(view *snapshot.Snapshot, changed []snapshot.Key) (*Facts, error) {
	f.DropRefused(view, changed)
	ten, err := tenancy.ResolveSince(f.Tenancy, f.Snapshot, view, changed)
	if err != nil {
		return nil, err
	}
	return f.Update(view, ten, changed), nil
}

// DropRefused is node.DropRefused of view, the normalised view of a store
// after the objects named by changed were applied or deleted, where f's
// snapshot is the view before, on which it ran: only the pods of the
// namespaces of the pods, workload controllers and Namespaces changed are
// evaluated again.
func (f *Facts) DropRefused(view *snapshot.Snapshot, changed []snapshot.Key) []node.RefusedNamespace {
	dirty := map[string]bool{}
	for _, k := range changed {
		switch r := k.Resource.String(); {
		case r == namespaces:
			dirty[k.Name] = true
		case r == pods || controllerKind[r] != "":
			dirty[k.Namespace] = true
		}
	}
	return node.DropRefusedSince(f.Snapshot, view, dirty)
}
