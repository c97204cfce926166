package harden

import (
	"net/netip"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
	"github.com/bulkhead-dev/bulkhead/internal/tenancy"
)

func mustAddr(s string) netip.Addr { return netip.MustParseAddr(s) }

func metavLabelAll() metav1.LabelSelector { return metav1.LabelSelector{} }

// checkIPBlock checks an ipBlock as the API server does: a CIDR, and
// exceptions that are strict subsets of it.
func checkIPBlock(t *testing.T, where string, b *networkingv1.IPBlock) {
	t.Helper()
	cidr, err := netip.ParsePrefix(b.CIDR)
	if err != nil || cidr.Masked() != cidr {
		t.Errorf("%s: ipBlock cidr %q: %v", where, b.CIDR, err)
		return
	}
	for _, e := range b.Except {
		p, err := netip.ParsePrefix(e)
		if err != nil || p.Masked() != p || p.Bits() <= cidr.Bits() || !cidr.Contains(p.Addr()) {
			t.Errorf("%s: ipBlock %s except %q is not a strict subset", where, b.CIDR, e)
		}
	}
}

type podSpec struct {
	ns, name, ip, node string
	labels             map[string]string
	ports              []corev1.ContainerPort
	host               bool
}

func fixturePod(s podSpec) corev1.Pod {
	p := corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: s.ns, Name: s.name, Labels: s.labels},
		Spec:       corev1.PodSpec{NodeName: s.node, HostNetwork: s.host, Containers: []corev1.Container{{Name: "c", Image: "example", Ports: s.ports}}},
		Status:     corev1.PodStatus{Phase: corev1.PodRunning, PodIP: s.ip},
	}
	if s.ip != "" {
		p.Status.PodIPs = []corev1.PodIP{{IP: s.ip}}
	}
	return p
}

func tcpPort(name string, n int32) corev1.ContainerPort {
	return corev1.ContainerPort{Name: name, ContainerPort: n, Protocol: corev1.ProtocolTCP}
}

func fixtureNS(name string, labels map[string]string) corev1.Namespace {
	return corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels}}
}

// fixture is a cluster where a naive fix breaks something:
//
//   - tenant alpha has two namespaces, a1 and a2, that talk to each other;
//   - a1's database is isolated by its own policy (only a1's web on 5432):
//     an allow-all-of-the-tenant added to it would open it to a2;
//   - CoreDNS is labelled app.kubernetes.io/name=coredns (not
//     k8s-app=kube-dns) and answers on 5353 behind named targetPorts;
//   - b1 (tenant beta) already allows ingress from a1 on 8080, and its own
//     egress policy blocks DNS;
//   - a2 runs a host-network agent; monitoring (platform) scrapes
//     everything.
func fixture(t *testing.T) (*snapshot.Snapshot, *tenancy.Tenancy) {
	t.Helper()
	alpha := map[string]string{"tenant": "alpha"}
	coredns := map[string]string{"app.kubernetes.io/name": "coredns"}
	dnsPorts := []corev1.ContainerPort{
		{Name: "dns", ContainerPort: 5353, Protocol: corev1.ProtocolUDP},
		{Name: "dns-tcp", ContainerPort: 5353, Protocol: corev1.ProtocolTCP},
		tcpPort("metrics", 9153),
	}
	snap := &snapshot.Snapshot{
		Namespaces: []corev1.Namespace{
			fixtureNS("kube-system", nil), fixtureNS("a1", alpha), fixtureNS("a2", alpha),
			fixtureNS("b1", map[string]string{"tenant": "beta"}), fixtureNS("monitoring", nil),
		},
		Nodes: []corev1.Node{
			{ObjectMeta: metav1.ObjectMeta{Name: "n1"}, Spec: corev1.NodeSpec{PodCIDR: "10.244.1.0/24", PodCIDRs: []string{"10.244.1.0/24"}}},
			{ObjectMeta: metav1.ObjectMeta{Name: "n2"}, Spec: corev1.NodeSpec{PodCIDR: "10.244.2.0/24", PodCIDRs: []string{"10.244.2.0/24"}}},
		},
		Pods: []corev1.Pod{
			fixturePod(podSpec{ns: "kube-system", name: "coredns-1", ip: "10.244.1.2", node: "n1", labels: coredns, ports: dnsPorts}),
			fixturePod(podSpec{ns: "a1", name: "web", ip: "10.244.1.10", node: "n1", labels: map[string]string{"app": "web"}, ports: []corev1.ContainerPort{tcpPort("http", 8080)}}),
			fixturePod(podSpec{ns: "a1", name: "db", ip: "10.244.2.10", node: "n2", labels: map[string]string{"app": "db"}, ports: []corev1.ContainerPort{tcpPort("pg", 5432)}}),
			fixturePod(podSpec{ns: "a2", name: "api", ip: "10.244.1.11", node: "n1", labels: map[string]string{"app": "api"}, ports: []corev1.ContainerPort{tcpPort("http", 8080)}}),
			fixturePod(podSpec{ns: "a2", name: "agent", ip: "10.0.0.2", node: "n2", labels: map[string]string{"app": "agent"}, host: true}),
			fixturePod(podSpec{ns: "b1", name: "web", ip: "10.244.2.11", node: "n2", labels: map[string]string{"app": "web"}, ports: []corev1.ContainerPort{tcpPort("http", 8080), tcpPort("metrics", 9090)}}),
			fixturePod(podSpec{ns: "monitoring", name: "prometheus", ip: "10.244.1.20", node: "n1", labels: map[string]string{"app": "prometheus"}, ports: []corev1.ContainerPort{tcpPort("web", 9090)}}),
		},
		Services: []corev1.Service{{
			ObjectMeta: metav1.ObjectMeta{Namespace: "kube-system", Name: "kube-dns"},
			Spec: corev1.ServiceSpec{Selector: coredns, ClusterIP: "10.96.0.10", Ports: []corev1.ServicePort{
				{Name: "dns", Port: 53, Protocol: corev1.ProtocolUDP, TargetPort: intstr.FromString("dns")},
				{Name: "dns-tcp", Port: 53, Protocol: corev1.ProtocolTCP, TargetPort: intstr.FromString("dns-tcp")},
				{Name: "metrics", Port: 9153, Protocol: corev1.ProtocolTCP, TargetPort: intstr.FromInt32(9153)},
			}},
		}},
		NetworkPolicies: []networkingv1.NetworkPolicy{
			{
				ObjectMeta: metav1.ObjectMeta{Namespace: "a1", Name: "db-from-web"},
				Spec: networkingv1.NetworkPolicySpec{
					PodSelector: metav1.LabelSelector{MatchLabels: map[string]string{"app": "db"}},
					Ingress: []networkingv1.NetworkPolicyIngressRule{{
						From:  []networkingv1.NetworkPolicyPeer{{PodSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}}}},
						Ports: []networkingv1.NetworkPolicyPort{{Port: netPtr(intstr.FromInt32(5432))}},
					}},
				},
			},
			{
				ObjectMeta: metav1.ObjectMeta{Namespace: "b1", Name: "web-from-a1"},
				Spec: networkingv1.NetworkPolicySpec{
					PodSelector: metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
					Ingress: []networkingv1.NetworkPolicyIngressRule{{
						From:  []networkingv1.NetworkPolicyPeer{{NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{metadataNameLabel: "a1"}}}},
						Ports: []networkingv1.NetworkPolicyPort{{Port: netPtr(intstr.FromInt32(8080))}},
					}},
				},
			},
			{
				ObjectMeta: metav1.ObjectMeta{Namespace: "b1", Name: "egress-vpc"},
				Spec: networkingv1.NetworkPolicySpec{
					PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeEgress},
					Egress: []networkingv1.NetworkPolicyEgressRule{{
						To:    []networkingv1.NetworkPolicyPeer{{IPBlock: &networkingv1.IPBlock{CIDR: "10.0.0.0/8", Except: []string{"10.244.0.0/16"}}}},
						Ports: []networkingv1.NetworkPolicyPort{{Port: netPtr(intstr.FromInt32(443))}},
					}},
				},
			},
		},
	}
	snap.Normalize()
	ten, err := tenancy.Resolve(snap, tenancy.Config{Label: "tenant", PlatformNamespaces: []string{"monitoring"}})
	if err != nil {
		t.Fatal(err)
	}
	return snap, ten
}

// The selectors openPods writes select exactly the pods no policy of the
// direction selects, label set by label set.
func TestOpenPods(t *testing.T) {
	sel := func(ml map[string]string, ex ...metav1.LabelSelectorRequirement) metav1.LabelSelector {
		return metav1.LabelSelector{MatchLabels: ml, MatchExpressions: ex}
	}
	np := func(name string, dir networkingv1.PolicyType, s metav1.LabelSelector) networkingv1.NetworkPolicy {
		return networkingv1.NetworkPolicy{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: name},
			Spec: networkingv1.NetworkPolicySpec{PodSelector: s, PolicyTypes: []networkingv1.PolicyType{dir}}}
	}
	in, eg := networkingv1.PolicyTypeIngress, networkingv1.PolicyTypeEgress
	req := func(k string, op metav1.LabelSelectorOperator, v ...string) metav1.LabelSelectorRequirement {
		return metav1.LabelSelectorRequirement{Key: k, Operator: op, Values: v}
	}
	labelSets := []map[string]string{
		nil, {"app": "db"}, {"app": "web"}, {"app": "db", "role": "x"}, {"role": "x"}, {"tier": "a"}, {"tier": "b"}, {"app": "web", "tier": "c"},
	}
	for _, c := range []struct {
		name     string
		policies []networkingv1.NetworkPolicy
		want     int // selectors written; -1 for none (every pod isolated)
	}{
		{"no policy", nil, 1},
		{"all pods", []networkingv1.NetworkPolicy{np("a", in, sel(nil))}, -1},
		{"other direction", []networkingv1.NetworkPolicy{np("a", eg, sel(nil))}, 1},
		{"one label", []networkingv1.NetworkPolicy{np("a", in, sel(map[string]string{"app": "db"}))}, 1},
		{"two labels", []networkingv1.NetworkPolicy{np("a", in, sel(map[string]string{"app": "db", "role": "x"}))}, 2},
		{"two policies", []networkingv1.NetworkPolicy{np("a", in, sel(map[string]string{"app": "db"})), np("b", in, sel(nil, req("tier", metav1.LabelSelectorOpIn, "a", "b")))}, 1},
		{"exists and notin", []networkingv1.NetworkPolicy{np("a", in, sel(nil, req("role", metav1.LabelSelectorOpExists))), np("b", in, sel(nil, req("tier", metav1.LabelSelectorOpNotIn, "a")))}, 1},
		{"complementary", []networkingv1.NetworkPolicy{np("a", in, sel(map[string]string{"app": "db"})), np("b", in, sel(nil, req("app", metav1.LabelSelectorOpNotIn, "db")))}, -1},
		{"does not exist", []networkingv1.NetworkPolicy{np("a", in, sel(nil, req("app", metav1.LabelSelectorOpDoesNotExist))), np("b", in, sel(map[string]string{"app": "web"}))}, 1},
		{"malformed", []networkingv1.NetworkPolicy{np("a", in, sel(nil, req("app", "Near")))}, 1},
		{"other namespace", []networkingv1.NetworkPolicy{{ObjectMeta: metav1.ObjectMeta{Namespace: "other", Name: "a"}}}, 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			sels, exact := openPods(c.policies, "ns", in)
			if !exact {
				t.Fatal("not exact")
			}
			if got := len(sels); c.want == -1 && got != 0 || c.want >= 0 && got != c.want {
				t.Errorf("%d selectors %v, want %d", got, sels, c.want)
			}
			for _, ls := range labelSets {
				isolated := false
				for i := range c.policies {
					p := &c.policies[i]
					if p.Namespace != "ns" || !hasDirection(p, in) {
						continue
					}
					if s, err := metav1.LabelSelectorAsSelector(&p.Spec.PodSelector); err == nil && s.Matches(labelsOf(ls)) {
						isolated = true
					}
				}
				open := false
				for i := range sels {
					s, err := metav1.LabelSelectorAsSelector(&sels[i])
					if err != nil {
						t.Fatalf("selector %v: %v", sels[i], err)
					}
					open = open || s.Matches(labelsOf(ls))
				}
				if open == isolated {
					t.Errorf("pod %v: isolated %v, selected as open %v (selectors %v)", ls, isolated, open, sels)
				}
			}
		})
	}
}

type labelsOf map[string]string

func (l labelsOf) Has(k string) bool   { _, ok := l[k]; return ok }
func (l labelsOf) Get(k string) string { return l[k] }

// Past maxOpenTerms the allow rules select every pod, and say so.
func TestOpenPodsTooMany(t *testing.T) {
	var ps []networkingv1.NetworkPolicy
	for i := 0; i < 5; i++ {
		k := string(rune('a' + i))
		ps = append(ps, networkingv1.NetworkPolicy{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: k},
			Spec: networkingv1.NetworkPolicySpec{PodSelector: metav1.LabelSelector{MatchLabels: map[string]string{k + "1": "x", k + "2": "y"}}}})
	}
	sels, exact := openPods(ps, "ns", networkingv1.PolicyTypeIngress)
	if exact || len(sels) != 1 || len(sels[0].MatchLabels)+len(sels[0].MatchExpressions) != 0 {
		t.Errorf("got %v exact %v, want one empty selector, not exact", sels, exact)
	}
}

func TestCollapse(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"10.244.0.0/24 10.244.1.0/24 10.244.2.0/24", "10.244.0.0/23 10.244.2.0/24"},
		{"10.244.0.0/24 10.244.1.0/24 10.244.2.0/24 10.244.3.0/24", "10.244.0.0/22"},
		{"10.0.0.0/8 10.244.0.0/16", "10.0.0.0/8"},
		{"fd00::/64 fd00:0:0:1::/64 10.1.0.0/16", "10.1.0.0/16 fd00::/63"},
	} {
		t.Run(c.in, func(t *testing.T) {
			var in []netip.Prefix
			for _, f := range strings.Fields(c.in) {
				in = append(in, netip.MustParsePrefix(f))
			}
			var got []string
			for _, p := range collapse(in) {
				got = append(got, p.String())
			}
			if strings.Join(got, " ") != c.want {
				t.Errorf("got %v, want %s", got, c.want)
			}
		})
	}
}
