package dns

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
	"github.com/bulkhead-dev/bulkhead/internal/tenancy"
)

func resolve(t *testing.T, snap *snapshot.Snapshot) *tenancy.Tenancy {
	t.Helper()
	ten, err := tenancy.Resolve(snap, tenancy.Config{})
	if err != nil {
		t.Fatal(err)
	}
	return ten
}

// dnsCluster: tenant a has pods and a headless Service over them, b has
// neither pods nor Services, c has pods only, d a Service only.
func dnsCluster(corefile string) *snapshot.Snapshot {
	pod := func(ns, name string, labels map[string]string) corev1.Pod {
		return corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Labels: labels}}
	}
	snap := &snapshot.Snapshot{
		Namespaces: []corev1.Namespace{ns("a"), ns("b"), ns("c"), ns("d"), ns("kube-system")},
		Pods: []corev1.Pod{
			pod("a", "db-0", map[string]string{"app": "db"}),
			pod("c", "web", nil),
			pod("kube-system", "coredns", map[string]string{"k8s-app": "kube-dns"}),
			{ObjectMeta: metav1.ObjectMeta{Namespace: "b", Name: "job-done"}, Status: corev1.PodStatus{Phase: corev1.PodSucceeded}},
		},
		Services: []corev1.Service{
			svc("a", "db", func(s *corev1.Service) {
				s.Spec.ClusterIP = corev1.ClusterIPNone
				s.Spec.Selector = map[string]string{"app": "db"}
			}),
			svc("d", "api", func(s *corev1.Service) { s.Spec.Selector = map[string]string{"app": "api"} }),
			svc("b", "alias", func(s *corev1.Service) {
				s.Spec.Type = corev1.ServiceTypeExternalName
				s.Spec.ExternalName = "example.com"
			}),
			svc("kube-system", "kube-dns", func(s *corev1.Service) { s.Spec.Selector = map[string]string{"k8s-app": "kube-dns"} }),
		},
	}
	if corefile != "" {
		snap.ConfigMaps = []corev1.ConfigMap{{ObjectMeta: metav1.ObjectMeta{Namespace: "kube-system", Name: "coredns"}, Data: map[string]string{"Corefile": corefile}}}
	}
	return snap
}

// What DNS exposes of each tenant: discovery needs something to discover,
// spoofing is told apart from discovery, and a tenant with no pods and no
// Services (b) or the cluster tenant is never listed.
func TestDNSExposures(t *testing.T) {
	type row struct {
		Tenant   string
		Kind     Kind
		Severity string
		Check    string
	}
	tests := []struct {
		name, corefile string
		want           []row
	}{
		{"kubeadm default: pods insecure, reverse zones", ".:53 {\n kubernetes cluster.local in-addr.arpa ip6.arpa {\n  pods insecure\n }\n}\n", []row{
			{"a", Spoofing, "medium", IDPodRecords},
			{"a", Discovery, "low", IDReverseZones},
			{"a", Discovery, "low", IDHeadlessService},
			{"c", Spoofing, "medium", IDPodRecords},
			{"d", Discovery, "low", IDReverseZones},
		}},
		{"pods verified, no reverse zones", ".:53 {\n kubernetes cluster.local {\n  pods verified\n }\n}\n", []row{
			{"a", Discovery, "low", IDPodRecords},
			{"a", Discovery, "low", IDHeadlessService},
			{"c", Discovery, "low", IDPodRecords},
		}},
		{"pods disabled", ".:53 {\n kubernetes cluster.local\n}\n", []row{
			{"a", Discovery, "low", IDHeadlessService},
		}},
		{"no Corefile", "", []row{
			{"a", Discovery, "low", IDHeadlessService},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			snap := dnsCluster(tt.corefile)
			var got []row
			exps := Exposures(snap, resolve(t, snap))
			for _, e := range exps {
				got = append(got, row{e.Tenant, e.Kind, e.Severity.String(), e.Check})
				if e.Reason == "" || len(e.Namespaces) == 0 || len(e.Objects) == 0 {
					t.Errorf("exposure without reason, namespaces or objects: %+v", e)
				}
			}
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
			// One fact, one severity: the finding that reports each cause
			// carries the same severity.
			sev := map[string]string{}
			for _, f := range Analyze(snap, resolve(t, snap)) {
				sev[f.ID] = f.Severity.String()
			}
			for _, r := range got {
				if sev[r.Check] != r.Severity {
					t.Errorf("%s: exposure at %s, finding at %q", r.Check, r.Severity, sev[r.Check])
				}
			}
		})
	}
}
