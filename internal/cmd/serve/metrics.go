package serve

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"sigs.k8s.io/controller-runtime/pkg/metrics"

	"github.com/bulkhead-dev/bulkhead/internal/admission"
)

// The webhook's metrics, served with controller-runtime's own from the
// manager's metrics endpoint (--metrics-bind-address).
var (
	admissionSeconds = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "bulkhead_webhook_admission_duration_seconds",
		Help: "Time to answer an admission request, from its decoding to the decision, by kind and operation.",
		// 100 µs to about 3.3 s, the webhook's timeout.
		Buckets: prometheus.ExponentialBuckets(0.0001, 2, 16),
	}, []string{"kind", "operation"})
	decisions = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "bulkhead_webhook_decisions_total",
		Help: "Rules judged by the webhook, by rule and what was done: denied, warned (warn mode, or enforce in dry-run), audited, or allowed (rule \"none\": a judged request that broke no rule).",
	}, []string{"rule", "mode"})
	snapshotRebuilds = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "bulkhead_webhook_snapshot_rebuilds_total",
		Help: "Rebuilds of the decisions after the informers changed the snapshot.",
	})
	snapshotRebuildErrors = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "bulkhead_webhook_snapshot_rebuild_errors_total",
		Help: "Rebuilds that failed (a tenancy that cannot be resolved); tenant requests are denied until one succeeds.",
	})
	snapshotRebuildSeconds = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "bulkhead_webhook_snapshot_rebuild_seconds",
		Help:    "Time to rebuild the decisions from the informers' snapshot.",
		Buckets: prometheus.ExponentialBuckets(0.001, 2, 14),
	})
)

func init() {
	metrics.Registry.MustRegister(admissionSeconds, decisions, snapshotRebuilds, snapshotRebuildErrors, snapshotRebuildSeconds)
}

// Modes of the decisions metric.
const (
	metricDenied  = "denied"
	metricWarned  = "warned"
	metricAudited = "audited"
	metricAllowed = "allowed"
	// ruleNone is the rule of a judged request that broke none.
	ruleNone = "none"
)

// observeDecision counts what was done about each rule d's request broke,
// or one allowed request when it broke none.
func observeDecision(d admission.Decision, dryRun bool) {
	if len(d.Violations) == 0 {
		decisions.WithLabelValues(ruleNone, metricAllowed).Inc()
		return
	}
	for _, v := range d.Violations {
		decisions.WithLabelValues(v.Rule, metricMode(v.Mode, dryRun)).Inc()
	}
}

func metricMode(m admission.Mode, dryRun bool) string {
	switch m {
	case admission.Enforce:
		if dryRun {
			return metricWarned
		}
		return metricDenied
	case admission.Warn:
		return metricWarned
	case admission.Audit:
		return metricAudited
	}
	return metricAllowed
}

// observeRebuild records one rebuild of the decisions that took d.
func observeRebuild(d time.Duration, err error) {
	snapshotRebuilds.Inc()
	snapshotRebuildSeconds.Observe(d.Seconds())
	if err != nil {
		snapshotRebuildErrors.Inc()
	}
}
