package admission

import (
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	anp "sigs.k8s.io/network-policy-api/apis/v1alpha1"

	"github.com/bulkhead-dev/bulkhead/internal/netpol"
	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
	"github.com/bulkhead-dev/bulkhead/internal/tenancy"
)

// TestSelectorJoins: a tenant may not label its namespace into the
// namespaceSelector of another tenant's NetworkPolicy, whether the peer
// lets it in (ingress) or lets the other's pods out to it (egress); its
// own tenant's policies, selectors that selected it already and labels
// no selector reads are its business.
func TestSelectorJoins(t *testing.T) {
	selector := func(k, v string) *metav1.LabelSelector {
		return &metav1.LabelSelector{MatchLabels: map[string]string{k: v}}
	}
	snap := &snapshot.Snapshot{Source: "test"}
	for _, ns := range []struct{ name, tenant, zone string }{
		{"a-web", "a", "1"}, {"a-db", "a", "1"}, {"b-web", "b", "0"}, {"kube-system", "", ""},
	} {
		l := map[string]string{"zone": ns.zone}
		if ns.tenant != "" {
			l[tenantLabel] = ns.tenant
		}
		snap.Namespaces = append(snap.Namespaces, corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns.name, Labels: l}})
	}
	snap.NetworkPolicies = []networkingv1.NetworkPolicy{
		{ObjectMeta: metav1.ObjectMeta{Namespace: "b-web", Name: "from-zone-0"}, Spec: networkingv1.NetworkPolicySpec{
			Ingress: []networkingv1.NetworkPolicyIngressRule{{From: []networkingv1.NetworkPolicyPeer{{NamespaceSelector: selector("zone", "0")}}}}}},
		{ObjectMeta: metav1.ObjectMeta{Namespace: "b-web", Name: "to-monitored"}, Spec: networkingv1.NetworkPolicySpec{
			PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeEgress},
			Egress:      []networkingv1.NetworkPolicyEgressRule{{To: []networkingv1.NetworkPolicyPeer{{NamespaceSelector: selector("monitored", "yes")}}}}}},
		{ObjectMeta: metav1.ObjectMeta{Namespace: "a-db", Name: "from-web"}, Spec: networkingv1.NetworkPolicySpec{
			Ingress: []networkingv1.NetworkPolicyIngressRule{{From: []networkingv1.NetworkPolicyPeer{{NamespaceSelector: selector("tier", "web")}}}}}},
		{ObjectMeta: metav1.ObjectMeta{Namespace: "b-web", Name: "from-all"}, Spec: networkingv1.NetworkPolicySpec{
			Ingress: []networkingv1.NetworkPolicyIngressRule{{From: []networkingv1.NetworkPolicyPeer{{NamespaceSelector: &metav1.LabelSelector{}}}}}}},
	}
	a, err := New(snapshot.NewStore(snap).View(), tenancy.Config{Label: tenantLabel}, Config{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name   string
		ns     string
		labels map[string]string
		create bool
		want   string // the denial's start; "" admitted
	}{
		{"into another tenant's ingress selector", "a-web", map[string]string{tenantLabel: "a", "zone": "0"}, false,
			"BH-NET-001 (tenant a → tenant b): Namespace a-web would match the namespaceSelector of NetworkPolicy b-web/from-zone-0 of tenant b, which would then admit its pods [spec.ingress[0].from[0].namespaceSelector: zone=0, metadata.labels[zone]: 1 → 0]"},
		{"into another tenant's egress selector", "a-web", map[string]string{tenantLabel: "a", "zone": "1", "monitored": "yes"}, false,
			"BH-NET-001 (tenant b → tenant a): Namespace a-web would match the namespaceSelector of NetworkPolicy b-web/to-monitored of tenant b, whose pods could then send to it"},
		{"a new namespace into it", "a-new", map[string]string{tenantLabel: "a", "zone": "0"}, true, "BH-NET-001 (tenant a → tenant b)"},
		{"into its own tenant's selector", "a-web", map[string]string{tenantLabel: "a", "zone": "1", "tier": "web"}, false, ""},
		{"a label no selector reads", "a-web", map[string]string{tenantLabel: "a", "zone": "1", "cost-center": "42"}, false, ""},
		{"selected by every namespace already", "a-web", map[string]string{tenantLabel: "a", "zone": "2"}, false, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: c.ns, Labels: c.labels}}
			req := Request{Operation: Create, Kind: schema.GroupVersionKind{Version: "v1", Kind: "Namespace"}, Namespace: c.ns, Name: c.ns, Object: ns}
			if !c.create {
				req.Operation, req.OldObject = Update, a.snap.Namespace(c.ns)
			}
			d := a.Decide(req)
			if c.want == "" {
				if !d.Allowed {
					t.Fatalf("denied: %s", d.Message)
				}
				return
			}
			if d.Allowed || !strings.HasPrefix(d.Message, c.want) {
				t.Fatalf("got allowed=%v %q, want a denial starting %q", d.Allowed, d.Message, c.want)
			}
			if d.Violations[0].Rule != netpol.IDCrossTenant {
				t.Errorf("rule %s, want %s", d.Violations[0].Rule, netpol.IDCrossTenant)
			}
		})
	}
}

// TestPodJoins: a tenant's pod (or a controller's template) may not carry
// the labels another tenant's policy admits pods of every namespace by;
// a pod that already had them may be updated.
func TestPodJoins(t *testing.T) {
	snap := &snapshot.Snapshot{Source: "test"}
	for _, ns := range []struct{ name, tenant string }{{"a-web", "a"}, {"b-web", "b"}} {
		snap.Namespaces = append(snap.Namespaces, corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns.name, Labels: map[string]string{tenantLabel: ns.tenant}}})
	}
	monitoring := &metav1.LabelSelector{MatchLabels: map[string]string{"role": "monitoring"}}
	snap.NetworkPolicies = []networkingv1.NetworkPolicy{{ObjectMeta: metav1.ObjectMeta{Namespace: "b-web", Name: "from-monitoring"}, Spec: networkingv1.NetworkPolicySpec{
		Ingress: []networkingv1.NetworkPolicyIngressRule{{From: []networkingv1.NetworkPolicyPeer{{NamespaceSelector: &metav1.LabelSelector{}, PodSelector: monitoring}}}}}}}
	a, err := New(snapshot.NewStore(snap).View(), tenancy.Config{Label: tenantLabel}, Config{})
	if err != nil {
		t.Fatal(err)
	}
	pod := func(ns string, l map[string]string) *corev1.Pod {
		return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "scraper", Labels: l},
			Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "x"}}}}
	}
	podKind := schema.GroupVersionKind{Version: "v1", Kind: "Pod"}
	for _, c := range []struct {
		name string
		req  Request
		want string
	}{
		{"a pod labelled into another tenant's peer", Request{Operation: Create, Kind: podKind, Namespace: "a-web", Name: "scraper", Object: pod("a-web", map[string]string{"role": "monitoring"})},
			"BH-NET-001 (tenant a → tenant b): Pod a-web/scraper would match the podSelector of NetworkPolicy b-web/from-monitoring of tenant b by its labels, which would then admit it [spec.ingress[0].from[0].podSelector: role=monitoring]"},
		{"a template labelled so", Request{Operation: Create, Kind: schema.GroupVersionKind{Group: "apps", Version: "v1", Kind: "Deployment"}, Namespace: "a-web", Name: "scraper",
			Object: &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Namespace: "a-web", Name: "scraper"}, Spec: appsv1.DeploymentSpec{Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"role": "monitoring"}}, Spec: pod("a-web", nil).Spec}}}},
			"BH-NET-001 (tenant a → tenant b)"},
		{"the other tenant's own pod", Request{Operation: Create, Kind: podKind, Namespace: "b-web", Name: "scraper", Object: pod("b-web", map[string]string{"role": "monitoring"})}, ""},
		{"other labels", Request{Operation: Create, Kind: podKind, Namespace: "a-web", Name: "scraper", Object: pod("a-web", map[string]string{"role": "web"})}, ""},
		{"a pod that had them already", Request{Operation: Update, Kind: podKind, Namespace: "a-web", Name: "scraper",
			Object: pod("a-web", map[string]string{"role": "monitoring", "v": "2"}), OldObject: pod("a-web", map[string]string{"role": "monitoring"})}, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			d := a.Decide(c.req)
			if c.want == "" {
				if !d.Allowed {
					t.Fatalf("denied: %s", d.Message)
				}
				return
			}
			if d.Allowed || !strings.HasPrefix(d.Message, c.want) {
				t.Fatalf("got allowed=%v %q, want a denial starting %q", d.Allowed, d.Message, c.want)
			}
		})
	}
}

// TestAdminJoins: a namespace may not label itself into the subject or a
// peer of an admin network policy's Allow rule that reaches other
// tenants.
func TestAdminJoins(t *testing.T) {
	zone := func(z string) *metav1.LabelSelector {
		return &metav1.LabelSelector{MatchLabels: map[string]string{"zone": z}}
	}
	snap := &snapshot.Snapshot{Source: "test"}
	for _, ns := range []struct{ name, tenant, zone string }{{"a-web", "a", "2"}, {"b-web", "b", "1"}, {"c-web", "c", "0"}} {
		snap.Namespaces = append(snap.Namespaces, corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns.name, Labels: map[string]string{tenantLabel: ns.tenant, "zone": ns.zone}}})
	}
	snap.AdminNetworkPolicies = []anp.AdminNetworkPolicy{{ObjectMeta: metav1.ObjectMeta{Name: "zone-0-to-1"},
		Spec: anp.AdminNetworkPolicySpec{Priority: 10, Subject: anp.AdminNetworkPolicySubject{Namespaces: zone("1")},
			Ingress: []anp.AdminNetworkPolicyIngressRule{{Action: anp.AdminNetworkPolicyRuleActionAllow, From: []anp.AdminNetworkPolicyIngressPeer{{Namespaces: zone("0")}}}}}}}
	a, err := New(snapshot.NewStore(snap).View(), tenancy.Config{Label: tenantLabel}, Config{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ name, zone, want string }{
		{"into a peer", "0", "BH-ADM-003 (tenant a → tenant b): Namespace a-web would match spec.ingress[0].from[0].namespaces=zone=0 of AdminNetworkPolicy zone-0-to-1, whose spec.ingress[0] would then allow its traffic to tenant b over every NetworkPolicy"},
		{"into the subject", "1", "BH-ADM-003 (tenant c → tenant a): Namespace a-web would match spec.subject.namespaces=zone=1 of AdminNetworkPolicy zone-0-to-1, whose spec.ingress[0] would then allow traffic from tenant c to it over every NetworkPolicy"},
		{"elsewhere", "3", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "a-web", Labels: map[string]string{tenantLabel: "a", "zone": c.zone}}}
			d := a.Decide(Request{Operation: Update, Kind: schema.GroupVersionKind{Version: "v1", Kind: "Namespace"}, Namespace: "a-web", Name: "a-web", Object: ns, OldObject: a.snap.Namespace("a-web")})
			if c.want == "" {
				if !d.Allowed {
					t.Fatalf("denied: %s", d.Message)
				}
				return
			}
			if d.Allowed || !strings.HasPrefix(d.Message, c.want) {
				t.Fatalf("got allowed=%v %q, want a denial starting %q", d.Allowed, d.Message, c.want)
			}
		})
	}
}

// joinsFixture is a cluster of tenants a and b, the platform's namespace
// monitoring and kube-system, whose policies select namespaces and pods
// in every way a label can meet: by a label, by the name label, by a
// label's absence (DoesNotExist, NotIn), every namespace with a
// podSelector, both directions at once, and the platform's own policies
// and admin network policies selecting pods. Requests of the group
// platform-admins are exempt.
func joinsFixture(t *testing.T) *Admission {
	t.Helper()
	ns := func(l map[string]string) *metav1.LabelSelector { return &metav1.LabelSelector{MatchLabels: l} }
	expr := func(key string, op metav1.LabelSelectorOperator, values ...string) *metav1.LabelSelector {
		return &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: key, Operator: op, Values: values}}}
	}
	from := func(namespace, name string, peers ...networkingv1.NetworkPolicyPeer) networkingv1.NetworkPolicy {
		return networkingv1.NetworkPolicy{ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: name},
			Spec: networkingv1.NetworkPolicySpec{Ingress: []networkingv1.NetworkPolicyIngressRule{{From: peers}}}}
	}
	to := func(namespace, name string, peers ...networkingv1.NetworkPolicyPeer) networkingv1.NetworkPolicy {
		return networkingv1.NetworkPolicy{ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: name},
			Spec: networkingv1.NetworkPolicySpec{PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeEgress},
				Egress: []networkingv1.NetworkPolicyEgressRule{{To: peers}}}}
	}
	both := from("b-web", "both-ways", networkingv1.NetworkPolicyPeer{NamespaceSelector: ns(map[string]string{"x": "1"})})
	both.Spec.PolicyTypes = []networkingv1.PolicyType{networkingv1.PolicyTypeIngress, networkingv1.PolicyTypeEgress}
	both.Spec.Egress = []networkingv1.NetworkPolicyEgressRule{{To: []networkingv1.NetworkPolicyPeer{{NamespaceSelector: ns(map[string]string{"x": "1"})}}}}
	// Rules of a direction the policy's policyTypes leave out count for
	// nothing.
	egressOnly := from("b-web", "egress-only", networkingv1.NetworkPolicyPeer{NamespaceSelector: ns(map[string]string{"x": "2"})})
	egressOnly.Spec.PolicyTypes = []networkingv1.PolicyType{networkingv1.PolicyTypeEgress}
	ingressOnly := to("b-web", "ingress-only", networkingv1.NetworkPolicyPeer{NamespaceSelector: ns(map[string]string{"x": "3"})})
	ingressOnly.Spec.PolicyTypes = []networkingv1.PolicyType{networkingv1.PolicyTypeIngress}
	snap := &snapshot.Snapshot{Source: "test",
		Namespaces: []corev1.Namespace{
			{ObjectMeta: metav1.ObjectMeta{Name: "a-web", Labels: map[string]string{tenantLabel: "a", "env": "prod"}}},
			{ObjectMeta: metav1.ObjectMeta{Name: "b-web", Labels: map[string]string{tenantLabel: "b"}}},
			{ObjectMeta: metav1.ObjectMeta{Name: "monitoring"}},
			{ObjectMeta: metav1.ObjectMeta{Name: "kube-system"}},
		},
		NetworkPolicies: []networkingv1.NetworkPolicy{
			from("b-web", "from-zone-0", networkingv1.NetworkPolicyPeer{NamespaceSelector: ns(map[string]string{"zone": "0"})}),
			from("b-web", "from-monitoring", networkingv1.NetworkPolicyPeer{NamespaceSelector: ns(nil), PodSelector: ns(map[string]string{"role": "monitoring"})}),
			from("b-web", "from-unrestricted", networkingv1.NetworkPolicyPeer{NamespaceSelector: expr("restricted", metav1.LabelSelectorOpDoesNotExist)}),
			from("b-web", "from-non-prod", networkingv1.NetworkPolicyPeer{NamespaceSelector: expr("env", metav1.LabelSelectorOpNotIn, "prod")}),
			from("b-web", "from-unlabelled-pods", networkingv1.NetworkPolicyPeer{NamespaceSelector: ns(nil), PodSelector: expr("role", metav1.LabelSelectorOpDoesNotExist)}),
			from("b-web", "from-ops", networkingv1.NetworkPolicyPeer{NamespaceSelector: ns(map[string]string{metadataNameLabel: "ops"})}),
			from("b-web", "from-tenant-a", networkingv1.NetworkPolicyPeer{NamespaceSelector: ns(map[string]string{tenantLabel: "a"})}),
			from("b-web", "from-own-web", networkingv1.NetworkPolicyPeer{PodSelector: ns(map[string]string{"app": "web"})}),
			egressOnly,
			ingressOnly,
			both,
			to("monitoring", "scrape", networkingv1.NetworkPolicyPeer{NamespaceSelector: ns(map[string]string{"monitored": "yes"})},
				networkingv1.NetworkPolicyPeer{NamespaceSelector: ns(nil), PodSelector: ns(map[string]string{"scrape": "yes"})}),
			from("monitoring", "from-shippers", networkingv1.NetworkPolicyPeer{NamespaceSelector: ns(map[string]string{"logs": "ship"})}),
		},
		AdminNetworkPolicies: []anp.AdminNetworkPolicy{
			{ObjectMeta: metav1.ObjectMeta{Name: "monitoring-into-b"}, Spec: anp.AdminNetworkPolicySpec{Priority: 10,
				Subject: anp.AdminNetworkPolicySubject{Namespaces: ns(map[string]string{tenantLabel: "b"})},
				Ingress: []anp.AdminNetworkPolicyIngressRule{{Action: anp.AdminNetworkPolicyRuleActionAllow,
					From: []anp.AdminNetworkPolicyIngressPeer{{Pods: &anp.NamespacedPod{PodSelector: *ns(map[string]string{"role": "monitoring"})}}}}}}},
			{ObjectMeta: metav1.ObjectMeta{Name: "exposed-to-b"}, Spec: anp.AdminNetworkPolicySpec{Priority: 11,
				Subject: anp.AdminNetworkPolicySubject{Pods: &anp.NamespacedPod{PodSelector: *ns(map[string]string{"app": "exposed"})}},
				Ingress: []anp.AdminNetworkPolicyIngressRule{{Action: anp.AdminNetworkPolicyRuleActionAllow,
					From: []anp.AdminNetworkPolicyIngressPeer{{Namespaces: ns(map[string]string{tenantLabel: "b"})}}}}}},
			{ObjectMeta: metav1.ObjectMeta{Name: "tenant-a-from-b"}, Spec: anp.AdminNetworkPolicySpec{Priority: 13,
				Subject: anp.AdminNetworkPolicySubject{Namespaces: ns(map[string]string{tenantLabel: "a"})},
				Ingress: []anp.AdminNetworkPolicyIngressRule{{Action: anp.AdminNetworkPolicyRuleActionAllow,
					From: []anp.AdminNetworkPolicyIngressPeer{{Namespaces: ns(map[string]string{tenantLabel: "b"})}}}}}},
			{ObjectMeta: metav1.ObjectMeta{Name: "zone-5-from-b"}, Spec: anp.AdminNetworkPolicySpec{Priority: 12,
				Subject: anp.AdminNetworkPolicySubject{Namespaces: ns(map[string]string{"zone": "5"})},
				Ingress: []anp.AdminNetworkPolicyIngressRule{
					{Action: anp.AdminNetworkPolicyRuleActionAllow, From: []anp.AdminNetworkPolicyIngressPeer{{Namespaces: ns(map[string]string{tenantLabel: "b"})}}},
					{Action: anp.AdminNetworkPolicyRuleActionAllow, From: []anp.AdminNetworkPolicyIngressPeer{{Namespaces: ns(map[string]string{tenantLabel: "b", "tier": "web"})}}},
				}}},
		},
	}
	snap.BaselineAdminNetworkPolicies = []anp.BaselineAdminNetworkPolicy{{ObjectMeta: metav1.ObjectMeta{Name: "default"}, Spec: anp.BaselineAdminNetworkPolicySpec{
		Subject: anp.AdminNetworkPolicySubject{Namespaces: ns(map[string]string{"zone": "7"})},
		Egress: []anp.BaselineAdminNetworkPolicyEgressRule{{Action: anp.BaselineAdminNetworkPolicyRuleActionAllow,
			To: []anp.AdminNetworkPolicyEgressPeer{{Namespaces: ns(map[string]string{tenantLabel: "b"})}}}}}}}
	tc := tenancy.Config{Label: tenantLabel, PlatformNamespaces: []string{"monitoring"}}
	a, err := New(snapshot.NewStore(snap).View(), tc, Config{Exempt: Exempt{Groups: []string{"platform-admins"}}})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// checkJoin holds a decision to want: admitted when want is empty, else
// denied with exactly these lines, each starting as given; every line of
// a denial is one bounded line.
func checkJoin(t *testing.T, d Decision, want []string) {
	t.Helper()
	if len(want) == 0 {
		if !d.Allowed {
			t.Fatalf("denied: %s", d.Message)
		}
		return
	}
	if d.Allowed {
		t.Fatalf("admitted, want a denial starting %q", want[0])
	}
	lines := strings.Split(d.Message, "\n")
	if len(lines) != len(want) {
		t.Fatalf("%d lines, want %d:\n%s", len(lines), len(want), d.Message)
	}
	for i, w := range want {
		if !strings.HasPrefix(lines[i], w) {
			t.Errorf("line %d:\n%s\nwant it to start\n%s", i, lines[i], w)
		}
		if len(lines[i]) > 700 {
			t.Errorf("line %d is %d characters long", i, len(lines[i]))
		}
	}
}

// TestNamespaceJoinsJudgeWhatLabelsOpen: a namespace's labels are denied
// only for a selector they newly meet that a tenant's labels decide: not
// the selectors every new namespace meets (empty, DoesNotExist, NotIn),
// nor the platform's or the cluster's namespaces, nor a platform policy
// whose pods would reach a tenant (the platform's exposure), nor an
// exempt operator, nor a selector that selects another namespace of the
// tenant already (the pair is open), nor rules of a direction the
// policyTypes leave out; a label removed into a NotIn selector and a name
// a selector awaits are. A policy joined in both directions is denied in
// both, an admin network policy's rules that open the same pair are one
// line, and a baseline one's Allow is said to yield to NetworkPolicies.
func TestNamespaceJoinsJudgeWhatLabelsOpen(t *testing.T) {
	a := joinsFixture(t)
	alice := User{Name: "alice", Groups: []string{"system:authenticated"}}
	operator := User{Name: "bob", Groups: []string{"platform-admins", "system:authenticated"}}
	for _, c := range []struct {
		name   string
		ns     string
		labels map[string]string
		create bool
		user   User
		want   []string
	}{
		{"a new namespace that only selectors of every new namespace select", "a-new", map[string]string{tenantLabel: "a"}, true, alice, nil},
		{"a new namespace named as another tenant's selector awaits", "ops", map[string]string{tenantLabel: "a"}, true, alice,
			[]string{"BH-NET-001 (tenant a → tenant b): Namespace ops would match the namespaceSelector of NetworkPolicy b-web/from-ops of tenant b, which would then admit its pods [spec.ingress[0].from[0].namespaceSelector: kubernetes.io/metadata.name=ops, metadata.labels[bulkhead.dev/tenant]: (none) → a]"}},
		{"the same, by an exempt platform operator", "ops", map[string]string{tenantLabel: "a"}, true, operator, nil},
		{"a new namespace of a tenant another's policy admits already", "a-api", map[string]string{tenantLabel: "a", "team": "x"}, true, alice, nil},
		{"into the ingress rules of an egress-only policy and the egress rules of an ingress-only one", "a-web", map[string]string{tenantLabel: "a", "env": "prod", "x": "2"}, false, alice, nil},
		{"into the egress rules of an ingress-only policy", "a-web", map[string]string{tenantLabel: "a", "env": "prod", "x": "3"}, false, alice, nil},
		{"a label removed into a NotIn selector", "a-web", map[string]string{tenantLabel: "a"}, false, alice,
			[]string{"BH-NET-001 (tenant a → tenant b): Namespace a-web would match the namespaceSelector of NetworkPolicy b-web/from-non-prod of tenant b, which would then admit its pods [spec.ingress[0].from[0].namespaceSelector: env notin (prod), metadata.labels[env]: prod → (none)]"}},
		{"the platform's namespace labelled into a tenant's selector", "monitoring", map[string]string{"zone": "0"}, false, alice, nil},
		{"kube-system labelled into a tenant's selector", "kube-system", map[string]string{"zone": "0"}, false, alice, nil},
		{"into a platform policy's egress selector", "a-web", map[string]string{tenantLabel: "a", "env": "prod", "monitored": "yes"}, false, alice, nil},
		{"into a platform policy's ingress selector", "a-web", map[string]string{tenantLabel: "a", "env": "prod", "logs": "ship"}, false, alice,
			[]string{"BH-NET-001 (tenant a → tenant platform): Namespace a-web would match the namespaceSelector of NetworkPolicy monitoring/from-shippers of tenant platform, which would then admit its pods"}},
		{"into a peer of both directions", "a-web", map[string]string{tenantLabel: "a", "env": "prod", "x": "1"}, false, alice, []string{
			"BH-NET-001 (tenant a → tenant b): Namespace a-web would match the namespaceSelector of NetworkPolicy b-web/both-ways of tenant b, which would then admit its pods [spec.ingress[0].from[0].namespaceSelector: x=1, metadata.labels[x]: (none) → 1]",
			"BH-NET-001 (tenant b → tenant a): Namespace a-web would match the namespaceSelector of NetworkPolicy b-web/both-ways of tenant b, whose pods could then send to it [spec.egress[0].to[0].namespaceSelector: x=1, metadata.labels[x]: (none) → 1]",
		}},
		{"into the subject of a baseline admin network policy's Allow rule", "a-web", map[string]string{tenantLabel: "a", "env": "prod", "zone": "7"}, false, alice, []string{
			"BH-ADM-003 (tenant a → tenant b): Namespace a-web would match spec.subject.namespaces=zone=7 of BaselineAdminNetworkPolicy default, whose spec.egress[0] would then allow its traffic to tenant b wherever no NetworkPolicy isolates the pods [spec.subject.namespaces=zone=7, metadata.labels[zone]: (none) → 7]",
		}},
		{"into the subject of two Allow rules from one tenant", "a-web", map[string]string{tenantLabel: "a", "env": "prod", "zone": "5"}, false, alice, []string{
			"BH-ADM-003 (tenant b → tenant a): Namespace a-web would match spec.subject.namespaces=zone=5 of AdminNetworkPolicy zone-5-from-b",
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: c.ns, Labels: c.labels}}
			req := Request{Operation: Create, Kind: schema.GroupVersionKind{Version: "v1", Kind: "Namespace"}, Namespace: c.ns, Name: c.ns, Object: ns, User: c.user}
			if !c.create {
				req.Operation, req.OldObject = Update, a.snap.Namespace(c.ns)
			}
			checkJoin(t, a.Decide(req), c.want)
		})
	}
}

// TestPodJoinsJudgeWhatLabelsOpen: a pod is denied the labels that newly
// meet a peer of another tenant's NetworkPolicy or of an admin network
// policy's Allow rule (its subject or a pods peer), named in the message;
// not a selector that selects pods without labels (every new pod meets
// it), the platform's pods, nor a platform policy's egress peer.
func TestPodJoinsJudgeWhatLabelsOpen(t *testing.T) {
	a := joinsFixture(t)
	pod := func(ns string, l map[string]string) *corev1.Pod {
		return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "scraper", Labels: l},
			Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "x"}}}}
	}
	for _, c := range []struct {
		name string
		pod  *corev1.Pod
		want []string
	}{
		{"a tenant's pod labelled into a NetworkPolicy's and an admin network policy's peers", pod("a-web", map[string]string{"role": "monitoring"}), []string{
			"BH-NET-001 (tenant a → tenant b): Pod a-web/scraper would match the podSelector of NetworkPolicy b-web/from-monitoring of tenant b by its labels, which would then admit it [spec.ingress[0].from[0].podSelector: role=monitoring]",
			"BH-ADM-003 (tenant a → tenant b): Pod a-web/scraper would match spec.ingress[0].from[0].pods.podSelector=role=monitoring of AdminNetworkPolicy monitoring-into-b by its labels, whose spec.ingress[0] would then allow its traffic to tenant b over every NetworkPolicy",
		}},
		{"a tenant's pod labelled into an admin network policy's subject", pod("a-web", map[string]string{"app": "exposed"}), []string{
			"BH-ADM-003 (tenant b → tenant a): Pod a-web/scraper would match spec.subject.pods.podSelector=app=exposed of AdminNetworkPolicy exposed-to-b by its labels, whose spec.ingress[0] would then allow traffic from tenant b to it over every NetworkPolicy",
		}},
		{"an unlabelled pod", pod("a-web", nil), nil},
		{"a pod labelled as a peer selects pods of the policy's own namespace", pod("a-web", map[string]string{"app": "web"}), nil},
		{"the platform's pod with a tenant policy's labels", pod("monitoring", map[string]string{"role": "monitoring", "app": "exposed"}), nil},
		{"a tenant's pod labelled for the platform's scraper", pod("a-web", map[string]string{"scrape": "yes"}), nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			checkJoin(t, a.Decide(Request{Operation: Create, Kind: schema.GroupVersionKind{Version: "v1", Kind: "Pod"}, Namespace: c.pod.Namespace, Name: c.pod.Name, Object: c.pod,
				User: User{Name: "alice", Groups: []string{"system:authenticated"}}}), c.want)
		})
	}
}
