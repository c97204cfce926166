package netpol

import (
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
)

// Manifests carry no pod addresses: a block covering every address a pod
// can get matches the representative pods; any other block may or may
// not, and the answer says so instead of silently denying.
func TestIPBlockWithoutPodAddresses(t *testing.T) {
	deploy := func(ns, name string) appsv1.Deployment {
		labels := map[string]string{"app": name}
		return appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}, Spec: appsv1.DeploymentSpec{
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels}, Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "x",
				Ports: []corev1.ContainerPort{{ContainerPort: 8080}}}}}},
		}}
	}
	tests := []struct {
		name       string
		cidr       string
		except     []string
		ignorePods bool
		allowed    bool
		note       bool
	}{
		{"0.0.0.0/0", "0.0.0.0/0", nil, false, true, false},
		{"::/0", "::/0", nil, false, true, false},
		{"0.0.0.0/0 except the metadata service", "0.0.0.0/0", []string{"169.254.169.254/32"}, false, true, false},
		{"0.0.0.0/0 except 10.0.0.0/8", "0.0.0.0/0", []string{"10.0.0.0/8"}, false, false, true},
		{"10.0.0.0/8", "10.0.0.0/8", nil, false, false, true},
		{"--ipblock-ignores-pods: 0.0.0.0/0", "0.0.0.0/0", nil, true, false, false},
		{"--ipblock-ignores-pods: 10.0.0.0/8", "10.0.0.0/8", nil, true, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			snap := &snapshot.Snapshot{
				Deployments: []appsv1.Deployment{deploy("a", "client"), deploy("b", "server")},
				NetworkPolicies: []networkingv1.NetworkPolicy{netPolicy("b", "from-block", networkingv1.NetworkPolicySpec{
					Ingress: []networkingv1.NetworkPolicyIngressRule{{From: []networkingv1.NetworkPolicyPeer{{IPBlock: &networkingv1.IPBlock{CIDR: tt.cidr, Except: tt.except}}}}}})},
			}
			snap.Normalize()
			opts := DefaultOptions()
			opts.IPBlockMatchesPods = !tt.ignorePods
			m := Compile(snap, opts)
			var src, dst Endpoint
			for _, p := range snap.Pods {
				if p.Namespace == "a" {
					src = Endpoint{Namespace: p.Namespace, Pod: p.Name}
				} else {
					dst = Endpoint{Namespace: p.Namespace, Pod: p.Name}
				}
			}
			v, err := m.Reach(src, dst, 8080, corev1.ProtocolTCP)
			if err != nil {
				t.Fatal(err)
			}
			if v.Allowed != tt.allowed {
				t.Fatalf("allowed = %v, want %v:\n%s", v.Allowed, tt.allowed, strings.Join(v.Explain(), "\n"))
			}
			if got := len(v.Notes) > 0; got != tt.note {
				t.Fatalf("verdict notes %q, want some: %v", v.Notes, tt.note)
			}
			if got := len(m.Notes()) > 0; got != tt.note {
				t.Fatalf("model notes %q, want some: %v", m.Notes(), tt.note)
			}
			if tt.note {
				if !strings.Contains(strings.Join(v.Explain(), "\n"), "note: "+src.String()+" has no address in the input: whether address block "+tt.cidr) {
					t.Errorf("reach does not say the answer depends on the address:\n%s", strings.Join(v.Explain(), "\n"))
				}
				if !strings.Contains(m.Notes()[0], "NetworkPolicy b/from-block ingress[0]: address block "+tt.cidr) {
					t.Errorf("model note: %s", m.Notes()[0])
				}
			}
			// BH-NET-001 follows the verdict.
			cross := briefsOf(m.Findings(snap, resolveTenancy(t, snap)), IDCrossTenant)
			reached := false
			for _, f := range cross {
				reached = reached || (f.Source == "a" && f.Target == "b")
			}
			if reached != tt.allowed {
				t.Errorf("BH-NET-001 a → b: %v, want %v", reached, tt.allowed)
			}
		})
	}
}
