package service

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/bulkhead-dev/bulkhead/internal/finding"
	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
	"github.com/bulkhead-dev/bulkhead/internal/tenancy"
)

func analyze(t *testing.T, snap *snapshot.Snapshot) []finding.Finding {
	t.Helper()
	ten, err := tenancy.Resolve(snap, tenancy.Config{})
	if err != nil {
		t.Fatal(err)
	}
	return Analyze(snap, ten)
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

func TestServices(t *testing.T) {
	pod := corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "b", Name: "db-0", Labels: map[string]string{"app": "db"}}, Status: corev1.PodStatus{PodIP: "10.1.0.7"}}
	own := corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "a", Name: "web-0"}, Status: corev1.PodStatus{PodIP: "10.1.0.8"}}
	snap := &snapshot.Snapshot{
		Namespaces: []corev1.Namespace{ns("a"), ns("b"), ns("kube-system")},
		Pods:       []corev1.Pod{pod, own},
		Services: []corev1.Service{
			svc("a", "grab", func(s *corev1.Service) { s.Spec.ExternalIPs = []string{"10.96.0.20"} }),
			svc("b", "api", func(s *corev1.Service) { s.Spec.ClusterIPs = []string{"10.96.0.20"} }),
			svc("a", "alias", func(s *corev1.Service) {
				s.Spec.Type = corev1.ServiceTypeExternalName
				s.Spec.ExternalName = "api.b.svc.cluster.local."
			}),
			svc("a", "alias-own", func(s *corev1.Service) {
				s.Spec.Type = corev1.ServiceTypeExternalName
				s.Spec.ExternalName = "web.a.svc"
			}),
			svc("a", "alias-out", func(s *corev1.Service) {
				s.Spec.Type = corev1.ServiceTypeExternalName
				s.Spec.ExternalName = "db.example.com"
			}),
			svc("b", "np", func(s *corev1.Service) {
				s.Spec.Type = corev1.ServiceTypeNodePort
				s.Spec.Ports = []corev1.ServicePort{{Port: 80, NodePort: 30080}}
			}),
			svc("b", "peers", func(s *corev1.Service) {
				s.Spec.ClusterIP = corev1.ClusterIPNone
				s.Spec.Selector = map[string]string{"app": "db"}
			}),
			// Headless without pods behind it: publishes nothing.
			svc("b", "empty", func(s *corev1.Service) {
				s.Spec.ClusterIP = corev1.ClusterIPNone
				s.Spec.Selector = map[string]string{"app": "none"}
			}),
			svc("kube-system", "kube-dns", func(s *corev1.Service) { s.Spec.Type = corev1.ServiceTypeNodePort }),
		},
		Endpoints: []corev1.Endpoints{{ObjectMeta: metav1.ObjectMeta{Namespace: "a", Name: "steal"},
			Subsets: []corev1.EndpointSubset{{Addresses: []corev1.EndpointAddress{{IP: "10.1.0.7"}, {IP: "10.1.0.8"}}}}}},
		EndpointSlices: []discoveryv1.EndpointSlice{{ObjectMeta: metav1.ObjectMeta{Namespace: "a", Name: "steal-x"}, AddressType: discoveryv1.AddressTypeIPv4,
			Endpoints: []discoveryv1.Endpoint{{Addresses: []string{"10.9.9.9"}, TargetRef: &corev1.ObjectReference{Kind: "Pod", Namespace: "b", Name: "db-1"}}}}},
	}
	got := briefs(analyze(t, snap))
	want := []brief{
		{IDExternalIPs, "high", "a", "*", "Service a/grab claims external IPs 10.96.0.20"},
		{IDForeignEndpoints, "high", "a", "b", "EndpointSlice a/steal-x points at pod b/db-1 of tenant b"},
		{IDForeignEndpoints, "high", "a", "b", "Endpoints a/steal points at pod b/db-0 of tenant b"},
		{IDExternalName, "medium", "a", "b", "ExternalName Service a/alias aliases a name in namespace b of tenant b"},
		{IDNodePort, "medium", "*", "b", "NodePort Service b/np opens node ports TCP/30080"},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
	fs := analyze(t, snap)
	if len(fs) == 0 || fs[0].Detail == "" || len(fs[0].Witness) == 0 {
		t.Fatalf("findings lack detail or witness: %+v", fs)
	}
	for _, f := range fs {
		if f.ID == IDExternalIPs && !strings.Contains(f.Detail, "Service b/api") {
			t.Errorf("external IP collision not named: %s", f.Detail)
		}
	}
}

func TestExternalNameNamespace(t *testing.T) {
	known := map[string]bool{"b": true}
	for name, want := range map[string]bool{
		"api.b": true, "api.b.svc": true, "api.b.svc.cluster.local": true, "10-1-0-7.b.pod.cluster.local.": true,
		"api.c.svc": false, "b": false, "api.b.example.com": false,
	} {
		if _, got := externalNameNamespace(name, known); got != want {
			t.Errorf("%s: got %v want %v", name, got, want)
		}
	}
}

// TestNodePortRemediation: a tenant's NodePort or LoadBalancer goes behind
// the shared ingress; the platform's (the ingress itself) is kept, walled.
func TestNodePortRemediation(t *testing.T) {
	if got := nodePortRemediation(false); !strings.HasPrefix(got, "Use a ClusterIP Service behind a shared ingress") {
		t.Errorf("tenant: %q", got)
	}
	if got := nodePortRemediation(true); strings.Contains(got, "Use a ClusterIP") || !strings.Contains(got, "stays") {
		t.Errorf("platform: %q", got)
	}
}
