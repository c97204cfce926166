package dns

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/bulkhead-dev/bulkhead/examples"
	"github.com/bulkhead-dev/bulkhead/internal/finding"
	"github.com/bulkhead-dev/bulkhead/internal/load"
	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
)

func analyze(t *testing.T, snap *snapshot.Snapshot) []finding.Finding {
	t.Helper()
	return Analyze(snap, resolve(t, snap))
}

type brief struct {
	ID, Severity, Source, Target, Reason string
}

func briefs(fs []finding.Finding) []brief {
	var out []brief
	for _, f := range fs {
		out = append(out, brief{f.ID, f.Severity.String(), f.SourceTenant, f.TargetTenant, f.Reason})
	}
	return out
}

func ns(name string) corev1.Namespace {
	return corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}
}

func svc(ns, name string, mut func(*corev1.Service)) corev1.Service {
	s := corev1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}}
	mut(&s)
	return s
}

func TestSeedDNS(t *testing.T) {
	snap, err := load.FS(examples.SeedCluster, "demo")
	if err != nil {
		t.Fatal(err)
	}
	snap.Normalize()
	got := briefs(analyze(t, snap))
	want := []brief{
		{IDPodRecords, "medium", "", "", "CoreDNS answers pod-style names for any address in any namespace (pods insecure): names can be spoofed"},
		{IDReverseZones, "low", "", "", "CoreDNS serves reverse (PTR) zones in-addr.arpa, ip6.arpa to every pod"},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
}

// A headless Service publishes the addresses of the pods it selects to
// every tenant; one that selects no pod publishes nothing.
func TestHeadless(t *testing.T) {
	snap := &snapshot.Snapshot{
		Namespaces: []corev1.Namespace{ns("a"), ns("b")},
		Pods: []corev1.Pod{{ObjectMeta: metav1.ObjectMeta{Namespace: "b", Name: "db-0", Labels: map[string]string{"app": "db"}},
			Status: corev1.PodStatus{PodIP: "10.1.0.7"}}},
		Services: []corev1.Service{
			svc("b", "peers", func(s *corev1.Service) {
				s.Spec.ClusterIP = corev1.ClusterIPNone
				s.Spec.Selector = map[string]string{"app": "db"}
			}),
			svc("b", "empty", func(s *corev1.Service) {
				s.Spec.ClusterIP = corev1.ClusterIPNone
				s.Spec.Selector = map[string]string{"app": "none"}
			}),
			svc("a", "web", func(s *corev1.Service) { s.Spec.Selector = map[string]string{"app": "web"} }),
		},
	}
	want := []brief{{IDHeadlessService, "low", "*", "b", "headless services of namespace b publish their pods to every tenant (peers)"}}
	if d := cmp.Diff(want, briefs(analyze(t, snap))); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
}
