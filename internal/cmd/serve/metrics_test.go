package serve

import (
	"context"
	"maps"
	"testing"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/metrics"

	"github.com/bulkhead-dev/bulkhead/internal/admission"
	"github.com/bulkhead-dev/bulkhead/internal/node"
	"github.com/bulkhead-dev/bulkhead/internal/tenancy"
)

// scrape gathers controller-runtime's registry, as the metrics endpoint
// does, and returns the value of the counter, or the sample count of the
// histogram, name with labels (0 when it has not been observed).
func scrape(t *testing.T, name string, labels map[string]string) float64 {
	t.Helper()
	families, err := metrics.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			got := map[string]string{}
			for _, l := range m.GetLabel() {
				got[l.GetName()] = l.GetValue()
			}
			if !maps.Equal(got, labels) {
				continue
			}
			switch {
			case m.GetCounter() != nil:
				return m.GetCounter().GetValue()
			case m.GetHistogram() != nil:
				return float64(m.GetHistogram().GetSampleCount())
			}
		}
	}
	return 0
}

// total sums the counter name over all its labels.
func total(t *testing.T, name string) float64 {
	t.Helper()
	families, err := metrics.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	sum := 0.0
	for _, f := range families {
		if f.GetName() == name {
			for _, m := range f.GetMetric() {
				sum += m.GetCounter().GetValue()
			}
		}
	}
	return sum
}

// TestMetrics scrapes the registry after Handle calls: every request is
// timed by kind and operation, and each judged one counted by rule and
// what was done about it.
func TestMetrics(t *testing.T) {
	plain := &corev1.Pod{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"}, ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "a-web"},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "web", Image: "nginx",
			SecurityContext: &corev1.SecurityContext{Capabilities: &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}}}}}}}
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "x", Namespace: "a-web"}}
	escape := map[string]admission.Mode{node.IDNodeEscape: admission.Warn}
	audit := map[string]admission.Mode{node.IDNodeEscape: admission.Audit}
	for _, c := range []struct {
		name       string
		state      *state
		obj        runtime.Object
		kind       string
		rule, mode string // the decision counted; empty: none
	}{
		{"denied", synced(admission.Config{}), privileged("a-web"), "Pod", node.IDNodeEscape, metricDenied},
		{"warned", synced(admission.Config{Rules: escape}), privileged("a-web"), "Pod", node.IDNodeEscape, metricWarned},
		{"dry run is a warning", synced(admission.Config{DryRun: true}), privileged("a-web"), "Pod", node.IDNodeEscape, metricWarned},
		{"audited", synced(admission.Config{Rules: audit}), privileged("a-web"), "Pod", node.IDNodeEscape, metricAudited},
		{"allowed", synced(admission.Config{}), plain, "Pod", ruleNone, metricAllowed},
		{"before the caches synced", newState(tenancy.Config{}, admission.Config{}), privileged("a-web"), "Pod", admission.IDUnresolved, metricDenied},
		{"a kind it does not judge", synced(admission.Config{}), cm, "ConfigMap", "", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			latency := map[string]string{"kind": c.kind, "operation": "CREATE"}
			counted := map[string]string{"rule": c.rule, "mode": c.mode}
			beforeLatency, beforeCount := scrape(t, "bulkhead_webhook_admission_duration_seconds", latency), scrape(t, "bulkhead_webhook_decisions_total", counted)
			beforeAll := total(t, "bulkhead_webhook_decisions_total")
			h := &Handler{decisions: c.state.decisions, log: logr.Discard()}
			h.Handle(context.Background(), review(t, c.obj, c.kind, "a-web"))
			if got := scrape(t, "bulkhead_webhook_admission_duration_seconds", latency) - beforeLatency; got != 1 {
				t.Errorf("latency observations of %v grew by %v, want 1", latency, got)
			}
			if c.rule == "" {
				if got := total(t, "bulkhead_webhook_decisions_total") - beforeAll; got != 0 {
					t.Errorf("decisions grew by %v, want 0", got)
				}
				return
			}
			if got := scrape(t, "bulkhead_webhook_decisions_total", counted) - beforeCount; got != 1 {
				t.Errorf("decisions %v grew by %v, want 1", counted, got)
			}
			if got := total(t, "bulkhead_webhook_decisions_total") - beforeAll; got != 1 {
				t.Errorf("decisions grew by %v in all, want 1", got)
			}
		})
	}
}

// TestRebuildMetrics: the decisions are rebuilt, timed and counted once
// per change of the snapshot, however many requests read them.
func TestRebuildMetrics(t *testing.T) {
	s := synced(admission.Config{})
	rebuilds := func() float64 { return scrape(t, "bulkhead_webhook_snapshot_rebuilds_total", nil) }
	timed := func() float64 { return scrape(t, "bulkhead_webhook_snapshot_rebuild_seconds", nil) }
	before, beforeTimed := rebuilds(), timed()
	for _, step := range []struct {
		name   string
		change func()
		want   float64
	}{
		{"first request", func() {}, 1},
		{"no change", func() {}, 1},
		{"a namespace added", func() { s.apply(namespace("c-db", "c")) }, 2},
		{"a namespace removed", func() { s.remove(namespace("c-db", "c")) }, 3},
		{"removing it again changes nothing", func() { s.remove(namespace("c-db", "c")) }, 3},
	} {
		t.Run(step.name, func(t *testing.T) {
			step.change()
			for range 3 {
				if _, err := s.decisions(); err != nil {
					t.Fatal(err)
				}
			}
			if got := rebuilds() - before; got != step.want {
				t.Errorf("rebuilds %v, want %v", got, step.want)
			}
			if got := timed() - beforeTimed; got != step.want {
				t.Errorf("timed rebuilds %v, want %v", got, step.want)
			}
		})
	}
}
