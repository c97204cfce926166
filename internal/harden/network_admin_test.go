package harden

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation"
	anp "sigs.k8s.io/network-policy-api/apis/v1alpha1"

	"github.com/bulkhead-dev/bulkhead/internal/load"
	"github.com/bulkhead-dev/bulkhead/internal/netpol"
	"github.com/bulkhead-dev/bulkhead/internal/scalegen"
	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
	"github.com/bulkhead-dev/bulkhead/internal/tenancy"
)

// renderAdmin writes a plan as the YAML a user applies, each document
// preceded by why it is there and what it closes, then the notes.
func renderAdmin(t *testing.T, objs []Object, notes []string) string {
	t.Helper()
	var b strings.Builder
	for _, o := range objs {
		y, err := manifest(o.Obj)
		if err != nil {
			t.Fatal(err)
		}
		b.WriteString("# " + string(o.Layer) + ": " + o.Why + "\n")
		if len(o.Closes) > 0 {
			b.WriteString("# closes " + strings.Join(o.Closes, ", ") + "\n")
		}
		b.WriteString(y + "---\n")
	}
	for _, n := range notes {
		b.WriteString("# note: " + n + "\n")
	}
	return b.String()
}

// served returns a normalised copy of snap with the AdminNetworkPolicy
// CRDs of testdata/network-admin/crds.yaml loaded into it: a cluster that
// serves the API.
func served(t *testing.T, snap *snapshot.Snapshot) *snapshot.Snapshot {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "network-admin", "crds.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	c := snap.Clone()
	load.Bytes(c, "crds.yaml", data)
	if len(c.Problems) != len(snap.Problems) || len(c.CustomResources) != len(snap.CustomResources)+2 {
		t.Fatalf("the CRDs did not load: %v", c.Problems)
	}
	c.Normalize()
	return c
}

func servedSeed(t *testing.T) (*snapshot.Snapshot, *tenancy.Tenancy) {
	snap, ten := seedCluster(t)
	return served(t, snap), ten
}

func servedFixture(t *testing.T) (*snapshot.Snapshot, *tenancy.Tenancy) {
	snap, ten := fixture(t)
	return served(t, snap), ten
}

// experimentalFixture is the fixture with an AdminNetworkPolicy of the
// platform's that uses a nodes peer: its API serves the experimental
// channel.
func experimentalFixture(t *testing.T) (*snapshot.Snapshot, *tenancy.Tenancy) {
	snap, ten := fixture(t)
	snap.AdminNetworkPolicies = append(snap.AdminNetworkPolicies, anp.AdminNetworkPolicy{
		ObjectMeta: metav1.ObjectMeta{Name: "monitoring-to-node-exporter"},
		Spec: anp.AdminNetworkPolicySpec{
			Priority: 5,
			Subject:  anp.AdminNetworkPolicySubject{Namespaces: &metav1.LabelSelector{MatchLabels: map[string]string{metadataNameLabel: "monitoring"}}},
			Egress: []anp.AdminNetworkPolicyEgressRule{{
				Name: "node-exporter", Action: anp.AdminNetworkPolicyRuleActionAllow,
				To:    []anp.AdminNetworkPolicyEgressPeer{{Nodes: &metav1.LabelSelector{}}},
				Ports: &[]anp.AdminNetworkPolicyPort{{PortNumber: &anp.Port{Protocol: corev1.ProtocolTCP, Port: 9100}}},
			}},
		},
	})
	snap.Normalize()
	return snap, ten
}

// withAdmin returns a normalised clone of snap with the plan applied as
// the API server would: admin policies replace those of their name,
// NetworkPolicies are added.
func withAdmin(snap *snapshot.Snapshot, objs []Object) *snapshot.Snapshot {
	c := snap.Clone()
	c.AdminNetworkPolicies = slices.Clone(c.AdminNetworkPolicies)
	c.BaselineAdminNetworkPolicies = slices.Clone(c.BaselineAdminNetworkPolicies)
	for _, o := range objs {
		switch x := o.Obj.(type) {
		case *anp.AdminNetworkPolicy:
			c.AdminNetworkPolicies = slices.DeleteFunc(c.AdminNetworkPolicies, func(a anp.AdminNetworkPolicy) bool { return a.Name == x.Name })
			c.AdminNetworkPolicies = append(c.AdminNetworkPolicies, *x.DeepCopy())
		case *anp.BaselineAdminNetworkPolicy:
			c.BaselineAdminNetworkPolicies = slices.DeleteFunc(c.BaselineAdminNetworkPolicies, func(b anp.BaselineAdminNetworkPolicy) bool { return b.Name == x.Name })
			c.BaselineAdminNetworkPolicies = append(c.BaselineAdminNetworkPolicies, *x.DeepCopy())
		case *networkingv1.NetworkPolicy:
			c.NetworkPolicies = append(c.NetworkPolicies, *x.DeepCopy())
		}
	}
	c.Normalize()
	return c
}

// newAdminProof is newProof for a plan of admin policies.
func newAdminProof(t testing.TB, snap *snapshot.Snapshot, ten *tenancy.Tenancy, objs []Object, flows []Flow) *proof {
	t.Helper()
	p := &proof{
		before:   netpol.Compile(snap, netpol.DefaultOptions()),
		after:    netpol.Compile(withAdmin(snap, objs), netpol.DefaultOptions()),
		explicit: netpol.Compile(denyAll(snap, ten), netpol.DefaultOptions()),
		snap:     snap, ten: ten, flows: map[string]bool{},
	}
	for _, f := range flows {
		p.flows[f.From.Namespace+">"+f.To.Namespace] = true
	}
	return p
}

// checkAdminValid checks the plan's objects as the API server would:
// names, kinds, one priority each (none of the cluster's), selectors, only
// Core fields unless experimental, and the CRD's schema and rules, by
// loading them back (internal/load refuses what the server refuses).
func checkAdminValid(t *testing.T, snap *snapshot.Snapshot, objs []Object, experimental bool) {
	t.Helper()
	prios := map[int32]string{}
	for _, a := range snap.AdminNetworkPolicies {
		if !own(a.ObjectMeta) {
			prios[a.Spec.Priority] = a.Name
		}
	}
	var sels []*metav1.LabelSelector
	var egress [][]anp.AdminNetworkPolicyEgressPeer
	var ports []*[]anp.AdminNetworkPolicyPort
	for _, o := range objs {
		m, ok := o.Obj.(metav1.Object)
		if !ok {
			t.Fatalf("%T is no object", o.Obj)
		}
		where := o.Obj.GetObjectKind().GroupVersionKind().Kind + " " + m.GetName()
		if errs := validation.IsDNS1123Subdomain(m.GetName()); len(errs) > 0 {
			t.Errorf("%s: name: %v", where, errs)
		}
		if o.Namespace != "" || m.GetNamespace() != "" || o.Layer != Network || o.Why == "" || m.GetLabels()[ManagedByLabel] != ManagedBy || m.GetAnnotations()[ReasonAnnotation] != o.Why {
			t.Errorf("%s: not a cluster-scoped object stamped as harden's: %+v", where, o)
		}
		if tm := o.Obj.GetObjectKind().GroupVersionKind(); tm.Group != anpGroup || tm.Version != anpVersion {
			t.Errorf("%s: apiVersion %v", where, tm)
		}
		switch x := o.Obj.(type) {
		case *anp.AdminNetworkPolicy:
			if !strings.HasPrefix(x.Name, namePrefix) {
				t.Errorf("%s: name without %s", where, namePrefix)
			}
			if prev, dup := prios[x.Spec.Priority]; dup {
				t.Errorf("%s: priority %d, as %s", where, x.Spec.Priority, prev)
			}
			prios[x.Spec.Priority] = x.Name
			sels = append(sels, subjectSelectors(x.Spec.Subject)...)
			for _, r := range x.Spec.Ingress {
				ports = append(ports, r.Ports)
				for _, p := range r.From {
					sels = append(sels, peerSelectors(p.Namespaces, p.Pods)...)
				}
			}
			for _, r := range x.Spec.Egress {
				ports = append(ports, r.Ports)
				egress = append(egress, r.To)
			}
		case *anp.BaselineAdminNetworkPolicy:
			sels = append(sels, subjectSelectors(x.Spec.Subject)...)
			for _, r := range x.Spec.Ingress {
				ports = append(ports, r.Ports)
				for _, p := range r.From {
					sels = append(sels, peerSelectors(p.Namespaces, p.Pods)...)
				}
			}
			for _, r := range x.Spec.Egress {
				ports = append(ports, r.Ports)
				egress = append(egress, r.To)
			}
		default:
			t.Errorf("%s: want an AdminNetworkPolicy or the BaselineAdminNetworkPolicy", where)
		}
	}
	for _, peers := range egress {
		for _, p := range peers {
			sels = append(sels, peerSelectors(p.Namespaces, p.Pods)...)
			if !experimental && (p.Networks != nil || p.Nodes != nil) {
				t.Errorf("an egress peer of the experimental channel: %+v", p)
			}
		}
	}
	for _, ps := range ports {
		if ps != nil && !experimental && slices.ContainsFunc(*ps, func(p anp.AdminNetworkPolicyPort) bool { return p.NamedPort != nil }) {
			t.Errorf("a named port, of the experimental channel: %v", *ps)
		}
	}
	for _, s := range sels {
		if _, err := metav1.LabelSelectorAsSelector(s); err != nil {
			t.Errorf("selector %v: %v", s, err)
		}
		if _, ok := s.MatchLabels["name"]; ok {
			t.Errorf("selector %v: a name label Kubernetes never sets", s)
		}
	}
	all := make([]Object, len(objs))
	copy(all, objs)
	y, err := Manifests(Plan{Objects: all})
	if err != nil {
		t.Fatal(err)
	}
	l := load.New("plan", load.Options{})
	l.Bytes("plan.yaml", []byte(y))
	back, _, err := l.Result()
	if err != nil {
		t.Fatal(err)
	}
	if len(back.Problems) > 0 || len(back.Warnings) > 0 || len(back.AdminNetworkPolicies)+len(back.BaselineAdminNetworkPolicies) != len(objs) {
		t.Errorf("loaded back: %d of %d objects; problems %v; warnings %v", len(back.AdminNetworkPolicies)+len(back.BaselineAdminNetworkPolicies), len(objs), back.Problems, back.Warnings)
	}
}

func subjectSelectors(s anp.AdminNetworkPolicySubject) []*metav1.LabelSelector {
	return peerSelectors(s.Namespaces, s.Pods)
}

func peerSelectors(ns *metav1.LabelSelector, pods *anp.NamespacedPod) []*metav1.LabelSelector {
	var out []*metav1.LabelSelector
	if ns != nil {
		out = append(out, ns)
	}
	if pods != nil {
		out = append(out, &pods.NamespaceSelector, &pods.PodSelector)
	}
	return out
}

func adminPlan(t *testing.T, snap *snapshot.Snapshot, ten *tenancy.Tenancy, opts Options) ([]Object, []string) {
	t.Helper()
	opts.AdminNetwork = true
	objs, notes, err := NetworkPlan(snap, ten, opts)
	if err != nil {
		t.Fatal(err)
	}
	return objs, notes
}

func hasNote(notes []string, s string) bool {
	return slices.ContainsFunc(notes, func(n string) bool { return strings.Contains(n, s) })
}

func TestAdminNetworkSeed(t *testing.T) {
	snap, ten := servedSeed(t)
	objs, notes := adminPlan(t, snap, ten, Options{})
	checkAdminValid(t, snap, objs, false)
	p := newAdminProof(t, snap, ten, objs, nil)
	p.check(t)
	if n := p.crossTenantPairs(t, p.before); n == 0 {
		t.Errorf("the seed cluster has no cross-tenant pair before: the proof proves nothing")
	}
	if n := p.crossTenantPairs(t, p.after); n != 0 {
		t.Errorf("%d cross-tenant pairs after, want none", n)
	}
	// The demo has no DNS pods: egress stays as it is, and a note says so.
	if !hasNote(notes, "egress is left open") {
		t.Errorf("no note says egress is left open without DNS pods: %q", notes)
	}
	// busybox is on the host network: v1alpha1's ingress rules cannot
	// name its node's address, and a note says it still reaches the
	// tenants' pods.
	if !hasNote(notes, "pod default/busybox is on the host network") || !hasNote(notes, "still reaches the pods of other tenants") {
		t.Errorf("no note says busybox still reaches other tenants: %q", notes)
	}
	for _, o := range objs {
		if a, ok := o.Obj.(*anp.AdminNetworkPolicy); ok && len(a.Spec.Egress) > 0 {
			t.Errorf("%s has egress rules without the DNS pods found", a.Name)
		}
	}
	if probs := p.after.Problems(); len(probs) > 0 {
		t.Errorf("the network model has problems with the plan: %v", probs)
	}
	goldenLayer(t, "network-admin", "seed.yaml", renderAdmin(t, objs, notes))
}

func TestAdminNetworkFixture(t *testing.T) {
	flows := []Flow{{Name: "Billing API", From: Peer{Namespace: "a2", Pods: map[string]string{"app": "api"}}, To: Peer{Namespace: "b1", Pods: map[string]string{"app": "web"}}, Ports: []string{"8080"}}}
	a1web, a1db, a2api := netpol.Endpoint{Namespace: "a1", Pod: "web"}, netpol.Endpoint{Namespace: "a1", Pod: "db"}, netpol.Endpoint{Namespace: "a2", Pod: "api"}
	b1web, dns, prom := netpol.Endpoint{Namespace: "b1", Pod: "web"}, netpol.Endpoint{Namespace: "kube-system", Pod: "coredns-1"}, netpol.Endpoint{Namespace: "monitoring", Pod: "prometheus"}
	internet, metadata, vpc := netpol.Endpoint{IP: mustAddr("203.0.113.7")}, netpol.Endpoint{IP: mustAddr("169.254.169.254")}, netpol.Endpoint{IP: mustAddr("10.1.2.3")}
	tcp, udp := corev1.ProtocolTCP, corev1.ProtocolUDP
	type reach struct {
		src, dst netpol.Endpoint
		port     int32
		proto    corev1.Protocol
		want     bool
	}
	common := []reach{
		// the flow, and only on its port, past b1's own policy
		{a2api, b1web, 8080, tcp, true},
		{a2api, b1web, 22, tcp, false},
		// another tenant, on a port b1's own policy allows from a1: the
		// tenants' AdminNetworkPolicies deny it, and b1 cannot undo that
		{a1web, b1web, 8080, tcp, false},
		// the tenant's two namespaces still talk
		{a2api, a1web, 8080, tcp, true},
		// a1's database keeps its own policy: only a1's web on 5432
		{a1web, a1db, 5432, tcp, true},
		{a2api, a1db, 5432, tcp, false},
		// DNS on the pods' port, from a namespace whose own egress policy
		// blocked it; not the DNS pods' other ports
		{b1web, dns, 5353, udp, true},
		{b1web, dns, 5353, tcp, true},
		{b1web, dns, 9153, tcp, false},
		// monitoring still scrapes what it did: a2's pods, not b1's web,
		// which b1's own policy isolates
		{prom, a2api, 8080, tcp, true},
		{prom, b1web, 9090, tcp, false},
		// no platform pod from a tenant
		{a1web, prom, 9090, tcp, false},
		// b1's own egress policy keeps its VPC
		{b1web, vpc, 443, tcp, true},
	}
	for _, c := range []struct {
		name  string
		in    func(*testing.T) (*snapshot.Snapshot, *tenancy.Tenancy)
		exp   bool
		opts  Options
		reach []reach
	}{
		{"standard", servedFixture, false, Options{}, []reach{
			// Core fields cannot name addresses: NetworkPolicy decides
			// them, and the metadata service stays (a note says so)
			{a1web, internet, 443, tcp, true},
			{a1web, metadata, 80, tcp, true},
		}},
		{"experimental", experimentalFixture, true, Options{}, []reach{
			{a1web, internet, 443, tcp, true},
			{a1web, metadata, 80, tcp, false},
		}},
		{"experimental egress none", experimentalFixture, true, Options{Egress: EgressNone}, []reach{
			{a1web, internet, 443, tcp, false},
			{a1web, metadata, 80, tcp, false},
		}},
		// The API server stays reachable when the baseline denies outside
		// the cluster: its addresses and ports only.
		{"experimental egress none with the API server", func(t *testing.T) (*snapshot.Snapshot, *tenancy.Tenancy) {
			snap, ten := experimentalFixture(t)
			snap.Services = append(snap.Services, corev1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "kubernetes"},
				Spec: corev1.ServiceSpec{ClusterIP: "10.96.0.1", Ports: []corev1.ServicePort{{Name: "https", Port: 443, TargetPort: intstr.FromInt32(6443), Protocol: corev1.ProtocolTCP}}}})
			snap.Endpoints = append(snap.Endpoints, corev1.Endpoints{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "kubernetes"},
				Subsets: []corev1.EndpointSubset{{Addresses: []corev1.EndpointAddress{{IP: "192.168.1.10"}}, Ports: []corev1.EndpointPort{{Name: "https", Port: 6443, Protocol: corev1.ProtocolTCP}}}}})
			return snap, ten
		}, true, Options{Egress: EgressNone}, []reach{
			{a1web, netpol.Endpoint{IP: mustAddr("192.168.1.10")}, 6443, tcp, true},
			{a1web, netpol.Endpoint{IP: mustAddr("10.96.0.1")}, 443, tcp, true},
			{a1web, netpol.Endpoint{IP: mustAddr("192.168.1.10")}, 22, tcp, false},
			{a1web, internet, 443, tcp, false},
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			snap, ten := c.in(t)
			opts := c.opts
			opts.AllowFlows = flows
			objs, notes := adminPlan(t, snap, ten, opts)
			checkAdminValid(t, snap, objs, c.exp)
			p := newAdminProof(t, snap, ten, objs, flows)
			p.check(t)
			if n := p.crossTenantPairs(t, p.before); n == 0 {
				t.Errorf("the fixture has no cross-tenant pair before")
			}
			for _, r := range append(slices.Clone(common), c.reach...) {
				v, err := p.after.Reach(r.src, r.dst, r.port, r.proto)
				if err != nil {
					t.Fatal(err)
				}
				if v.Allowed != r.want {
					t.Errorf("%s -> %s %s/%d: allowed %v, want %v\n%s", r.src, r.dst, r.proto, r.port, v.Allowed, r.want, strings.Join(v.Explain(), "\n"))
				}
			}
			if probs := p.after.Problems(); len(probs) > 0 {
				t.Errorf("the network model has problems with the plan: %v", probs)
			}
			goldenLayer(t, "network-admin", "fixture-"+strings.ReplaceAll(c.name, " ", "-")+".yaml", renderAdmin(t, objs, notes))
		})
	}
}

// A generated cluster of three tenants with AdminNetworkPolicies at
// priorities 1 to 50 (Allow, Deny and Pass rules) and its own baseline.
func TestAdminNetworkGenerated(t *testing.T) {
	if testing.Short() {
		t.Skip("pair by pair over a generated cluster")
	}
	var buf bytes.Buffer
	if _, err := scalegen.Write(&buf, scalegen.Config{Tenants: 3, Seed: 7}); err != nil {
		t.Fatal(err)
	}
	snap, err := load.FS(fstest.MapFS{"cluster.yaml": {Data: buf.Bytes()}}, "generated")
	if err != nil {
		t.Fatal(err)
	}
	snap.Normalize()
	ten, err := tenancy.Resolve(snap, tenancy.Config{Label: "tenant", PlatformNamespaces: []string{"default", "ingress-nginx", "monitoring", "cert-manager"}})
	if err != nil {
		t.Fatal(err)
	}
	objs, notes := adminPlan(t, snap, ten, Options{})
	checkAdminValid(t, snap, objs, true)
	var tenants int
	for _, o := range objs {
		switch x := o.Obj.(type) {
		case *anp.AdminNetworkPolicy:
			tenants++
			if x.Spec.Priority <= scalegen.AdminNetworkPolicies {
				t.Errorf("%s at priority %d, before the cluster's own", x.Name, x.Spec.Priority)
			}
		case *anp.BaselineAdminNetworkPolicy:
			t.Errorf("a baseline written over the cluster's own")
		}
	}
	if tenants != 3 || len(snap.AdminNetworkPolicies) != scalegen.AdminNetworkPolicies {
		t.Fatalf("%d tenant policies, %d of the cluster's: not the cluster the test is about", tenants, len(snap.AdminNetworkPolicies))
	}
	if !hasNote(notes, "BaselineAdminNetworkPolicy default is kept") || !hasNote(notes, "passes traffic on to NetworkPolicy") {
		t.Errorf("no note about the cluster's baseline or its Pass rules: %q", notes)
	}
	p := newAdminProof(t, snap, ten, objs, nil)
	p.check(t)
	if n := p.crossTenantPairs(t, p.after); n != 0 {
		t.Errorf("%d cross-tenant pairs after, want none", n)
	}
	checkAdminIdempotent(t, snap, ten, Options{AdminNetwork: true}, objs)
}

// Planning again on the cluster with the plan applied writes the same
// objects and nothing else; planning twice gives the same bytes.
func TestAdminNetworkIdempotent(t *testing.T) {
	for _, c := range []struct {
		name string
		in   func(*testing.T) (*snapshot.Snapshot, *tenancy.Tenancy)
		opts Options
	}{
		{"seed", servedSeed, Options{}},
		{"fixture", servedFixture, Options{AllowFlows: []Flow{{Name: "x", From: Peer{Namespace: "b1"}, To: Peer{Namespace: "a1"}, Ports: []string{"UDP/53"}}}}},
		{"experimental", experimentalFixture, Options{Egress: EgressNone}},
	} {
		t.Run(c.name, func(t *testing.T) {
			snap, ten := c.in(t)
			opts := c.opts
			opts.AdminNetwork = true
			objs, _ := adminPlan(t, snap, ten, opts)
			checkAdminIdempotent(t, snap, ten, opts, objs)
		})
	}
}

func checkAdminIdempotent(t *testing.T, snap *snapshot.Snapshot, ten *tenancy.Tenancy, opts Options, objs []Object) {
	t.Helper()
	objs2, notes, err := NetworkPlan(snap, ten, opts)
	if err != nil {
		t.Fatal(err)
	}
	first := renderAdmin(t, objs, notes)
	if d := cmp.Diff(first, renderAdmin(t, objs2, notes)); d != "" {
		t.Errorf("a second plan differs (-first +second):\n%s", d)
	}
	hardened, hardenedNotes, err := NetworkPlan(withAdmin(snap, objs), ten, opts)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(first, renderAdmin(t, hardened, hardenedNotes)); d != "" {
		t.Errorf("the plan of the hardened cluster differs (-plan +plan after applying it):\n%s", d)
	}
}

// The proof fails on the admin plans a naive generator writes: no DNS
// rule, the tenant allowed (not passed) within itself, no deny of the
// other namespaces, and a baseline that denies every namespace.
func TestAdminNetworkProofCatches(t *testing.T) {
	snap, ten := servedFixture(t)
	objs, _ := adminPlan(t, snap, ten, Options{})
	for _, c := range []struct {
		name   string
		mutate func(*anp.AdminNetworkPolicy)
		extra  []Object
		want   string
	}{
		{"no dns", func(a *anp.AdminNetworkPolicy) {
			a.Spec.Egress = slices.DeleteFunc(a.Spec.Egress, func(r anp.AdminNetworkPolicyEgressRule) bool { return r.Name == "allow-dns" })
		}, nil, "reaches no DNS pod"},
		{"allow the tenant", func(a *anp.AdminNetworkPolicy) {
			for i := range a.Spec.Ingress {
				if a.Spec.Ingress[i].Name == "pass-same-tenant" {
					a.Spec.Ingress[i].Action = anp.AdminNetworkPolicyRuleActionAllow
				}
			}
		}, nil, "within tenant alpha, a2/api -> a1/db"},
		{"no deny", func(a *anp.AdminNetworkPolicy) {
			a.Spec.Ingress = slices.DeleteFunc(a.Spec.Ingress, func(r anp.AdminNetworkPolicyIngressRule) bool {
				return r.Action == anp.AdminNetworkPolicyRuleActionDeny
			})
			a.Spec.Egress = slices.DeleteFunc(a.Spec.Egress, func(r anp.AdminNetworkPolicyEgressRule) bool { return r.Action == anp.AdminNetworkPolicyRuleActionDeny })
		}, nil, "across tenants"},
		{"baseline denies every namespace", func(*anp.AdminNetworkPolicy) {}, []Object{{Obj: &anp.BaselineAdminNetworkPolicy{
			ObjectMeta: metav1.ObjectMeta{Name: baselineName},
			Spec: anp.BaselineAdminNetworkPolicySpec{
				Subject: anp.AdminNetworkPolicySubject{Namespaces: namesSelector([]string{"a1", "a2", "b1"})},
				Ingress: []anp.BaselineAdminNetworkPolicyIngressRule{{Name: "deny", Action: anp.BaselineAdminNetworkPolicyRuleActionDeny, From: []anp.AdminNetworkPolicyIngressPeer{{Namespaces: &metav1.LabelSelector{}}}}},
			},
		}}}, "within tenant alpha"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var mutated []Object
			for _, o := range objs {
				if a, ok := o.Obj.(*anp.AdminNetworkPolicy); ok {
					a = a.DeepCopy()
					c.mutate(a)
					o.Obj = a
				}
				mutated = append(mutated, o)
			}
			mutated = append(mutated, c.extra...)
			r := &recorder{TB: t}
			newAdminProof(r, snap, ten, mutated, nil).check(r)
			if !slices.ContainsFunc(r.failures, func(f string) bool { return strings.Contains(f, c.want) }) {
				t.Errorf("no failure containing %q in %q", c.want, r.failures)
			}
		})
	}
}

// harden refuses to write admin policies for a cluster that does not serve
// them, or whose own it could not read, or when they cannot fit or say
// what was asked.
func TestAdminNetworkErrors(t *testing.T) {
	gap := func(reason string) func(*snapshot.Snapshot) {
		return func(s *snapshot.Snapshot) {
			s.Gaps = append(s.Gaps, snapshot.Gap{Resource: "adminnetworkpolicies.policy.networking.k8s.io", Reason: reason})
		}
	}
	at := func(prio int32) func(*snapshot.Snapshot) {
		return func(s *snapshot.Snapshot) {
			s.AdminNetworkPolicies = append(s.AdminNetworkPolicies, anp.AdminNetworkPolicy{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("p%d", prio)},
				Spec: anp.AdminNetworkPolicySpec{Priority: prio, Subject: anp.AdminNetworkPolicySubject{Namespaces: &metav1.LabelSelector{}}}})
		}
	}
	for _, c := range []struct {
		name   string
		served bool
		change func(*snapshot.Snapshot)
		opts   Options
		want   string
	}{
		{"not shown", false, func(*snapshot.Snapshot) {}, Options{}, "nothing in the input shows that the cluster serves policy.networking.k8s.io/v1alpha1"},
		{"not served", true, gap("not served"), Options{}, "the cluster does not serve policy.networking.k8s.io/v1alpha1"},
		{"forbidden", true, gap("forbidden"), Options{}, "could not be read (forbidden)"},
		{"no priority left", false, at(1000), Options{}, "past the highest, 1000"},
		{"egress none, standard", true, func(*snapshot.Snapshot) {}, Options{Egress: EgressNone}, "needs the networks peers"},
		{"named port, standard", true, func(*snapshot.Snapshot) {}, Options{AllowFlows: []Flow{{Name: "f", From: Peer{Namespace: "a1"}, To: Peer{Namespace: "b1"}, Ports: []string{"http"}}}}, `port "http"`},
	} {
		t.Run(c.name, func(t *testing.T) {
			snap, ten := fixture(t)
			if c.served {
				snap = served(t, snap)
			}
			c.change(snap)
			opts := c.opts
			opts.AdminNetwork = true
			_, _, err := NetworkPlan(snap, ten, opts)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want one containing %q", err, c.want)
			}
		})
	}
}

// The cluster's own AdminNetworkPolicies, or its BaselineAdminNetworkPolicy
// alone, show that it serves the API; the plan's priorities come after
// the cluster's.
func TestAdminNetworkServedAndPriorities(t *testing.T) {
	for _, c := range []struct {
		name      string
		change    func(*snapshot.Snapshot)
		first     int32
		note      string
		baselines int
	}{
		{"crd", func(s *snapshot.Snapshot) {
			s.CustomResources = append(s.CustomResources, snapshot.CustomResource{Group: anpGroup, Resource: anpResource, Kind: "AdminNetworkPolicy", Versions: []string{anpVersion}})
		}, adminPriorityBase, "its CustomResourceDefinition", 1},
		{"policies", func(s *snapshot.Snapshot) {
			for _, p := range []int32{7, 3} {
				s.AdminNetworkPolicies = append(s.AdminNetworkPolicies, anp.AdminNetworkPolicy{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("p%d", p)},
					Spec: anp.AdminNetworkPolicySpec{Priority: p, Subject: anp.AdminNetworkPolicySubject{Namespaces: &metav1.LabelSelector{MatchLabels: map[string]string{"x": "y"}}}}})
			}
		}, 8, "2 AdminNetworkPolicies", 1},
		{"baseline", func(s *snapshot.Snapshot) {
			s.BaselineAdminNetworkPolicies = append(s.BaselineAdminNetworkPolicies, anp.BaselineAdminNetworkPolicy{ObjectMeta: metav1.ObjectMeta{Name: baselineName},
				Spec: anp.BaselineAdminNetworkPolicySpec{Subject: anp.AdminNetworkPolicySubject{Namespaces: &metav1.LabelSelector{MatchLabels: map[string]string{"x": "y"}}}}})
		}, adminPriorityBase, "a BaselineAdminNetworkPolicy", 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			snap, ten := fixture(t)
			c.change(snap)
			objs, notes := adminPlan(t, snap, ten, Options{})
			if !hasNote(notes, c.note) {
				t.Errorf("no note names %q: %q", c.note, notes)
			}
			var prios []int32
			baselines := 0
			for _, o := range objs {
				switch x := o.Obj.(type) {
				case *anp.AdminNetworkPolicy:
					prios = append(prios, x.Spec.Priority)
				case *anp.BaselineAdminNetworkPolicy:
					baselines++
				}
			}
			slices.Sort(prios)
			if want := []int32{c.first, c.first + 1}; !slices.Equal(prios, want) || baselines != c.baselines {
				t.Errorf("priorities %v and %d baselines, want %v and %d", prios, baselines, want, c.baselines)
			}
		})
	}
}

func TestNameSlug(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"alpha", "alpha"},
		{"Team_A", "team-a-"},
		{"team-a", "team-a"},
		{"__", ""},
		{strings.Repeat("x", 70), strings.Repeat("x", 40) + "-"},
	} {
		t.Run(c.in, func(t *testing.T) {
			got := nameSlug(c.in)
			if !strings.HasPrefix(got, c.want) || len(validation.IsDNS1123Label(got)) > 0 || len(got) > 49 {
				t.Errorf("nameSlug(%q) = %q, want a DNS label starting %q", c.in, got, c.want)
			}
		})
	}
	if nameSlug("Team_A") == nameSlug("team-a") || nameSlug("Team_A") == nameSlug("team_a") {
		t.Error("two tenants share a name")
	}
}

// An admin policy's manifest has no status: a controller writes it.
func TestAdminManifestStatus(t *testing.T) {
	snap, ten := servedFixture(t)
	objs, _ := adminPlan(t, snap, ten, Options{})
	for _, o := range objs {
		y, err := manifest(o.Obj)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(y, "status:") {
			t.Errorf("a status in:\n%s", y)
		}
	}
}

// A flow's port range is an AdminNetworkPolicy portRange.
func TestAdminFlowPortRange(t *testing.T) {
	port, err := parseFlowPort("UDP/3000-3010")
	if err != nil {
		t.Fatal(err)
	}
	got, err := (&adminWriter{}).flowPorts(parsedFlow{Flow: Flow{Name: "r"}, ports: []networkingv1.NetworkPolicyPort{port}})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].PortRange == nil || got[0].PortRange.Start != 3000 || got[0].PortRange.End != 3010 || got[0].PortRange.Protocol != corev1.ProtocolUDP {
		t.Errorf("ports %+v, want UDP 3000-3010 as a range", got)
	}
}
