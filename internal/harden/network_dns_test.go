package harden

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
	"github.com/bulkhead-dev/bulkhead/internal/tenancy"
)

func dnsService(ns, name string, sel map[string]string, target intstr.IntOrString) corev1.Service {
	return corev1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}, Spec: corev1.ServiceSpec{Selector: sel, Ports: []corev1.ServicePort{
		{Name: "dns", Port: 53, Protocol: corev1.ProtocolUDP, TargetPort: target},
		{Name: "metrics", Port: 9153, Protocol: corev1.ProtocolTCP},
	}}}
}

// findDNS takes the selector and target ports of the Service that really
// fronts the DNS pods, whatever it is called and however they are
// labelled, and says when it found none.
func TestFindDNS(t *testing.T) {
	rke := map[string]string{"app.kubernetes.io/name": "rke2-coredns"}
	pod := fixturePod(podSpec{ns: "kube-system", name: "dns-1", labels: rke, ports: []corev1.ContainerPort{{Name: "udp-53", ContainerPort: 1053, Protocol: corev1.ProtocolUDP}}})
	for _, c := range []struct {
		name      string
		services  []corev1.Service
		pods      []corev1.Pod
		wantPorts string // "" when no DNS is found
		wantNote  string
	}{
		{"usual name, named port", []corev1.Service{dnsService("kube-system", "kube-dns", rke, intstr.FromString("udp-53"))}, []corev1.Pod{pod}, "UDP 1053, TCP 1053", ""},
		{"other name", []corev1.Service{dnsService("kube-system", "rke2-coredns-rke2-coredns", rke, intstr.FromInt32(0))}, []corev1.Pod{pod}, "UDP 53, TCP 53", "taken to be kube-system/rke2-coredns-rke2-coredns"},
		{"tenant service on 53 is not DNS", []corev1.Service{dnsService("a", "fake-dns", rke, intstr.FromInt32(53))}, nil, "", "no DNS Service"},
		{"named port no pod has", []corev1.Service{dnsService("kube-system", "kube-dns", rke, intstr.FromString("dns"))}, nil, "UDP dns", "selects no pod"},
		{"none", nil, nil, "", "egress is left open"},
	} {
		t.Run(c.name, func(t *testing.T) {
			snap := &snapshot.Snapshot{Services: c.services, Pods: c.pods,
				Namespaces: []corev1.Namespace{fixtureNS("kube-system", nil), fixtureNS("a", nil)}}
			snap.Normalize()
			ten, err := tenancy.Resolve(snap, tenancy.Config{})
			if err != nil {
				t.Fatal(err)
			}
			d, notes := findDNS(snap, ten)
			got := ""
			if d != nil {
				var ps []string
				for _, p := range d.policyPorts() {
					ps = append(ps, string(*p.Protocol)+" "+p.Port.String())
				}
				got = strings.Join(ps, ", ")
				if d.peer().PodSelector.MatchLabels["app.kubernetes.io/name"] != "rke2-coredns" || d.peer().NamespaceSelector.MatchLabels[metadataNameLabel] != "kube-system" {
					t.Errorf("peer %+v", d.peer())
				}
			}
			if got != c.wantPorts {
				t.Errorf("ports %q, want %q", got, c.wantPorts)
			}
			if c.wantNote != "" && !strings.Contains(strings.Join(notes, "\n"), c.wantNote) {
				t.Errorf("notes %q, want one containing %q", notes, c.wantNote)
			}
		})
	}
}

// The egress rule to addresses outside the cluster excepts the ranges the
// control plane's flags give, or those inferred from nodes and Services.
func TestInternetBlocks(t *testing.T) {
	apiserver := corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "kube-system", Name: "kube-apiserver-cp"},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "kube-apiserver", Command: []string{"kube-apiserver", "--service-cluster-ip-range=10.96.0.0/12,fd00:10:96::/108"}}}}}
	kcm := corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "kube-system", Name: "kube-controller-manager-cp"},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "kcm", Command: []string{"kube-controller-manager"}, Args: []string{"--cluster-cidr", "10.244.0.0/16,fd00:10:244::/56"}}}}}
	for _, c := range []struct {
		name string
		snap *snapshot.Snapshot
		want [2][]string
	}{
		{"flags", &snapshot.Snapshot{Pods: []corev1.Pod{apiserver, kcm}}, [2][]string{
			{"10.96.0.0/12", "10.244.0.0/16", "169.254.169.254/32"},
			{"fd00:10:96::/108", "fd00:10:244::/56", "fd00:ec2::254/128"},
		}},
		{"nodes and services", &snapshot.Snapshot{
			Nodes: []corev1.Node{
				{ObjectMeta: metav1.ObjectMeta{Name: "a"}, Spec: corev1.NodeSpec{PodCIDRs: []string{"10.244.0.0/24"}}},
				{ObjectMeta: metav1.ObjectMeta{Name: "b"}, Spec: corev1.NodeSpec{PodCIDRs: []string{"10.244.1.0/24"}}},
			},
			Services: []corev1.Service{{ObjectMeta: metav1.ObjectMeta{Namespace: "a", Name: "s"}, Spec: corev1.ServiceSpec{ClusterIP: "10.96.4.1"}}},
		}, [2][]string{{"10.96.0.0/16", "10.244.0.0/23", "169.254.169.254/32"}, {"fd00:ec2::254/128"}}},
		{"nothing known", &snapshot.Snapshot{}, [2][]string{{"169.254.169.254/32"}, {"fd00:ec2::254/128"}}},
		// Nodes without spec.podCIDRs (the network plugin assigns
		// addresses): the pods' IPs give the range, widened to a /16, and
		// a pod on the host network has its node's address.
		{"pod IPs", &snapshot.Snapshot{
			Nodes: []corev1.Node{{ObjectMeta: metav1.ObjectMeta{Name: "a"}, Status: corev1.NodeStatus{Addresses: []corev1.NodeAddress{{Type: corev1.NodeInternalIP, Address: "192.168.1.10"}}}}},
			Pods:  []corev1.Pod{ipPod("p1", "10.244.1.3", false), ipPod("p2", "10.244.2.5", false), ipPod("h", "192.168.1.10", true)},
		}, [2][]string{{"10.244.0.0/16", "169.254.169.254/32"}, {"fd00:ec2::254/128"}}},
		{"pod IPs beside the nodes", &snapshot.Snapshot{
			Nodes: []corev1.Node{{ObjectMeta: metav1.ObjectMeta{Name: "a"}, Status: corev1.NodeStatus{Addresses: []corev1.NodeAddress{{Type: corev1.NodeInternalIP, Address: "10.0.0.4"}}}}},
			Pods:  []corev1.Pod{ipPod("p1", "10.0.8.3", false), ipPod("p2", "10.0.9.5", false)},
		}, [2][]string{{"10.0.8.0/23", "169.254.169.254/32"}, {"fd00:ec2::254/128"}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			c.snap.Namespaces = []corev1.Namespace{fixtureNS("kube-system", nil), fixtureNS("a", nil)}
			c.snap.Normalize()
			ten, err := tenancy.Resolve(c.snap, tenancy.Config{})
			if err != nil {
				t.Fatal(err)
			}
			blocks, _, _ := internetBlocks(c.snap, ten)
			if len(blocks) != 2 || blocks[0].CIDR != "0.0.0.0/0" || blocks[1].CIDR != "::/0" {
				t.Fatalf("blocks %v", blocks)
			}
			for i := range blocks {
				checkIPBlock(t, c.name, &blocks[i])
				if d := cmp.Diff(c.want[i], blocks[i].Except); d != "" {
					t.Errorf("%s except (-want +got):\n%s", blocks[i].CIDR, d)
				}
			}
		})
	}
}

// ipPod is a pod of namespace a with an address, on the host network or not.
func ipPod(name, ip string, host bool) corev1.Pod {
	return corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "a", Name: name},
		Spec:   corev1.PodSpec{HostNetwork: host, Containers: []corev1.Container{{Name: "c", Image: "nginx"}}},
		Status: corev1.PodStatus{Phase: corev1.PodRunning, PodIP: ip, PodIPs: []corev1.PodIP{{IP: ip}}}}
}
