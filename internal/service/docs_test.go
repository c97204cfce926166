package service

import (
	"os"
	"testing"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/bulkhead-dev/bulkhead/internal/finding"
	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
)

// Every check is in the table of docs/checks/network.md, and every finding
// the test clusters produce has a severity its row names.
func TestDocumentedChecks(t *testing.T) {
	doc, err := os.ReadFile("../../docs/checks/network.md")
	if err != nil {
		t.Fatal(err)
	}
	table := finding.DocTable(doc)
	ids := []string{IDExternalIPs, IDExternalName, IDNodePort, IDForeignEndpoints, IDIngressHost}
	services := &snapshot.Snapshot{
		Namespaces: []corev1.Namespace{ns("a"), ns("b")},
		Pods:       []corev1.Pod{{ObjectMeta: metav1.ObjectMeta{Namespace: "b", Name: "db-0"}, Status: corev1.PodStatus{PodIP: "10.1.0.7"}}},
		Services: []corev1.Service{
			svc("a", "grab", func(s *corev1.Service) { s.Spec.ExternalIPs = []string{"10.96.0.20"} }),
			svc("a", "alias", func(s *corev1.Service) {
				s.Spec.Type = corev1.ServiceTypeExternalName
				s.Spec.ExternalName = "api.b.svc"
			}),
			svc("b", "np", func(s *corev1.Service) {
				s.Spec.Type = corev1.ServiceTypeNodePort
				s.Spec.Ports = []corev1.ServicePort{{Port: 80, NodePort: 30080}}
			}),
		},
		Endpoints: []corev1.Endpoints{{ObjectMeta: metav1.ObjectMeta{Namespace: "a", Name: "steal"},
			Subsets: []corev1.EndpointSubset{{Addresses: []corev1.EndpointAddress{{IP: "10.1.0.7"}}}}}},
		Ingresses: []networkingv1.Ingress{ingress("a", "x", "nginx", "x.example.com", "*.example.com"), ingress("b", "x", "nginx", "x.example.com", "y.example.com")},
	}
	clusters := map[string]*snapshot.Snapshot{
		"services": services,
	}
	seen := map[string]bool{}
	for name, snap := range clusters {
		t.Run(name, func(t *testing.T) {
			fs := analyze(t, snap)
			for _, f := range fs {
				seen[f.ID] = true
			}
			for _, problem := range finding.DocProblems(table, fs) {
				t.Error(problem)
			}
		})
	}
	for _, id := range ids {
		if _, ok := table[id]; !ok {
			t.Errorf("docs/checks/network.md does not document %s", id)
		}
		if !seen[id] {
			t.Errorf("no test cluster produces %s", id)
		}
	}
}
