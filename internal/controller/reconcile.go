package controller

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/client-go/tools/record"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
)

// reconciler keeps one namespace's baseline per call.
type reconciler struct {
	client   client.Client
	planner  *planner
	recorder record.EventRecorder

	mu sync.Mutex
	// synced is the digest of each namespace's baseline when it was last
	// found in sync: a write for the same digest is a drift repaired.
	synced map[string]string
	// conflicted holds, per namespace, its labels when applying them
	// last met another owner's value: not tried again until they change.
	conflicted map[string]string
	// pending are the writes the cache does not show yet.
	pending *pendingWrites
	// reconciled is Options.reconciled.
	reconciled func(ns string, inPlace bool)
}

// outcome is what one reconcile did, for its event, status and metrics.
type outcome struct {
	applied, deleted, repaired []string
	conflicts                  []string
	errs                       []error
}

// Reconcile compares the namespace's baseline with the cached objects and
// writes what differs: the NetworkPolicies (created or set back), the
// controller's policies the baseline no longer names (deleted), and the
// Pod Security labels with the status annotation.
func (r *reconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	defer r.planner.backlog.poke() // the queue has room for one more
	ns := req.Name
	want, keep, ready := r.planner.desiredOf(ns)
	if !ready || !keep {
		return ctrl.Result{}, nil // the first plan queues every namespace
	}
	var namespace corev1.Namespace
	if err := r.client.Get(ctx, client.ObjectKey{Name: ns}, &namespace); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	if namespace.DeletionTimestamp != nil {
		return ctrl.Result{}, nil
	}
	var list networkingv1.NetworkPolicyList
	if err := r.client.List(ctx, &list, client.InNamespace(ns)); err != nil {
		return ctrl.Result{}, fmt.Errorf("list network policies of %s: %w", ns, err)
	}
	r.mu.Lock()
	drifting := r.synced[ns] == want.digest
	r.mu.Unlock()

	var out outcome
	r.policies(ctx, want, list.Items, drifting, &out)
	r.namespace(ctx, &namespace, want, drifting, &out)
	r.report(ctx, &namespace, want, &out)
	if r.reconciled != nil {
		r.reconciled(ns, len(out.errs) == 0 && len(out.conflicts) == 0)
	}
	if err := errors.Join(out.errs...); err != nil {
		reconcileErrors.Inc()
		return ctrl.Result{}, err
	}
	return ctrl.Result{}, nil
}

// policies applies the desired NetworkPolicies that differ from the cached
// ones and deletes the controller's that are no longer desired.
func (r *reconciler) policies(ctx context.Context, want *desired, have []networkingv1.NetworkPolicy, drifting bool, out *outcome) {
	byName := make(map[string]*networkingv1.NetworkPolicy, len(have))
	for i := range have {
		byName[have[i].Name] = &have[i]
	}
	named := map[string]bool{}
	for _, np := range want.Policies {
		named[np.Name] = true
		got := byName[np.Name]
		switch {
		case got != nil && !own(got):
			// A user's policy of that name: never touched.
			conflicts.Inc()
			out.conflicts = append(out.conflicts, fmt.Sprintf("NetworkPolicy %s is not bulkhead's; left as it is", np.Name))
			continue
		case got != nil && policyInSync(np, got):
			continue
		}
		key := objectKey{"NetworkPolicy", np.Namespace, np.Name}
		written := digest(np)
		if r.pending.has(key, written) {
			continue // written already: its event is on the way
		}
		body, err := policyBody(np)
		if err == nil {
			err = r.client.Patch(ctx, body, client.Apply, client.FieldOwner(FieldOwner), client.ForceOwnership)
		}
		if err != nil {
			out.errs = append(out.errs, fmt.Errorf("apply NetworkPolicy %s/%s: %w", np.Namespace, np.Name, err))
			continue
		}
		r.pending.wrote(key, written)
		objectsApplied.WithLabelValues("NetworkPolicy").Inc()
		if drifting {
			driftRepaired.WithLabelValues("NetworkPolicy").Inc()
			out.repaired = append(out.repaired, "NetworkPolicy "+np.Name)
		} else {
			out.applied = append(out.applied, "NetworkPolicy "+np.Name)
		}
	}
	if len(out.errs) > 0 || len(out.conflicts) > 0 {
		// Some of the baseline is not in place: the policies it replaces
		// stay until it is, so that the namespace is never left more open.
		return
	}
	for i := range have {
		np := &have[i]
		replaced := keptByController(np) || own(np) && slices.Contains(want.Folds, np.Name)
		if named[np.Name] || !replaced {
			continue
		}
		key := objectKey{"NetworkPolicy", np.Namespace, np.Name}
		if r.pending.has(key, "delete "+string(np.UID)) {
			continue
		}
		err := r.client.Delete(ctx, np, client.Preconditions{UID: &np.UID, ResourceVersion: &np.ResourceVersion})
		if err != nil && !apierrors.IsNotFound(err) {
			out.errs = append(out.errs, fmt.Errorf("delete NetworkPolicy %s/%s: %w", np.Namespace, np.Name, err))
			continue
		}
		r.pending.wrote(key, "delete "+string(np.UID))
		objectsDeleted.WithLabelValues("NetworkPolicy").Inc()
		out.deleted = append(out.deleted, "NetworkPolicy "+np.Name)
	}
}

// namespace merges the desired Pod Security labels into the namespace
// when they differ from its own, with the status annotation; a status
// that changed alone is written too. The apply names every Pod Security
// label the namespace has, at its value where the baseline wants none:
// an apply that left one out would remove it had the controller set it
// before.
func (r *reconciler) namespace(ctx context.Context, ns *corev1.Namespace, want *desired, drifting bool, out *outcome) {
	labels := podSecurityLabels(ns.Labels)
	needLabels := !subset(want.Labels, ns.Labels) && !lowers(want.Labels, ns.Labels)
	r.mu.Lock()
	held := needLabels && r.conflicted[ns.Name] == labelKey(ns.Labels)
	r.mu.Unlock()
	if held && len(out.errs) == 0 {
		// Met another owner's value before, and nothing changed since:
		// the status says so already.
		return
	}
	status := statusOf(out)
	if !needLabels && ns.Annotations[StatusAnnotation] == status {
		return
	}
	if needLabels {
		labels = mergeLabels(labels, want.Labels)
	}
	key, written := objectKey{"Namespace", "", ns.Name}, labelKey(labels)+status
	if r.pending.has(key, written) {
		return // written already: its event is on the way
	}
	err := r.client.Patch(ctx, namespaceBody(ns.Name, labels, status), client.Apply, client.FieldOwner(FieldOwner))
	if err == nil {
		r.pending.wrote(key, written)
	}
	if apierrors.IsConflict(err) {
		// Another manager holds a label at another value: the namespace
		// is not the controller's, so it is not forced. Say so, once.
		conflicts.Inc()
		r.mu.Lock()
		r.conflicted[ns.Name] = labelKey(ns.Labels)
		r.mu.Unlock()
		out.conflicts = append(out.conflicts, "Pod Security labels: "+err.Error())
		status = statusOf(out)
		if ns.Annotations[StatusAnnotation] == status {
			return
		}
		err = r.client.Patch(ctx, namespaceBody(ns.Name, podSecurityLabels(ns.Labels), status), client.Apply, client.FieldOwner(FieldOwner))
		needLabels = false
	}
	if err != nil {
		out.errs = append(out.errs, fmt.Errorf("apply Namespace %s: %w", ns.Name, err))
		return
	}
	if !needLabels {
		return
	}
	objectsApplied.WithLabelValues("Namespace").Inc()
	if drifting {
		driftRepaired.WithLabelValues("Namespace").Inc()
		out.repaired = append(out.repaired, "Pod Security labels")
	} else {
		out.applied = append(out.applied, "Pod Security labels")
	}
}

// mergeLabels returns the labels of base with those of over written on
// them, in a new map.
func mergeLabels(base, over map[string]string) map[string]string {
	out := make(map[string]string, len(base)+len(over))
	maps.Copy(out, base)
	maps.Copy(out, over)
	return out
}

// labelKey is a namespace's labels as one comparable string.
func labelKey(labels map[string]string) string {
	var b strings.Builder
	for _, k := range slices.Sorted(maps.Keys(labels)) {
		b.WriteString(k + "=" + labels[k] + "\n")
	}
	return b.String()
}

// statusOf is the status annotation's value for what a reconcile met so
// far: "synced", else its first conflict or error.
func statusOf(out *outcome) string {
	switch {
	case len(out.errs) > 0:
		return "error: " + firstLine(out.errs[0].Error())
	case len(out.conflicts) > 0:
		return "conflict: " + firstLine(out.conflicts[0])
	}
	return "synced"
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	if len(s) > 200 {
		s = s[:200]
	}
	return s
}

// report records the namespace's event, and remembers it in sync when it
// is.
func (r *reconciler) report(ctx context.Context, ns *corev1.Namespace, want *desired, out *outcome) {
	log := logf.FromContext(ctx)
	if len(out.errs) == 0 && len(out.conflicts) == 0 {
		r.mu.Lock()
		r.synced[ns.Name] = want.digest
		r.mu.Unlock()
	}
	if len(out.repaired) > 0 {
		r.recorder.Eventf(ns, corev1.EventTypeWarning, "DriftRepaired", "bulkhead set back its baseline: %s", strings.Join(out.repaired, ", "))
	}
	if len(out.applied) > 0 {
		msg := strings.Join(out.applied, ", ")
		if want.Why != "" && slices.Contains(out.applied, "Pod Security labels") {
			msg += " (" + want.Why + ")"
		}
		r.recorder.Eventf(ns, corev1.EventTypeNormal, "BaselineApplied", "bulkhead applied %s", msg)
	}
	if len(out.deleted) > 0 {
		r.recorder.Eventf(ns, corev1.EventTypeNormal, "BaselineDeleted", "bulkhead deleted what its baseline no longer names: %s", strings.Join(out.deleted, ", "))
	}
	for _, c := range out.conflicts {
		r.recorder.Event(ns, corev1.EventTypeWarning, "BaselineConflict", c)
	}
	for _, err := range out.errs {
		r.recorder.Event(ns, corev1.EventTypeWarning, "BaselineError", firstLine(err.Error()))
	}
	if n := len(out.applied) + len(out.repaired) + len(out.deleted); n > 0 {
		log.Info("kept the baseline", "namespace", ns.Name, "applied", out.applied, "repaired", out.repaired, "deleted", out.deleted)
	}
}
