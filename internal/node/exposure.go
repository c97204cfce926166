package node

import (
	"fmt"

	"github.com/bulkhead-dev/bulkhead/internal/finding"
	"github.com/bulkhead-dev/bulkhead/internal/tenancy"
)

// exposure is what a pod at one placement, of one tenant, sits beside.
type exposure struct {
	// others are the other tenants (the cluster tenant aside) that run or
	// may run on the pod's nodes, as a set over CoLocation.sortedTenants;
	// n counts them.
	others tenantSet
	n      int
	all    []string
	// targets memoises targetList.
	targets     []string
	targetsDone bool
	near        map[string]neighbour
	tenant      string
	steps       []finding.Step
}

// targetList returns the other tenants exactly, for a finding whose
// target is "*" (Finding.TargetTenants), or nil when they are every
// tenant but the pod's own and the cluster's. Pods of one placement and
// tenant share it.
func (e *exposure) targetList() []string {
	if !e.targetsDone {
		e.targetsDone = true
		every := len(e.all)
		for _, t := range e.all {
			if t == e.tenant || t == tenancy.Cluster {
				every--
			}
		}
		if e.n < every {
			e.targets = e.names(e.n)
		}
	}
	return e.targets
}

// names returns the first max of the other tenants, sorted.
func (e *exposure) names(max int) []string { return e.others.names(e.all, max) }

// witness returns the witness steps: a pod of each exposed tenant
// (bounded), then one of the cluster tenant's if any.
func (e *exposure) witness(pods []PodFacts) []finding.Step {
	if e.steps != nil {
		return e.steps
	}
	step := func(t string) {
		nb := e.near[t]
		w := &pods[nb.pod]
		fact := fmt.Sprintf("tenant %s may be scheduled on node %s, beside it", t, nb.node)
		switch {
		case nb.node == "*":
			fact = fmt.Sprintf("tenant %s may be scheduled on any node, beside it", t)
		case w.Placement.Pinned && w.Live:
			fact = fmt.Sprintf("tenant %s runs on node %s, beside it", t, nb.node)
		case w.Placement.Pinned:
			fact = fmt.Sprintf("tenant %s is pinned to node %s, beside it", t, nb.node)
		}
		e.steps = append(e.steps, finding.Step{Object: w.Ref, Fact: fact})
	}
	for _, t := range e.names(maxWitnessTenants) {
		step(t)
	}
	if _, ok := e.near[tenancy.Cluster]; ok && e.tenant != tenancy.Cluster {
		step(tenancy.Cluster)
	}
	if e.steps == nil {
		e.steps = []finding.Step{}
	}
	return e.steps
}

// exposures computes exposure once per placement and tenant.
type exposures struct {
	r     *Result
	index map[string]int
	near  map[int]map[string]neighbour
	sets  map[int]tenantSet
	cache map[exposureKey]*exposure
}

type exposureKey struct {
	placement int
	tenant    string
}

func newExposures(r *Result) *exposures {
	x := &exposures{r: r, index: map[string]int{}, near: map[int]map[string]neighbour{}, sets: map[int]tenantSet{}, cache: map[exposureKey]*exposure{}}
	for i, t := range r.CoLocation.sortedTenants() {
		x.index[t] = i
	}
	return x
}

func (x *exposures) of(p *PodFacts) *exposure {
	key := exposureKey{p.placement, p.Tenant}
	if e, ok := x.cache[key]; ok {
		return e
	}
	all := x.r.CoLocation.sortedTenants()
	near, ok := x.near[p.placement]
	if !ok {
		near = x.r.CoLocation.exposed(&p.Placement)
		x.near[p.placement] = near
		set := newTenantSet(len(all))
		for t := range near {
			set.add(x.index[t])
		}
		x.sets[p.placement] = set
	}
	e := &exposure{others: x.sets[p.placement].clone(), all: all, near: near, tenant: p.Tenant}
	for _, t := range []string{p.Tenant, tenancy.Cluster} {
		if i, ok := x.index[t]; ok {
			e.others.remove(i)
		}
	}
	e.n = e.others.count()
	x.cache[key] = e
	return e
}
