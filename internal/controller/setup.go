package controller

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
	"sigs.k8s.io/controller-runtime/pkg/source"

	networkingv1 "k8s.io/api/networking/v1"
)

// Setup registers the controller with mgr: the view fed by the manager's
// informers, the planner (a runnable of the leader) and the reconciler
// keyed by namespace, triggered by changes of a Namespace or of any
// NetworkPolicy in it and by plans that change its baseline (through the
// planner's backlog, so that a drift never waits behind a big plan). The
// manager's
// scheme must know the watched kinds (core, apps, batch, networking).
func Setup(mgr manager.Manager, opts Options) error {
	opts, err := opts.withDefaults()
	if err != nil {
		return err
	}
	for _, obj := range watched() {
		if _, _, err := mgr.GetScheme().ObjectKinds(obj); err != nil {
			return fmt.Errorf("the manager's scheme: %w", err)
		}
	}
	v := newView()
	if err := v.watch(context.Background(), mgr.GetCache()); err != nil {
		return err
	}
	p := newPlanner(v, opts)
	if err := mgr.Add(p); err != nil {
		return fmt.Errorf("add planner: %w", err)
	}
	r := &reconciler{
		client:     mgr.GetClient(),
		planner:    p,
		recorder:   mgr.GetEventRecorderFor(Name),
		synced:     map[string]string{},
		conflicted: map[string]string{},
		pending:    newPendingWrites(),
		reconciled: opts.reconciled,
	}
	copts := controller.Options{MaxConcurrentReconciles: opts.MaxConcurrentReconciles}
	if opts.skipNameValidation {
		copts.SkipNameValidation = ptr.To(true)
	}
	err = ctrl.NewControllerManagedBy(mgr).
		Named(Name).
		Watches(&corev1.Namespace{}, observing{&handler.EnqueueRequestForObject{}, "Namespace", r.pending}).
		Watches(&networkingv1.NetworkPolicy{}, observing{handler.EnqueueRequestsFromMapFunc(namespaceOf), "NetworkPolicy", r.pending}).
		WatchesRawSource(source.Func(func(ctx context.Context, q queue) error {
			go p.backlog.feed(ctx, q, opts.MaxConcurrentReconciles)
			return nil
		})).
		WithOptions(copts).
		Complete(r)
	if err != nil {
		return fmt.Errorf("build controller: %w", err)
	}
	return nil
}

// namespaceOf queues the namespace of a namespaced object.
func namespaceOf(_ context.Context, obj client.Object) []reconcile.Request {
	if obj.GetNamespace() == "" {
		return nil
	}
	return []reconcile.Request{{NamespacedName: client.ObjectKey{Name: obj.GetNamespace()}}}
}
