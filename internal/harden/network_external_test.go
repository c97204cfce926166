package harden

import (
	"fmt"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
	"github.com/bulkhead-dev/bulkhead/internal/tenancy"
)

// edgeCluster is tenant edge, whose controller pod svc selects, beside
// tenants t1..t3 with a web pod each; tweak changes svc or the snapshot.
func edgeCluster(t *testing.T, tweak func(*snapshot.Snapshot, *corev1.Service)) (*snapshot.Snapshot, *tenancy.Tenancy) {
	t.Helper()
	ctrl := map[string]string{"app": "controller"}
	snap := &snapshot.Snapshot{
		Namespaces: []corev1.Namespace{fixtureNS("kube-system", nil), fixtureNS("edge", nil)},
		Nodes:      []corev1.Node{{ObjectMeta: metav1.ObjectMeta{Name: "n1"}, Spec: corev1.NodeSpec{PodCIDRs: []string{"10.244.0.0/16"}}}},
		Pods: []corev1.Pod{
			fixturePod(podSpec{ns: "edge", name: "controller", ip: "10.244.0.10", node: "n1", labels: ctrl, ports: []corev1.ContainerPort{tcpPort("http", 8080)}}),
			fixturePod(podSpec{ns: "edge", name: "admission", ip: "10.244.0.11", node: "n1", labels: map[string]string{"app": "admission"}, ports: []corev1.ContainerPort{tcpPort("https", 8443)}}),
		},
	}
	for i := 1; i <= 3; i++ {
		ns := fmt.Sprintf("t%d", i)
		snap.Namespaces = append(snap.Namespaces, fixtureNS(ns, nil))
		snap.Pods = append(snap.Pods, fixturePod(podSpec{ns: ns, name: "web", ip: fmt.Sprintf("10.244.1.%d", i), node: "n1", labels: map[string]string{"app": "web"}, ports: []corev1.ContainerPort{tcpPort("http", 8080)}}))
	}
	svc := corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Namespace: "edge", Name: "controller"},
		Spec: corev1.ServiceSpec{Type: corev1.ServiceTypeLoadBalancer, Selector: ctrl, ClusterIP: "10.96.0.20",
			Ports: []corev1.ServicePort{{Name: "http", Port: 80, Protocol: corev1.ProtocolTCP, TargetPort: intstr.FromString("http")}}},
	}
	if tweak != nil {
		tweak(snap, &svc)
	}
	snap.Services = append(snap.Services, svc)
	snap.Normalize()
	ten, err := tenancy.Resolve(snap, tenancy.Config{})
	if err != nil {
		t.Fatal(err)
	}
	return snap, ten
}

// policyIn returns the plan's policy of a namespace by name.
func policyIn(objs []Object, ns, name string) *networkingv1.NetworkPolicy {
	for _, o := range objs {
		if np, ok := o.Obj.(*networkingv1.NetworkPolicy); ok && np.Namespace == ns && np.Name == name {
			return np
		}
	}
	return nil
}

func TestNetworkExposedNamespace(t *testing.T) {
	for _, tc := range []struct {
		name  string
		tweak func(*snapshot.Snapshot, *corev1.Service)
		// open is whether edge's ingress is left as it is.
		open bool
	}{
		{"LoadBalancer", nil, true},
		{"NodePort", func(_ *snapshot.Snapshot, s *corev1.Service) { s.Spec.Type = corev1.ServiceTypeNodePort }, true},
		{"externalIPs", func(_ *snapshot.Snapshot, s *corev1.Service) {
			s.Spec.Type = corev1.ServiceTypeClusterIP
			s.Spec.ExternalIPs = []string{"203.0.113.7"}
		}, true},
		{"ClusterIP", func(_ *snapshot.Snapshot, s *corev1.Service) { s.Spec.Type = corev1.ServiceTypeClusterIP }, false},
		{"LoadBalancer selecting no pod", func(_ *snapshot.Snapshot, s *corev1.Service) { s.Spec.Selector = map[string]string{"app": "gone"} }, false},
		{"LoadBalancer without a selector", func(_ *snapshot.Snapshot, s *corev1.Service) { s.Spec.Selector = nil }, false},
		{"LoadBalancer of host-network pods", func(snap *snapshot.Snapshot, _ *corev1.Service) { snap.Pods[0].Spec.HostNetwork = true }, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			snap, ten := edgeCluster(t, tc.tweak)
			objs, notes, err := NetworkPlan(snap, ten, Options{})
			if err != nil {
				t.Fatal(err)
			}
			checkValid(t, objs)
			deny := policyIn(objs, "edge", namePrefix+"default-deny")
			noted := false
			for _, n := range notes {
				if strings.Contains(n, "namespace edge is left as it is for ingress") {
					noted = true
					for _, want := range []string{"Service edge/controller", "--platform-namespaces edge"} {
						if !strings.Contains(n, want) {
							t.Errorf("note %q: want %q", n, want)
						}
					}
				}
			}
			if tc.open {
				if deny != nil && hasDirection(deny, networkingv1.PolicyTypeIngress) {
					t.Errorf("edge gets a default deny for ingress: %+v", deny.Spec)
				}
				if policyIn(objs, "edge", namePrefix+"allow-ingress") != nil {
					t.Error("edge gets an allow-ingress, which isolates its pods")
				}
				if !noted {
					t.Errorf("no note on edge's ingress: %q", notes)
				}
				if !Headline(notes[0]) {
					t.Errorf("first note %q: want the trade-off first", notes[0])
				}
			} else {
				if deny == nil || !hasDirection(deny, networkingv1.PolicyTypeIngress) {
					t.Errorf("edge gets no default deny for ingress")
				}
				if noted {
					t.Errorf("edge noted as exposed: %q", notes)
				}
			}
			// The other tenants are walled in either way.
			if d := policyIn(objs, "t1", namePrefix+"default-deny"); d == nil || !hasDirection(d, networkingv1.PolicyTypeIngress) {
				t.Error("t1 gets no default deny for ingress")
			}
		})
	}
}

// allowAllEgress isolates a namespace's pods for egress and allows all of it.
func allowAllEgress(ns string) networkingv1.NetworkPolicy {
	return networkingv1.NetworkPolicy{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "egress-all"},
		Spec: networkingv1.NetworkPolicySpec{
			PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeEgress},
			Egress:      []networkingv1.NetworkPolicyEgressRule{{}},
		},
	}
}

// admitFrom isolates a namespace's pods for ingress and admits the pods of
// the namespace from.
func admitFrom(ns, from string) networkingv1.NetworkPolicy {
	return networkingv1.NetworkPolicy{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "from-" + from},
		Spec: networkingv1.NetworkPolicySpec{
			Ingress: []networkingv1.NetworkPolicyIngressRule{{From: []networkingv1.NetworkPolicyPeer{{
				NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{metadataNameLabel: from}},
			}}}},
		},
	}
}

func TestNetworkSharedServiceNote(t *testing.T) {
	clusterIP := func(_ *snapshot.Snapshot, s *corev1.Service) { s.Spec.Type = corev1.ServiceTypeClusterIP }
	for _, tc := range []struct {
		name     string
		policies []networkingv1.NetworkPolicy
		want     string // the tenant noted, "" for none
	}{
		// Without policies every tenant reaches every other: nothing
		// tells a shared service apart.
		{"no policies", nil, ""},
		{"edge's egress allows all", []networkingv1.NetworkPolicy{allowAllEgress("edge")}, "tenant edge reaches pods of 3 other tenants today (t1, t2, t3)"},
		{"the tenants admit edge", []networkingv1.NetworkPolicy{admitFrom("t1", "edge"), admitFrom("t2", "edge"), admitFrom("t3", "edge")}, "tenant edge reaches pods of 3 other tenants today (t1, t2, t3)"},
		{"two tenants admit edge", []networkingv1.NetworkPolicy{admitFrom("t1", "edge"), admitFrom("t2", "edge")}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			snap, ten := edgeCluster(t, func(snap *snapshot.Snapshot, s *corev1.Service) {
				clusterIP(snap, s)
				snap.NetworkPolicies = append(snap.NetworkPolicies, tc.policies...)
			})
			objs, notes, err := NetworkPlan(snap, ten, Options{})
			if err != nil {
				t.Fatal(err)
			}
			var shared []string
			for _, n := range notes {
				if strings.Contains(n, "like a shared platform service") {
					shared = append(shared, n)
				}
			}
			if tc.want == "" {
				if len(shared) > 0 {
					t.Errorf("notes %q: want no shared service", shared)
				}
				return
			}
			if len(shared) != 1 || !strings.Contains(shared[0], tc.want) || !strings.Contains(shared[0], "--platform-namespaces edge") {
				t.Fatalf("notes %q: want one with %q", shared, tc.want)
			}
			if notes[0] != shared[0] {
				t.Errorf("first note %q: want %q", notes[0], shared[0])
			}
			// The plan is not changed for it: its paths into the tenants close.
			if d := policyIn(objs, "t1", namePrefix+"default-deny"); d == nil || !hasDirection(d, networkingv1.PolicyTypeIngress) {
				t.Error("t1 gets no default deny for ingress")
			}
		})
	}
}
