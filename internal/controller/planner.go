package controller

import (
	"context"
	"fmt"
	"maps"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	logf "sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/bulkhead-dev/bulkhead/internal/harden"
	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
	"github.com/bulkhead-dev/bulkhead/internal/tenancy"
)

// planner turns the view into the baseline of every namespace, again each
// time the view changes (a debounce after the last change), and sends the
// namespaces whose baseline changed to the reconciler.
type planner struct {
	view *view
	opts Options
	// backlog receives the namespaces to reconcile.
	backlog *backlog

	mu      sync.RWMutex
	ready   bool
	plan    map[string]*desired
	tenancy *tenancy.Tenancy
}

func newPlanner(v *view, opts Options) *planner {
	p := &planner{view: v, opts: opts, backlog: newBacklog()}
	v.settled = p.settled
	return p
}

// settled reports whether an update of a namespace changes nothing the
// plan reads but its Pod Security labels, and those exactly as the plan
// asked (the controller's own write coming back through the informer).
// Planning again would only find that the namespace needs no label any
// more; from empty, with a label write per namespace, it would plan again
// and again for nothing.
func (p *planner) settled(old, obj any) bool {
	o, ok := old.(*corev1.Namespace)
	n, ok2 := obj.(*corev1.Namespace)
	if !ok || !ok2 || o.Name != n.Name {
		return false
	}
	p.mu.RLock()
	d := p.plan[n.Name]
	p.mu.RUnlock()
	if d == nil || len(d.Labels) == 0 {
		return false
	}
	if !maps.Equal(podSecurityLabels(n.Labels), mergeLabels(podSecurityLabels(o.Labels), d.Labels)) {
		return false
	}
	oc, nc := o.DeepCopy(), n.DeepCopy()
	oc.Labels, nc.Labels = withoutPodSecurity(oc.Labels), withoutPodSecurity(nc.Labels)
	return !relevantChange(oc, nc)
}

// Start runs the planner until ctx ends (a manager.Runnable). It waits for
// the view's first full list, plans, and plans again after each change.
func (p *planner) Start(ctx context.Context) error {
	log := logf.FromContext(ctx).WithName(Name)
	if err := wait.PollUntilContextCancel(ctx, 50*time.Millisecond, true, func(context.Context) (bool, error) {
		return p.view.synced(), nil
	}); err != nil {
		return nil // stopped before the caches synced
	}
	p.view.touch()
	var took time.Duration
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-p.view.dirty:
		}
		// Let a burst of changes settle into one plan, and never plan
		// more than half the time: a plan of a big cluster takes seconds,
		// and a cluster converging from empty changes all the time.
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(max(p.opts.Debounce, took)):
		}
		select {
		case <-p.view.dirty:
		default:
		}
		start := time.Now()
		n, err := p.replan()
		took = time.Since(start)
		planSeconds.Observe(took.Seconds())
		if err != nil {
			planErrors.Inc()
			log.Error(err, "plan the baseline")
			continue
		}
		log.V(1).Info("planned the baseline", "namespaces changed", n, "took", took.String())
		if p.opts.planned != nil {
			p.opts.planned(took, n)
		}
	}
}

// NeedLeaderElection says the planner runs on the leader only, with the
// reconciler it feeds.
func (p *planner) NeedLeaderElection() bool { return true }

// replan plans from the view as it is now, swaps the plan in and queues
// the namespaces whose baseline changed. It returns how many did.
func (p *planner) replan() (int, error) {
	snap := p.view.snapshot()
	plan, ten, err := buildPlan(snap, p.opts)
	if err != nil {
		return 0, err
	}
	now := split(plan, takenNames(snap))
	p.mu.Lock()
	old := p.plan
	p.plan, p.tenancy, p.ready = now, ten, true
	p.mu.Unlock()
	todo := changed(old, now)
	if old == nil {
		// The first plan: namespaces without a baseline may still hold
		// policies the controller wrote before.
		todo = snapshotNamespaces(snap)
	}
	p.backlog.add(todo...)
	return len(todo), nil
}

// buildPlan resolves the tenancy of a snapshot and plans its baseline.
func buildPlan(snap *snapshot.Snapshot, opts Options) (harden.Plan, *tenancy.Tenancy, error) {
	ten, err := tenancy.Resolve(snap, opts.Tenancy)
	if err != nil {
		return harden.Plan{}, nil, fmt.Errorf("tenancy: %w", err)
	}
	plan, err := harden.Build(snap, ten, opts.Harden)
	if err != nil {
		return harden.Plan{}, nil, fmt.Errorf("plan: %w", err)
	}
	return plan, ten, nil
}

// takenNames says whether a policy that is not harden's has a name in a
// namespace of snap.
func takenNames(snap *snapshot.Snapshot) func(ns, name string) bool {
	taken := map[[2]string]bool{}
	for i := range snap.NetworkPolicies {
		if np := &snap.NetworkPolicies[i]; !own(np) {
			taken[[2]string{np.Namespace, np.Name}] = true
		}
	}
	return func(ns, name string) bool { return taken[[2]string{ns, name}] }
}

func snapshotNamespaces(snap *snapshot.Snapshot) []string {
	out := make([]string, len(snap.Namespaces))
	for i := range snap.Namespaces {
		out[i] = snap.Namespaces[i].Name
	}
	return out
}

// desiredOf returns the baseline of a namespace, whether it is kept at
// all (not a system namespace, not the controller's own), and whether a
// plan is ready.
func (p *planner) desiredOf(ns string) (d *desired, keep, ready bool) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	if !p.ready {
		return nil, false, false
	}
	if ns == p.opts.Namespace || p.tenancy.IsSystem(ns) {
		return nil, false, true
	}
	d = p.plan[ns]
	if d == nil {
		d = &desired{}
	}
	return d, true, true
}
