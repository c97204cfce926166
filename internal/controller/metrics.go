package controller

import (
	"github.com/prometheus/client_golang/prometheus"
	"sigs.k8s.io/controller-runtime/pkg/metrics"
)

// The controller's metrics, served with controller-runtime's own
// (controller_runtime_reconcile_total, workqueue depth, ...) from the
// manager's metrics endpoint.
var (
	reconcileErrors = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "bulkhead_controller_reconcile_errors_total",
		Help: "Namespace reconciles that failed (they are retried with backoff).",
	})
	objectsApplied = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "bulkhead_controller_objects_applied_total",
		Help: "Objects applied server-side to keep the baseline, by kind.",
	}, []string{"kind"})
	objectsDeleted = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "bulkhead_controller_objects_deleted_total",
		Help: "Objects of the controller's deleted because the baseline no longer names them, by kind.",
	}, []string{"kind"})
	driftRepaired = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "bulkhead_controller_drift_repaired_total",
		Help: "Objects written back because they drifted from a baseline that had not changed, by kind.",
	}, []string{"kind"})
	conflicts = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "bulkhead_controller_conflicts_total",
		Help: "Writes left undone because another owner holds the object or field.",
	})
	planSeconds = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "bulkhead_controller_plan_seconds",
		Help:    "Time to plan the baseline of every namespace from the informers' view.",
		Buckets: prometheus.ExponentialBuckets(0.005, 2, 14),
	})
	planErrors = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "bulkhead_controller_plan_errors_total",
		Help: "Plans that failed (a tenancy that cannot be resolved); the last good plan is kept.",
	})
)

func init() {
	metrics.Registry.MustRegister(reconcileErrors, objectsApplied, objectsDeleted, driftRepaired, conflicts, planSeconds, planErrors)
}
