package netpol

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
)

// dnsPod is a CoreDNS pod answering DNS on port, with metrics on 9153.
func dnsPod(ns, name string, labels map[string]string, ip string, port int32) corev1.Pod {
	return corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Labels: labels},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "coredns", Ports: []corev1.ContainerPort{
			{Name: "dns", ContainerPort: port, Protocol: corev1.ProtocolUDP},
			{Name: "dns-tcp", ContainerPort: port, Protocol: corev1.ProtocolTCP},
			{Name: "metrics", ContainerPort: 9153, Protocol: corev1.ProtocolTCP},
		}}}},
		Status: corev1.PodStatus{PodIP: ip}}
}

// dnsService fronts the DNS pods: port 53 to the named ports, and metrics.
func dnsService(ns, name string, selector map[string]string) corev1.Service {
	return corev1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}, Spec: corev1.ServiceSpec{Selector: selector, Ports: []corev1.ServicePort{
		{Name: "dns", Port: 53, Protocol: corev1.ProtocolUDP, TargetPort: intstr.FromString("dns")},
		{Name: "dns-tcp", Port: 53, Protocol: corev1.ProtocolTCP, TargetPort: intstr.FromString("dns-tcp")},
		{Name: "metrics", Port: 9153, Protocol: corev1.ProtocolTCP, TargetPort: intstr.FromInt32(9153)},
	}}}
}

// egressTo is a's egress policy: deny all but the listed ports to the
// pods of namespace ns.
func egressTo(ns string, ports ...networkingv1.NetworkPolicyPort) networkingv1.NetworkPolicy {
	return netPolicy("a", "egress", networkingv1.NetworkPolicySpec{PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeEgress},
		Egress: []networkingv1.NetworkPolicyEgressRule{{Ports: ports, To: []networkingv1.NetworkPolicyPeer{{
			NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{corev1.LabelMetadataName: ns}}}}}}})
}

func npPort(proto corev1.Protocol, port int32) networkingv1.NetworkPolicyPort {
	return networkingv1.NetworkPolicyPort{Protocol: &proto, Port: ptr(intstr.FromInt32(port))}
}

var kubeDNS = map[string]string{"k8s-app": "kube-dns"}

// Reaching the cluster DNS pods on their DNS ports is name resolution;
// any other port of theirs, or any other pod, is reach.
func TestDNSOnly(t *testing.T) {
	udp, tcp := corev1.ProtocolUDP, corev1.ProtocolTCP
	tests := []struct {
		name      string
		port      int32 // the port CoreDNS listens on
		service   bool
		egress    []networkingv1.NetworkPolicyPort
		wantPorts string
		dnsOnly   bool
	}{
		{"UDP and TCP 53", 53, true, []networkingv1.NetworkPolicyPort{npPort(udp, 53), npPort(tcp, 53)}, "TCP 53, UDP 53", true},
		{"UDP 53 only", 53, true, []networkingv1.NetworkPolicyPort{npPort(udp, 53)}, "TCP 53, UDP 53", true},
		{"metrics too", 53, true, []networkingv1.NetworkPolicyPort{npPort(udp, 53), npPort(tcp, 9153)}, "TCP 53, UDP 53", false},
		{"every port", 53, true, nil, "TCP 53, UDP 53", false},
		{"targetPort 5353", 5353, true, []networkingv1.NetworkPolicyPort{npPort(udp, 5353), npPort(tcp, 5353)}, "TCP 5353, UDP 5353", true},
		{"targetPort 5353, port 53 is not DNS", 5353, true, []networkingv1.NetworkPolicyPort{npPort(udp, 5353), npPort(tcp, 53)}, "TCP 5353, UDP 5353", false},
		{"no Service: the kube-dns label on 53", 53, false, []networkingv1.NetworkPolicyPort{npPort(udp, 53)}, "TCP 53, UDP 53", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			snap := &snapshot.Snapshot{
				Pods: []corev1.Pod{
					testPod("a", "web", nil, "10.0.0.1"),
					dnsPod("kube-system", "coredns", kubeDNS, "10.0.9.1", tt.port),
					testPod("kube-system", "metrics-server", map[string]string{"k8s-app": "metrics-server"}, "10.0.9.2"),
				},
				NetworkPolicies: []networkingv1.NetworkPolicy{egressTo("kube-system", tt.egress...)},
			}
			if tt.service {
				snap.Services = []corev1.Service{dnsService("kube-system", "kube-dns", kubeDNS)}
			}
			m := Compile(snap, DefaultOptions())
			web, _ := m.ClassOf("a", "web")
			dns, _ := m.ClassOf("kube-system", "coredns")
			other, _ := m.ClassOf("kube-system", "metrics-server")
			if got := FormatPorts(m.DNSPorts()); got != tt.wantPorts {
				t.Errorf("DNS ports %q, want %q", got, tt.wantPorts)
			}
			if !m.DNSServer(dns) || m.DNSServer(other) || m.DNSServer(web) {
				t.Fatalf("DNS classes: coredns %v, metrics-server %v, web %v", m.DNSServer(dns), m.DNSServer(other), m.DNSServer(web))
			}
			if !m.Reaches(web, dns) {
				t.Fatalf("web does not reach the DNS pods on %s", FormatPorts(m.Ports(web, dns)))
			}
			if got := m.DNSOnly(web, dns); got != tt.dnsOnly {
				t.Errorf("DNSOnly = %v, want %v (ports %s)", got, tt.dnsOnly, FormatPorts(m.Ports(web, dns)))
			}
			if m.DNSOnly(web, other) || m.DNSOnly(dns, web) {
				t.Error("DNSOnly towards a pod that serves no DNS")
			}
		})
	}
}

// openshiftDNS is a cluster whose DNS runs in openshift-dns, a namespace
// that is a tenant of its own by default, answering on 5353.
func openshiftDNS(egress ...networkingv1.NetworkPolicyPort) *snapshot.Snapshot {
	sel := map[string]string{"dns.operator.openshift.io/daemonset-dns": "default"}
	return &snapshot.Snapshot{
		Pods: []corev1.Pod{
			testPod("a", "web", nil, "10.0.0.1"),
			dnsPod("openshift-dns", "dns-default-x", sel, "10.0.9.1", 5353),
		},
		Services: []corev1.Service{dnsService("openshift-dns", "dns-default", sel)},
		NetworkPolicies: []networkingv1.NetworkPolicy{egressTo("openshift-dns", egress...),
			netPolicy("a", "deny-ingress", networkingv1.NetworkPolicySpec{PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress}})},
	}
}

// DNS queries are not cross-tenant reach (BH-NET-001); other ports of the
// DNS pods are.
func TestCrossTenantIgnoresDNS(t *testing.T) {
	udp, tcp := corev1.ProtocolUDP, corev1.ProtocolTCP
	tests := []struct {
		name   string
		egress []networkingv1.NetworkPolicyPort
		want   []brief
	}{
		{"DNS ports", []networkingv1.NetworkPolicyPort{npPort(udp, 5353), npPort(tcp, 5353)}, nil},
		{"and metrics", []networkingv1.NetworkPolicyPort{npPort(udp, 5353), npPort(tcp, 9153)},
			[]brief{{IDCrossTenant, "high", "a", "openshift-dns", "pods of tenant a can open connections to pods of tenant openshift-dns"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			snap := openshiftDNS(tt.egress...)
			got := briefsOf(Analyze(snap, resolveTenancy(t, snap), DefaultOptions()), IDCrossTenant)
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
		})
	}
}

// BH-NET-007 checks the port the DNS pods answer on: policies see the
// Service's targetPort, so allowing UDP 53 to pods listening on 5353
// still blocks DNS.
func TestDNSBlockedTargetPort(t *testing.T) {
	udp := corev1.ProtocolUDP
	tests := []struct {
		name    string
		port    int32
		blocked bool
	}{
		{"UDP 53 to pods on 5353", 53, true},
		{"UDP 5353 to pods on 5353", 5353, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			snap := &snapshot.Snapshot{
				Pods:            []corev1.Pod{testPod("a", "web", nil, "10.0.0.1"), dnsPod("kube-system", "coredns", kubeDNS, "10.0.9.1", 5353)},
				Services:        []corev1.Service{dnsService("kube-system", "kube-dns", kubeDNS)},
				NetworkPolicies: []networkingv1.NetworkPolicy{egressTo("kube-system", npPort(udp, tt.port))},
			}
			fs := briefsOf(Analyze(snap, resolveTenancy(t, snap), DefaultOptions()), IDDNSBlocked)
			if (len(fs) > 0) != tt.blocked {
				t.Fatalf("BH-NET-007: %v, want blocked=%v", fs, tt.blocked)
			}
			for _, f := range Analyze(snap, resolveTenancy(t, snap), DefaultOptions()) {
				if f.ID == IDDNSBlocked && !strings.Contains(f.Remediation, "UDP 5353") {
					t.Errorf("remediation does not name the DNS pods' port: %s", f.Remediation)
				}
			}
		})
	}
}
