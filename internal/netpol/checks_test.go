package netpol

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	anp "sigs.k8s.io/network-policy-api/apis/v1alpha1"

	"github.com/bulkhead-dev/bulkhead/internal/finding"
	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
)

func testPod(ns, name string, labels map[string]string, ip string) corev1.Pod {
	return corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Labels: labels},
		Spec:   corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: 8080}}}}},
		Status: corev1.PodStatus{PodIP: ip}}
}

func netPolicy(ns, name string, spec networkingv1.NetworkPolicySpec) networkingv1.NetworkPolicy {
	return networkingv1.NetworkPolicy{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}, Spec: spec}
}

type brief struct{ ID, Severity, Source, Target, Reason string }

func briefsOf(fs []finding.Finding, ids ...string) []brief {
	var out []brief
	for _, f := range fs {
		for _, id := range ids {
			if f.ID == id {
				out = append(out, brief{f.ID, f.Severity.String(), f.SourceTenant, f.TargetTenant, f.Reason})
			}
		}
	}
	return out
}

// checksCluster: namespaces a and b fully isolated with holes, kube-system
// serving DNS.
func checksCluster() *snapshot.Snapshot {
	both := []networkingv1.PolicyType{networkingv1.PolicyTypeIngress, networkingv1.PolicyTypeEgress}
	udp := corev1.ProtocolUDP
	dns := intstr.FromInt32(53)
	return &snapshot.Snapshot{
		Namespaces: []corev1.Namespace{{ObjectMeta: metav1.ObjectMeta{Name: "a"}}, {ObjectMeta: metav1.ObjectMeta{Name: "b"}}, {ObjectMeta: metav1.ObjectMeta{Name: "kube-system"}}},
		Pods: []corev1.Pod{
			testPod("a", "web", map[string]string{"app": "web"}, "10.0.0.1"),
			testPod("b", "api", map[string]string{"app": "api"}, "10.0.1.1"),
			testPod("kube-system", "coredns", map[string]string{"k8s-app": "kube-dns"}, "10.0.9.1"),
		},
		NetworkPolicies: []networkingv1.NetworkPolicy{
			netPolicy("a", "deny", networkingv1.NetworkPolicySpec{PolicyTypes: both}),
			// a: web open to every namespace on every port.
			netPolicy("a", "open", networkingv1.NetworkPolicySpec{PodSelector: metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
				Ingress: []networkingv1.NetworkPolicyIngressRule{{From: []networkingv1.NetworkPolicyPeer{{NamespaceSelector: &metav1.LabelSelector{}}}}}}),
			// a: egress anywhere on 443 (the metadata service stays shut on 80).
			netPolicy("a", "internet", networkingv1.NetworkPolicySpec{PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeEgress},
				Egress: []networkingv1.NetworkPolicyEgressRule{{To: []networkingv1.NetworkPolicyPeer{{IPBlock: &networkingv1.IPBlock{CIDR: "0.0.0.0/0"}}},
					Ports: []networkingv1.NetworkPolicyPort{{Port: ptr(intstr.FromInt32(443))}}}}}),
			netPolicy("a", "dns", networkingv1.NetworkPolicySpec{PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeEgress},
				Egress: []networkingv1.NetworkPolicyEgressRule{{Ports: []networkingv1.NetworkPolicyPort{{Protocol: &udp, Port: &dns}}}}}),
			// b: default deny egress only, no DNS; ingress unrestricted.
			netPolicy("b", "deny-egress", networkingv1.NetworkPolicySpec{PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeEgress}}),
			// b: an ingress rule without from.
			netPolicy("b", "any", networkingv1.NetworkPolicySpec{PodSelector: metav1.LabelSelector{MatchLabels: map[string]string{"app": "api"}},
				Ingress: []networkingv1.NetworkPolicyIngressRule{{}}}),
		},
	}
}

func ptr[T any](v T) *T { return &v }

func TestChecks(t *testing.T) {
	snap := checksCluster()
	fs := Analyze(snap, resolveTenancy(t, snap), DefaultOptions())
	got := briefsOf(fs, IDCrossTenant, IDNoDefaultIngress, IDNoDefaultEgress, IDAllNamespaces, IDAnyAddress, IDMetadata, IDDNSBlocked)
	want := []brief{
		{IDCrossTenant, "high", "a", "b", "pods of tenant a can open connections to pods of tenant b"},
		{IDAllNamespaces, "medium", "", "a", "NetworkPolicy a/open ingress[0] admits every pod of every namespace on every port"},
		{IDAllNamespaces, "medium", "", "b", "NetworkPolicy b/any ingress[0] admits every peer on every port"},
		{IDAllNamespaces, "low", "a", "", "NetworkPolicy a/dns egress[0] admits every peer on the ports it lists"},
		{IDAnyAddress, "low", "a", "", "NetworkPolicy a/internet egress[0] admits 0.0.0.0/0 on the ports it lists"},
		{IDDNSBlocked, "low", "b", "", "egress policy in namespace b blocks DNS"},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
	// a reaches b/api on UDP 53 (its DNS rule has no "to") and TCP 443
	// (0.0.0.0/0 covers pod IPs); opening b's egress to a adds b -> a.
	snap.NetworkPolicies = append(snap.NetworkPolicies, netPolicy("b", "to-a", networkingv1.NetworkPolicySpec{PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeEgress},
		Egress: []networkingv1.NetworkPolicyEgressRule{{To: []networkingv1.NetworkPolicyPeer{{NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{corev1.LabelMetadataName: "a"}}}}}}}))
	fs = Analyze(snap, resolveTenancy(t, snap), DefaultOptions())
	got = briefsOf(fs, IDCrossTenant)
	want = []brief{
		{IDCrossTenant, "high", "a", "b", "pods of tenant a can open connections to pods of tenant b"},
		{IDCrossTenant, "high", "b", "a", "pods of tenant b can open connections to pods of tenant a"},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Fatalf("(-want +got):\n%s", d)
	}
	var f finding.Finding
	for _, x := range fs {
		if x.ID == IDCrossTenant && x.SourceTenant == "b" {
			f = x
		}
	}
	var facts []string
	for _, s := range f.Witness {
		facts = append(facts, s.Object.String()+": "+s.Fact)
	}
	wantFacts := []string{
		"Pod/b/api: egress: allowed by NetworkPolicy",
		"NetworkPolicy/b/to-a: NetworkPolicy b/to-a egress[0]",
		"Pod/a/web: ingress: allowed by NetworkPolicy",
		"NetworkPolicy/a/open: NetworkPolicy a/open ingress[0]",
	}
	if d := cmp.Diff(wantFacts, facts); d != "" {
		t.Errorf("witness (-want +got):\n%s", d)
	}
	if !strings.Contains(f.Detail, "b/api reaches a/web on TCP any port, UDP any port, SCTP any port") || !strings.Contains(f.Detail, "TCP 8080 from b/api to a/web") {
		t.Errorf("detail: %s", f.Detail)
	}
}

// An AdminNetworkPolicy denying the metadata network closes BH-NET-006.
func TestMetadataDeniedByAdmin(t *testing.T) {
	snap := &snapshot.Snapshot{Pods: []corev1.Pod{testPod("a", "web", nil, "10.0.0.1"), testPod("b", "web", nil, "10.0.1.1")}}
	opts := DefaultOptions()
	opts.Cloud = true
	fs := Analyze(snap, resolveTenancy(t, snap), opts)
	if n := len(briefsOf(fs, IDMetadata)); n != 2 {
		t.Fatalf("metadata findings before: %d", n)
	}
	snap.AdminNetworkPolicies = []anp.AdminNetworkPolicy{{ObjectMeta: metav1.ObjectMeta{Name: "no-metadata"}, Spec: anp.AdminNetworkPolicySpec{
		Priority: 1, Subject: anp.AdminNetworkPolicySubject{Namespaces: &metav1.LabelSelector{}},
		Egress: []anp.AdminNetworkPolicyEgressRule{{Action: anp.AdminNetworkPolicyRuleActionDeny, To: []anp.AdminNetworkPolicyEgressPeer{{Networks: []anp.CIDR{"169.254.169.254/32"}}}}},
	}}}
	fs = Analyze(snap, resolveTenancy(t, snap), opts)
	if got := briefsOf(fs, IDMetadata); len(got) != 0 {
		t.Fatalf("metadata findings after the deny: %v", got)
	}
}

// Malformed parts of a policy match nothing and are listed.
func TestProblems(t *testing.T) {
	snap := &snapshot.Snapshot{
		Pods: []corev1.Pod{testPod("a", "web", nil, "10.0.0.1"), testPod("b", "x", nil, "10.0.1.1")},
		NetworkPolicies: []networkingv1.NetworkPolicy{netPolicy("a", "bad", networkingv1.NetworkPolicySpec{
			Ingress: []networkingv1.NetworkPolicyIngressRule{{From: []networkingv1.NetworkPolicyPeer{{IPBlock: &networkingv1.IPBlock{CIDR: "10.0.1.1"}}, {}}}}})},
	}
	m := Compile(snap, DefaultOptions())
	want := []string{
		`NetworkPolicy a/bad ingress[0]: ipBlock cidr "10.0.1.1": netip.ParsePrefix("10.0.1.1"): no '/'`,
		"NetworkPolicy a/bad ingress[0]: peer sets none of podSelector, namespaceSelector, ipBlock",
	}
	if d := cmp.Diff(want, m.Problems()); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
	v, err := m.Reach(Endpoint{Namespace: "b", Pod: "x"}, Endpoint{Namespace: "a", Pod: "web"}, 80, corev1.ProtocolTCP)
	if err != nil || v.Allowed {
		t.Fatalf("malformed peers must match nothing: %+v %v", v, err)
	}
}

// The class API the attack-path engine builds on.
func TestClassAPI(t *testing.T) {
	snap := checksCluster()
	m := Compile(snap, DefaultOptions())
	web, ok := m.ClassOf("a", "web")
	api, ok2 := m.ClassOf("b", "api")
	if !ok || !ok2 {
		t.Fatal("classes not found")
	}
	if _, ok := m.ClassOf("a", "nope"); ok {
		t.Fatal("unknown pod has a class")
	}
	if c := m.Classes()[web]; c.Namespace != "a" || len(c.Pods) != 1 || c.Pods[0] != "a/web" || c.IsExternal() {
		t.Fatalf("class %+v", c)
	}
	if m.Reaches(api, web) || m.Reaches(api, api) || !m.Reaches(web, web) {
		t.Fatal("Reaches disagrees with the policies")
	}
	if got := FormatPorts(m.Ports(web, api)); got != "TCP 443, UDP 53" {
		t.Fatalf("web -> api ports %q", got)
	}
	var ext int
	for _, c := range m.Classes() {
		if c.IsExternal() {
			ext++
		}
	}
	if ext == 0 {
		t.Fatal("no external classes")
	}
}

// ANP nodes peers match the host-network pods of the selected nodes.
func TestAdminNodesPeer(t *testing.T) {
	host := hostPod("sys", "agent", "n1", "192.168.0.1")
	snap := &snapshot.Snapshot{
		Nodes: []corev1.Node{{ObjectMeta: metav1.ObjectMeta{Name: "n1", Labels: map[string]string{"role": "worker"}}}},
		Pods:  []corev1.Pod{testPod("a", "web", nil, "10.0.0.1"), host},
		AdminNetworkPolicies: []anp.AdminNetworkPolicy{{ObjectMeta: metav1.ObjectMeta{Name: "no-nodes"}, Spec: anp.AdminNetworkPolicySpec{
			Priority: 1, Subject: anp.AdminNetworkPolicySubject{Namespaces: &metav1.LabelSelector{}},
			Egress: []anp.AdminNetworkPolicyEgressRule{{Action: anp.AdminNetworkPolicyRuleActionDeny, To: []anp.AdminNetworkPolicyEgressPeer{{Nodes: &metav1.LabelSelector{MatchLabels: map[string]string{"role": "worker"}}}}}},
		}}},
	}
	m := Compile(snap, DefaultOptions())
	v, err := m.Reach(Endpoint{Namespace: "a", Pod: "web"}, Endpoint{Namespace: "sys", Pod: "agent"}, 10250, corev1.ProtocolTCP)
	if err != nil || v.Allowed || len(v.Egress.Rules) != 1 || v.Egress.Rules[0].Name != "no-nodes" {
		t.Fatalf("%+v %v", v, err)
	}
}

// Representative pods (from workload templates) are named by their
// controller in findings.
func TestRepresentativePods(t *testing.T) {
	deploy := func(ns, name string) appsv1.Deployment {
		labels := map[string]string{"app": name}
		return appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}, Spec: appsv1.DeploymentSpec{
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels}, Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "x"}}}},
		}}
	}
	snap := &snapshot.Snapshot{Deployments: []appsv1.Deployment{deploy("a", "web"), deploy("b", "api")}}
	snap.Normalize()
	fs := Analyze(snap, resolveTenancy(t, snap), DefaultOptions())
	var got []string
	for _, f := range fs {
		if f.ID == IDCrossTenant {
			got = append(got, f.Subjects[0].String()+" -> "+f.Objects[0].String())
			if !strings.Contains(f.Detail, "(representative of Deployment/") {
				t.Errorf("detail does not say the pods are representative: %s", f.Detail)
			}
		}
	}
	want := []string{"Deployment/a/web -> Deployment/b/api", "Deployment/b/api -> Deployment/a/web"}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
}

func TestWitnessAPI(t *testing.T) {
	m := Compile(checksCluster(), DefaultOptions())
	web, _ := m.ClassOf("a", "web")
	api, _ := m.ClassOf("b", "api")
	if _, _, ok := m.Witness(api, web); ok {
		t.Fatal("witness for a denied pair")
	}
	v, ports, ok := m.Witness(web, api)
	if !ok || !v.Allowed || FormatPorts(ports) != "TCP 443, UDP 53" || v.From != "a/web" || v.To != "b/api" {
		t.Fatalf("%+v %v %v", v, ports, ok)
	}
	// To an external block: a's egress reaches the internet on 443.
	for _, c := range m.Classes() {
		if c.IsExternal() && c.External == "0.0.0.0-169.254.169.253" {
			v, ports, ok := m.Witness(web, c.ID)
			if !ok || FormatPorts(ports) != "TCP 443, UDP 53" || v.To != c.External || !v.Allowed {
				t.Fatalf("external: %+v %v %v", v, ports, ok)
			}
			return
		}
	}
	t.Fatal("no external class 0.0.0.0-169.254.169.253")
}

func TestEmptySnapshot(t *testing.T) {
	snap := &snapshot.Snapshot{NetworkPolicies: []networkingv1.NetworkPolicy{netPolicy("a", "deny", networkingv1.NetworkPolicySpec{})}}
	m := Compile(snap, DefaultOptions())
	if fs := m.Findings(snap, resolveTenancy(t, snap)); len(fs) != 0 {
		t.Fatalf("findings without pods: %v", fs)
	}
	if mx := m.NamespaceMatrix(); len(mx.Endpoints) != 0 || len(mx.Allowed) != 0 {
		t.Fatalf("matrix without pods: %+v", mx)
	}
	if _, err := m.Reach(Endpoint{Namespace: "a", Pod: "x"}, Endpoint{IP: netip.MustParseAddr("10.0.0.1")}, 80, corev1.ProtocolTCP); err == nil {
		t.Fatal("reach from a missing pod")
	}
	v, err := m.Reach(Endpoint{IP: netip.MustParseAddr("10.0.0.1")}, Endpoint{IP: netip.MustParseAddr("10.0.0.2")}, 80, corev1.ProtocolTCP)
	if err != nil || v.Allowed || v.Summary != "not a pod connection" {
		t.Fatalf("%+v %v", v, err)
	}
}

func TestEachReachable(t *testing.T) {
	m := Compile(checksCluster(), DefaultOptions())
	n := 0
	m.EachReachable(func(s, d ClassID) bool {
		if !m.Reaches(s, d) || len(m.Ports(s, d)) == 0 {
			t.Fatalf("%d -> %d listed but not reachable", s, d)
		}
		n++
		return true
	})
	want := 0
	for s := range m.Classes() {
		for d := range m.Classes() {
			if m.Reaches(ClassID(s), ClassID(d)) {
				want++
			}
		}
	}
	if n != want || n == 0 {
		t.Fatalf("EachReachable listed %d pairs, want %d", n, want)
	}
	n = 0
	m.EachReachable(func(s, d ClassID) bool { n++; return n < 2 })
	if n != 2 {
		t.Fatalf("did not stop: %d", n)
	}
}

// BH-NET-002 and -003 count the pods no policy isolates, never "0 of N":
// a namespace whose pods are all isolated has no finding.
func TestDefaultDenyCounts(t *testing.T) {
	ingressFor := func(app string) networkingv1.NetworkPolicy {
		return netPolicy("a", "only-"+app, networkingv1.NetworkPolicySpec{PodSelector: metav1.LabelSelector{MatchLabels: map[string]string{"app": app}}})
	}
	tests := []struct {
		name     string
		pods     []string
		policies []networkingv1.NetworkPolicy
		want     []string // witness facts of BH-NET-002
	}{
		{"one pod, open", []string{"web"}, nil, []string{"its only pod is not isolated for ingress"}},
		{"one pod, isolated", []string{"web"}, []networkingv1.NetworkPolicy{ingressFor("web")}, nil},
		{"three pods, open", []string{"web", "api", "db"}, nil, []string{"none of its 3 pods is isolated for ingress"}},
		{"three pods, one open", []string{"web", "api", "db"}, []networkingv1.NetworkPolicy{ingressFor("web"), ingressFor("api")}, []string{"1 of its 3 pods is not isolated for ingress"}},
		{"three pods, two open", []string{"web", "api", "db"}, []networkingv1.NetworkPolicy{ingressFor("web")}, []string{"2 of its 3 pods are not isolated for ingress"}},
		{"three pods, all isolated", []string{"web", "api", "db"}, []networkingv1.NetworkPolicy{ingressFor("web"), ingressFor("api"), ingressFor("db")}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			snap := &snapshot.Snapshot{NetworkPolicies: tt.policies}
			for i, p := range tt.pods {
				snap.Pods = append(snap.Pods, testPod("a", p, map[string]string{"app": p}, "10.0.0."+itoa(i+1)))
			}
			var got []string
			for _, f := range Analyze(snap, resolveTenancy(t, snap), DefaultOptions()) {
				if strings.Contains(f.Detail, " 0 of") || strings.Contains(f.Detail, "1 of its 1") {
					t.Errorf("%s: %s", f.ID, f.Detail)
				}
				if f.ID == IDNoDefaultIngress {
					got = append(got, f.Witness[0].Fact)
				}
			}
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
		})
	}
}
