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
			"BH-NET-001 (tenant a → tenant b): its labels match a peer of NetworkPolicy b-web/from-monitoring of tenant b, which would then admit it [spec.ingress[0].from[0].podSelector: role=monitoring]"},
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
