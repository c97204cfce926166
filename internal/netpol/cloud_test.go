package netpol

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
)

// BH-NET-006 needs nodes on a cloud that serves instance metadata at
// 169.254.169.254, or --cloud: pods that reach the address on a laptop's
// kind cluster or on bare metal reach nothing.
func TestMetadataNeedsCloud(t *testing.T) {
	node := func(providerID string, labels map[string]string) []corev1.Node {
		return []corev1.Node{{ObjectMeta: metav1.ObjectMeta{Name: "n1", Labels: labels}, Spec: corev1.NodeSpec{ProviderID: providerID}}}
	}
	tests := []struct {
		name     string
		nodes    []corev1.Node
		force    bool
		want     int
		evidence string
	}{
		{"no nodes", nil, false, 0, ""},
		{"no nodes, --cloud", nil, true, 2, "--cloud"},
		{"kind node", node("kind://docker/kind/kind-control-plane", map[string]string{corev1.LabelHostname: "kind-control-plane"}), false, 0, ""},
		{"kind node, --cloud", node("kind://docker/kind/kind-control-plane", nil), true, 2, "--cloud"},
		{"k3s instance type", node("k3s://n1", map[string]string{corev1.LabelInstanceTypeStable: "k3s"}), false, 0, ""},
		{"aws providerID", node("aws:///eu-west-1a/i-0abc", nil), false, 2, "runs on aws (spec.providerID: aws:///eu-west-1a/i-0abc)"},
		{"gce providerID", node("gce://proj/europe-west1-b/n1", nil), false, 2, "runs on gce"},
		{"azure providerID", node("azure:///subscriptions/x/resourceGroups/y/providers/Microsoft.Compute/virtualMachines/n1", nil), false, 2, "runs on azure"},
		{"region label", node("", map[string]string{corev1.LabelTopologyRegion: "eu-west-1"}), false, 2, "label topology.kubernetes.io/region=eu-west-1"},
		{"instance type label", node("", map[string]string{corev1.LabelInstanceTypeStable: "m5.large"}), false, 2, "label node.kubernetes.io/instance-type=m5.large"},
		{"EKS label", node("", map[string]string{"eks.amazonaws.com/nodegroup": "ng-1"}), false, 2, "runs on aws (label eks.amazonaws.com/nodegroup=ng-1)"},
		{"GKE label", node("", map[string]string{"cloud.google.com/gke-nodepool": "default-pool"}), false, 2, "runs on gce"},
		{"AKS label", node("", map[string]string{"kubernetes.azure.com/agentpool": "nodepool1"}), false, 2, "runs on azure"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			snap := &snapshot.Snapshot{Nodes: tt.nodes, Pods: []corev1.Pod{testPod("a", "web", nil, "10.0.0.1"), testPod("b", "web", nil, "10.0.1.1")}}
			opts := DefaultOptions()
			opts.Cloud = tt.force
			var got int
			for _, f := range Analyze(snap, resolveTenancy(t, snap), opts) {
				if f.ID != IDMetadata {
					continue
				}
				got++
				if !strings.Contains(f.Detail, tt.evidence) {
					t.Errorf("detail does not give the evidence %q: %s", tt.evidence, f.Detail)
				}
				wantKind := "Node"
				if tt.evidence == "--cloud" {
					wantKind = "Option"
				}
				if len(f.Witness) == 0 || f.Witness[0].Object.Kind != wantKind {
					t.Errorf("witness does not start with the evidence (%s): %+v", wantKind, f.Witness)
				}
			}
			if got != tt.want {
				t.Fatalf("BH-NET-006 findings: got %d, want %d", got, tt.want)
			}
		})
	}
}
