package analysis

import (
	"slices"

	corev1 "k8s.io/api/core/v1"

	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
	"github.com/bulkhead-dev/bulkhead/internal/tenancy"
)

// Update returns the facts of view, the normalised snapshot of a store
// after the objects named by changed were applied or deleted, keeping
// each engine's facts that the change leaves valid: those of an engine
// that reads none of the changed resources and uses no engine whose facts
// changed. A changed Namespace changes tenancy, which every engine reads;
// a changed workload controller changes the pods that stand for it. ten
// is the tenancy resolved on view.
func (f *Facts) Update(view *snapshot.Snapshot, ten *tenancy.Tenancy, changed []snapshot.Key) *Facts {
	nf := &Facts{Snapshot: view, Tenancy: ten, Network: f.Network}
	stale := Stale(Engines(), changed)
	if !stale["api"] && f.authz != nil {
		nf.rbacOnce.Do(func() { nf.authz = f.authz })
	}
	if !stale["network"] {
		if f.net != nil {
			nf.netOnce.Do(func() { nf.net = f.net })
		}
		if f.services != nil {
			nf.svcOnce.Do(func() { nf.services = f.services })
		}
	}
	if !stale["dns"] && f.dns != nil {
		nf.dnsOnce.Do(func() { nf.dns = f.dns })
	}
	if !stale["node"] && f.node != nil {
		nf.nodeOnce.Do(func() { nf.node = f.node })
	}
	if len(stale) == 0 && !readsAny(graphReads, changed) && f.graph != nil {
		nf.graphOnce.Do(func() { nf.graph = f.graph })
	}
	return nf
}

// Stale returns the engines whose facts a change to the objects of
// changed makes stale: those reading a changed resource, and those using
// a stale engine's facts.
func Stale(engines []Engine, changed []snapshot.Key) map[string]bool {
	stale := map[string]bool{}
	for _, e := range engines {
		if readsAny(e.Reads, changed) {
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
