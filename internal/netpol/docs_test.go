package netpol

import (
	"os"
	"testing"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/bulkhead-dev/bulkhead/internal/finding"
	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
)

// checkTable reads the table of docs/checks/network.md: ID -> severity
// column.
func checkTable(t *testing.T) map[string]string {
	t.Helper()
	doc, err := os.ReadFile("../../docs/checks/network.md")
	if err != nil {
		t.Fatal(err)
	}
	return finding.DocTable(doc)
}

// Every check is documented, and every finding the test clusters produce
// has a severity its row of docs/checks/network.md names.
func TestDocumentedChecks(t *testing.T) {
	doc := checkTable(t)
	ids := []string{IDCrossTenant, IDNoDefaultIngress, IDNoDefaultEgress, IDAllNamespaces, IDAnyAddress, IDMetadata, IDDNSBlocked, IDHostNetwork}
	for _, id := range ids {
		if _, ok := doc[id]; !ok {
			t.Errorf("docs/checks/network.md does not document %s", id)
		}
	}
	cloud := DefaultOptions()
	cloud.Cloud = true
	partial := checksCluster()
	partial.Pods = append(partial.Pods, testPod("b", "worker", nil, "10.0.1.2"), hostPod("b", "agent", "n1", "192.168.0.9"))
	partial.NetworkPolicies = append(partial.NetworkPolicies, netPolicy("b", "from-anywhere", networkingv1.NetworkPolicySpec{
		PodSelector: metav1.LabelSelector{MatchLabels: map[string]string{"app": "api"}},
		Ingress: []networkingv1.NetworkPolicyIngressRule{{From: []networkingv1.NetworkPolicyPeer{{IPBlock: &networkingv1.IPBlock{CIDR: "::/0"}}}},
			{From: []networkingv1.NetworkPolicyPeer{{IPBlock: &networkingv1.IPBlock{CIDR: "0.0.0.0/0"}}}, Ports: []networkingv1.NetworkPolicyPort{npPort(corev1.ProtocolTCP, 8080)}}}}))
	clusters := []struct {
		name string
		snap *snapshot.Snapshot
	}{
		{"seed", seedSnapshot(t)},
		{"checks", checksCluster()},
		{"partly isolated", partial},
		{"openshift DNS", openshiftDNS(npPort(corev1.ProtocolTCP, 9153))},
	}
	seen := map[string]bool{}
	for _, c := range clusters {
		t.Run(c.name, func(t *testing.T) {
			fs := Analyze(c.snap, resolveTenancy(t, c.snap), cloud)
			for _, f := range fs {
				seen[f.ID] = true
			}
			for _, problem := range finding.DocProblems(doc, fs) {
				t.Error(problem)
			}
		})
	}
	for _, id := range ids {
		if !seen[id] {
			t.Errorf("no test cluster produces %s", id)
		}
	}
}
