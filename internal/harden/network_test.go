package harden

import (
	"bytes"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/yaml"

	"github.com/bulkhead-dev/bulkhead/examples"
	"github.com/bulkhead-dev/bulkhead/internal/finding"
	"github.com/bulkhead-dev/bulkhead/internal/load"
	"github.com/bulkhead-dev/bulkhead/internal/netpol"
	"github.com/bulkhead-dev/bulkhead/internal/scalegen"
	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
	"github.com/bulkhead-dev/bulkhead/internal/tenancy"
)

// renderNetwork writes a plan as the YAML documents to apply, each
// preceded by what it closes and why, then the notes.
func renderNetwork(t *testing.T, objs []Object, notes []string) string {
	t.Helper()
	var b strings.Builder
	for _, o := range objs {
		y, err := yaml.Marshal(o.Obj)
		if err != nil {
			t.Fatal(err)
		}
		b.WriteString("# " + string(o.Layer) + " " + o.Namespace + ": " + o.Why + "\n")
		if len(o.Closes) > 0 {
			b.WriteString("# closes " + strings.Join(o.Closes, ", ") + "\n")
		}
		b.WriteString(string(y) + "---\n")
	}
	for _, n := range notes {
		b.WriteString("# note: " + n + "\n")
	}
	return b.String()
}

func seedCluster(t *testing.T) (*snapshot.Snapshot, *tenancy.Tenancy) {
	t.Helper()
	snap, err := load.FS(examples.SeedCluster, "demo")
	if err != nil {
		t.Fatal(err)
	}
	snap.Normalize()
	ten, err := tenancy.Resolve(snap, tenancy.Config{})
	if err != nil {
		t.Fatal(err)
	}
	return snap, ten
}

// checkValid checks what the API server checks of a NetworkPolicy that
// bulkhead could get wrong: names, labels, selectors, ports and ipBlocks.
func checkValid(t *testing.T, objs []Object) {
	t.Helper()
	for _, o := range objs {
		np, ok := o.Obj.(*networkingv1.NetworkPolicy)
		if !ok {
			t.Errorf("%T: want a NetworkPolicy", o.Obj)
			continue
		}
		where := np.Namespace + "/" + np.Name
		if np.APIVersion != "networking.k8s.io/v1" || np.Kind != "NetworkPolicy" {
			t.Errorf("%s: TypeMeta %v", where, np.TypeMeta)
		}
		if errs := validation.IsDNS1123Subdomain(np.Name); len(errs) > 0 || !strings.HasPrefix(np.Name, namePrefix) {
			t.Errorf("%s: name: %v", where, errs)
		}
		if np.Namespace != o.Namespace || o.Layer != Network || o.Why == "" || np.Labels[ManagedByLabel] != ManagedBy || np.Annotations[ReasonAnnotation] != o.Why {
			t.Errorf("%s: object not stamped as harden's: %+v", where, np.ObjectMeta)
		}
		sels := []*metav1.LabelSelector{&np.Spec.PodSelector}
		var peers []networkingv1.NetworkPolicyPeer
		var ports []networkingv1.NetworkPolicyPort
		for _, r := range np.Spec.Ingress {
			peers, ports = append(peers, r.From...), append(ports, r.Ports...)
		}
		for _, r := range np.Spec.Egress {
			peers, ports = append(peers, r.To...), append(ports, r.Ports...)
		}
		for _, p := range peers {
			if p.PodSelector != nil {
				sels = append(sels, p.PodSelector)
			}
			if p.NamespaceSelector != nil {
				sels = append(sels, p.NamespaceSelector)
				for k := range p.NamespaceSelector.MatchLabels {
					if k == "name" {
						t.Errorf("%s: selects namespaces by a name label Kubernetes never sets", where)
					}
				}
			}
			if p.IPBlock != nil && (p.PodSelector != nil || p.NamespaceSelector != nil) {
				t.Errorf("%s: ipBlock with selectors in one peer", where)
			}
			if p.IPBlock != nil {
				checkIPBlock(t, where, p.IPBlock)
			}
		}
		for _, s := range sels {
			if _, err := metav1.LabelSelectorAsSelector(s); err != nil {
				t.Errorf("%s: selector %v: %v", where, s, err)
			}
		}
		for _, p := range ports {
			if p.Protocol == nil || p.Port == nil {
				t.Errorf("%s: port %v without protocol or port", where, p)
				continue
			}
			if p.Port.Type == intstr.String && len(validation.IsValidPortName(p.Port.StrVal)) > 0 ||
				p.Port.Type == intstr.Int && len(validation.IsValidPortNum(int(p.Port.IntVal))) > 0 {
				t.Errorf("%s: bad port %v", where, p.Port)
			}
		}
		if np.Spec.Ingress != nil && len(np.Spec.Ingress) == 0 || np.Spec.Egress != nil && len(np.Spec.Egress) == 0 {
			t.Errorf("%s: an empty rule list the API server drops", where)
		}
	}
}

func TestNetworkSeed(t *testing.T) {
	snap, ten := seedCluster(t)
	objs, notes, err := NetworkPlan(snap, ten, Options{})
	if err != nil {
		t.Fatal(err)
	}
	checkValid(t, objs)
	p := newProof(t, snap, ten, objs, nil)
	p.check(t)
	if n := p.crossTenantPairs(t, p.before); n == 0 {
		t.Errorf("the seed cluster has no cross-tenant pair before: the proof proves nothing")
	}
	if n := p.crossTenantPairs(t, p.after); n != 0 {
		t.Errorf("%d cross-tenant pairs after, want none", n)
	}
	// What stays is busybox: on the host network, no pod policy protects
	// it (BH-NET-008 says so). And egress: the demo has no DNS pods, so an
	// egress deny could not be proven to keep DNS, and a note says so.
	if !slices.ContainsFunc(notes, func(n string) bool { return strings.Contains(n, "egress is left open") }) {
		t.Errorf("no note says egress is left open without DNS pods: %q", notes)
	}
	after := netpol.Analyze(withPolicies(snap, objs), ten, netpol.DefaultOptions())
	for _, f := range after {
		switch f.ID {
		case netpol.IDCrossTenant:
			if !slices.Contains(f.Objects, finding.Ref{Kind: "Pod", Namespace: "default", Name: "busybox"}) {
				t.Errorf("after: %s %s %v", f.ID, f.Reason, f.Objects)
			}
		case netpol.IDNoDefaultIngress, netpol.IDDNSBlocked:
			t.Errorf("after: %s %s", f.ID, f.Reason)
		}
	}
	goldenLayer(t, "network", "seed.yaml", renderNetwork(t, objs, notes))
}

func TestNetworkFixture(t *testing.T) {
	snap, ten := fixture(t)
	flows := []Flow{{Name: "Billing API", From: Peer{Namespace: "a2", Pods: map[string]string{"app": "api"}}, To: Peer{Namespace: "b1", Pods: map[string]string{"app": "web"}}, Ports: []string{"8080"}}}
	objs, notes, err := NetworkPlan(snap, ten, Options{AllowFlows: flows})
	if err != nil {
		t.Fatal(err)
	}
	checkValid(t, objs)
	p := newProof(t, snap, ten, objs, flows)
	p.check(t)
	if n := p.crossTenantPairs(t, p.before); n == 0 {
		t.Errorf("the fixture has no cross-tenant pair before")
	}
	for _, c := range []struct {
		src, dst netpol.Endpoint
		port     int32
		proto    corev1.Protocol
		want     bool
	}{
		// the flow, and only on its port
		{netpol.Endpoint{Namespace: "a2", Pod: "api"}, netpol.Endpoint{Namespace: "b1", Pod: "web"}, 8080, corev1.ProtocolTCP, true},
		{netpol.Endpoint{Namespace: "a2", Pod: "api"}, netpol.Endpoint{Namespace: "b1", Pod: "web"}, 22, corev1.ProtocolTCP, false},
		// another tenant, on a port its existing policy allows from a1:
		// a1's egress now stops it
		{netpol.Endpoint{Namespace: "a1", Pod: "web"}, netpol.Endpoint{Namespace: "b1", Pod: "web"}, 8080, corev1.ProtocolTCP, false},
		// the tenant's two namespaces still talk
		{netpol.Endpoint{Namespace: "a2", Pod: "api"}, netpol.Endpoint{Namespace: "a1", Pod: "web"}, 8080, corev1.ProtocolTCP, true},
		// a1's database keeps its own policy: only a1's web on 5432
		{netpol.Endpoint{Namespace: "a1", Pod: "web"}, netpol.Endpoint{Namespace: "a1", Pod: "db"}, 5432, corev1.ProtocolTCP, true},
		{netpol.Endpoint{Namespace: "a2", Pod: "api"}, netpol.Endpoint{Namespace: "a1", Pod: "db"}, 5432, corev1.ProtocolTCP, false},
		// DNS on the pods' port, not the Service's, for the pods no
		// existing policy isolates for egress; a pod whose own egress
		// policy keeps it from DNS stays kept from it (nothing widened)
		{netpol.Endpoint{Namespace: "a2", Pod: "api"}, netpol.Endpoint{Namespace: "kube-system", Pod: "coredns-1"}, 5353, corev1.ProtocolUDP, true},
		{netpol.Endpoint{Namespace: "a2", Pod: "api"}, netpol.Endpoint{Namespace: "kube-system", Pod: "coredns-1"}, 5353, corev1.ProtocolTCP, true},
		{netpol.Endpoint{Namespace: "a2", Pod: "api"}, netpol.Endpoint{Namespace: "kube-system", Pod: "coredns-1"}, 9153, corev1.ProtocolTCP, false},
		{netpol.Endpoint{Namespace: "b1", Pod: "web"}, netpol.Endpoint{Namespace: "kube-system", Pod: "coredns-1"}, 5353, corev1.ProtocolUDP, false},
		{netpol.Endpoint{Namespace: "b1", Pod: "web"}, netpol.Endpoint{Namespace: "kube-system", Pod: "coredns-1"}, 5353, corev1.ProtocolTCP, false},
		// monitoring still scrapes what it did: a2's pods, not b1's web,
		// which b1's own policy isolates
		{netpol.Endpoint{Namespace: "monitoring", Pod: "prometheus"}, netpol.Endpoint{Namespace: "a2", Pod: "api"}, 8080, corev1.ProtocolTCP, true},
		{netpol.Endpoint{Namespace: "monitoring", Pod: "prometheus"}, netpol.Endpoint{Namespace: "b1", Pod: "web"}, 9090, corev1.ProtocolTCP, false},
		// the internet, but not the metadata service nor pods by address
		{netpol.Endpoint{Namespace: "a1", Pod: "web"}, netpol.Endpoint{IP: mustAddr("203.0.113.7")}, 443, corev1.ProtocolTCP, true},
		{netpol.Endpoint{Namespace: "a1", Pod: "web"}, netpol.Endpoint{IP: mustAddr("169.254.169.254")}, 80, corev1.ProtocolTCP, false},
		{netpol.Endpoint{Namespace: "a1", Pod: "web"}, netpol.Endpoint{Namespace: "monitoring", Pod: "prometheus"}, 9090, corev1.ProtocolTCP, false},
	} {
		v, err := p.after.Reach(c.src, c.dst, c.port, c.proto)
		if err != nil {
			t.Fatal(err)
		}
		if v.Allowed != c.want {
			t.Errorf("%s -> %s %s/%d: allowed %v, want %v\n%s", c.src, c.dst, c.proto, c.port, v.Allowed, c.want, strings.Join(v.Explain(), "\n"))
		}
	}
	goldenLayer(t, "network", "fixture.yaml", renderNetwork(t, objs, notes))
}

// A generated cluster of three tenants of five namespaces each, with
// their own default-deny, same-tenant, DNS and cross-tenant policies,
// AdminNetworkPolicies and the platform (CoreDNS, an ingress controller,
// monitoring).
func TestNetworkGenerated(t *testing.T) {
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
	objs, _, err := NetworkPlan(snap, ten, Options{})
	if err != nil {
		t.Fatal(err)
	}
	checkValid(t, objs)
	deny := 0
	for _, o := range objs {
		if o.Obj.(*networkingv1.NetworkPolicy).Name == "bulkhead-default-deny" {
			deny++
		}
	}
	if len(snap.Pods) < 3*scalegen.PodsPerTenant || deny != 3*scalegen.NamespacesPerTenant {
		t.Fatalf("%d pods, %d default-deny policies: not the cluster the test is about", len(snap.Pods), deny)
	}
	newProof(t, snap, ten, objs, nil).check(t)
	checkIdempotent(t, snap, ten, Options{}, objs)
}

// Planning again on the cluster with the plan applied writes the same
// objects (applying them changes nothing) and nothing else; planning
// twice gives the same bytes.
func TestNetworkIdempotent(t *testing.T) {
	for _, c := range []struct {
		name string
		in   func(*testing.T) (*snapshot.Snapshot, *tenancy.Tenancy)
		opts Options
	}{
		{"seed", seedCluster, Options{}},
		{"fixture", fixture, Options{Egress: EgressNone, AllowFlows: []Flow{{Name: "x", From: Peer{Namespace: "b1"}, To: Peer{Namespace: "a1"}}}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			snap, ten := c.in(t)
			objs, _, err := NetworkPlan(snap, ten, c.opts)
			if err != nil {
				t.Fatal(err)
			}
			checkIdempotent(t, snap, ten, c.opts, objs)
		})
	}
}

func checkIdempotent(t *testing.T, snap *snapshot.Snapshot, ten *tenancy.Tenancy, opts Options, objs []Object) {
	t.Helper()
	_, notes, err := NetworkPlan(snap, ten, opts)
	if err != nil {
		t.Fatal(err)
	}
	first := renderNetwork(t, objs, notes)
	again, againNotes, err := NetworkPlan(snap, ten, opts)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(first, renderNetwork(t, again, againNotes)); d != "" {
		t.Errorf("a second plan differs (-first +second):\n%s", d)
	}
	hardened, hardenedNotes, err := NetworkPlan(withPolicies(snap, objs), ten, opts)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(first, renderNetwork(t, hardened, hardenedNotes)); d != "" {
		t.Errorf("the plan of the hardened cluster differs (-plan +plan after applying it):\n%s", d)
	}
}

func TestNetworkOptionErrors(t *testing.T) {
	snap, ten := seedCluster(t)
	for _, c := range []struct {
		name string
		opts Options
		want string
	}{
		{"egress", Options{Egress: "everywhere"}, `egress "everywhere"`},
		{"admin", Options{AdminNetwork: true}, "nothing in the input shows that the cluster serves"},
		{"flow name", Options{AllowFlows: []Flow{{Name: "--", From: Peer{Namespace: "a"}, To: Peer{Namespace: "b"}}}}, "needs a name"},
		{"flow namespace", Options{AllowFlows: []Flow{{Name: "f", From: Peer{Namespace: "A_B"}, To: Peer{Namespace: "b"}}}}, `namespace "A_B"`},
		{"flow labels", Options{AllowFlows: []Flow{{Name: "f", From: Peer{Namespace: "a", Pods: map[string]string{"app": "a b"}}, To: Peer{Namespace: "b"}}}}, "pods of a"},
		{"flow port", Options{AllowFlows: []Flow{{Name: "f", From: Peer{Namespace: "a"}, To: Peer{Namespace: "b"}, Ports: []string{"70000"}}}}, "out of 1-65535"},
		{"flow protocol", Options{AllowFlows: []Flow{{Name: "f", From: Peer{Namespace: "a"}, To: Peer{Namespace: "b"}, Ports: []string{"ICMP/1"}}}}, "protocol must be"},
		{"flow port range backwards", Options{AllowFlows: []Flow{{Name: "f", From: Peer{Namespace: "a"}, To: Peer{Namespace: "b"}, Ports: []string{"TCP/8100-8000"}}}}, "a range is START-END"},
		{"flow twice", Options{AllowFlows: []Flow{{Name: "f!", From: Peer{Namespace: "a"}, To: Peer{Namespace: "b"}}, {Name: "F", From: Peer{Namespace: "a"}, To: Peer{Namespace: "b"}}}}, "would have the name"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, _, err := NetworkPlan(snap, ten, c.opts)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want one containing %q", err, c.want)
			}
		})
	}
}

// An ingress controller on the host network (bare metal) reaches the
// tenants from its node's address, which no namespace selector matches:
// the tenants' new ingress policies admit that address, and nothing else
// of the node's network gets through. Without its address in the input,
// a note says what to add.
func TestNetworkPlatformHostNetwork(t *testing.T) {
	for _, known := range []bool{true, false} {
		t.Run(fmt.Sprintf("address known %v", known), func(t *testing.T) {
			snap, _ := fixture(t)
			snap.Namespaces = append(snap.Namespaces, fixtureNS("ingress", nil))
			ip := ""
			if known {
				ip = "10.0.0.7"
			}
			snap.Pods = append(snap.Pods, fixturePod(podSpec{ns: "ingress", name: "controller", ip: ip, node: "n2", labels: map[string]string{"app": "ingress"}, host: true}))
			ten, err := tenancy.Resolve(snap, tenancy.Config{Label: "tenant", PlatformNamespaces: []string{"monitoring", "ingress"}})
			if err != nil {
				t.Fatal(err)
			}
			objs, notes, err := NetworkPlan(snap, ten, Options{})
			if err != nil {
				t.Fatal(err)
			}
			checkValid(t, objs)
			p := newProof(t, snap, ten, objs, nil)
			controller := netpol.Endpoint{Namespace: "ingress", Pod: "controller"}
			api := netpol.Endpoint{Namespace: "a2", Pod: "api"}
			v, err := p.after.Reach(controller, api, 8080, corev1.ProtocolTCP)
			if err != nil {
				t.Fatal(err)
			}
			if v.Allowed != known {
				t.Errorf("ingress controller -> a2/api after: allowed %v, want %v\n%s", v.Allowed, known, strings.Join(v.Explain(), "\n"))
			}
			noted := slices.ContainsFunc(notes, func(n string) bool { return strings.Contains(n, "ingress/controller is on the host network") })
			if noted == known {
				t.Errorf("a note about the controller's unknown address: %v, want %v (%q)", noted, !known, notes)
			}
			// Another host-network pod, of a tenant, on another node: still refused.
			if known {
				v, err := p.after.Reach(netpol.Endpoint{IP: mustAddr("10.0.0.8")}, api, 8080, corev1.ProtocolTCP)
				if err != nil {
					t.Fatal(err)
				}
				if v.Allowed {
					t.Errorf("another address of the node network gets through after")
				}
			}
		})
	}
}

// The node addresses of host-network pods are written as the fewest exact
// prefixes (collapse).
func TestCollapseNodeAddresses(t *testing.T) {
	pfx := func(ss ...string) []netip.Prefix {
		var out []netip.Prefix
		for _, s := range ss {
			out = append(out, netip.MustParsePrefix(s))
		}
		return out
	}
	for _, c := range []struct {
		in, want []netip.Prefix
	}{
		{pfx("10.0.0.7/32"), pfx("10.0.0.7/32")},
		{pfx("10.0.0.0/32", "10.0.0.1/32"), pfx("10.0.0.0/31")},
		{pfx("10.0.0.1/32", "10.0.0.2/32"), pfx("10.0.0.1/32", "10.0.0.2/32")}, // not one aligned block
		{pfx("10.0.0.0/32", "10.0.0.1/32", "10.0.0.2/32", "10.0.0.3/32", "10.0.0.5/32"), pfx("10.0.0.0/30", "10.0.0.5/32")},
		{pfx("fd00::1/128", "fd00::/128"), pfx("fd00::/127")},
		{pfx("10.0.0.1/32", "10.0.0.1/32"), pfx("10.0.0.1/32")},
	} {
		if got := collapse(c.in); !slices.Equal(got, c.want) {
			t.Errorf("collapse(%v) = %v, want %v", c.in, got, c.want)
		}
	}
}

// The reason of the egress allow names only what its blocks leave out.
func TestExceptsOf(t *testing.T) {
	empty := &snapshot.Snapshot{}
	ten, err := tenancy.Resolve(empty, tenancy.Config{})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, got := internetBlocks(empty, ten); got != "the metadata service" {
		t.Errorf("no ranges known: %q", got)
	}
	snap, ten := fixture(t)
	if _, _, got := internetBlocks(snap, ten); got != "the metadata service, the pod range or the service range" {
		t.Errorf("the fixture: %q", got)
	}
}

// --egress none adds no egress to the internet, and says which policies
// of the tenants' own still allow it: harden removes none.
func TestEgressNoneKeptPolicies(t *testing.T) {
	snap, ten := fixture(t)
	_, notes, err := NetworkPlan(snap, ten, Options{Egress: EgressNone})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(notes, func(n string) bool {
		return strings.Contains(n, "NetworkPolicy b1/egress-vpc of the tenant allows egress")
	}) {
		t.Errorf("no note of b1's own egress policy: %q", notes)
	}
	_, notes, err = NetworkPlan(snap, ten, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if slices.ContainsFunc(notes, func(n string) bool { return strings.Contains(n, "--egress none") }) {
		t.Errorf("a note of --egress none without it: %q", notes)
	}
}

// A flow into a namespace the cluster does not have writes no policy: it
// could not be applied, and the proof would take it for a tenant.
func TestFlowToMissingNamespace(t *testing.T) {
	snap, ten := fixture(t)
	flows := []Flow{{Name: "nowhere", From: Peer{Namespace: "a1"}, To: Peer{Namespace: "nosuch"}, Ports: []string{"8080"}}}
	objs, notes, err := NetworkPlan(snap, ten, Options{AllowFlows: flows})
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range objs {
		if o.Namespace == "nosuch" || strings.Contains(objectName(o.Obj), "flow-nowhere") {
			t.Errorf("a policy of the flow into a missing namespace: %s/%s", o.Namespace, objectName(o.Obj))
		}
	}
	if !slices.ContainsFunc(notes, func(n string) bool {
		return strings.Contains(n, `flow "nowhere" names a namespace the input does not have`)
	}) {
		t.Errorf("no note of the flow: %q", notes)
	}
}

// A flow's port range is written as port and endPort, and lets through
// its ports only.
func TestFlowPortRange(t *testing.T) {
	snap, ten := fixture(t)
	flows := []Flow{{Name: "range", From: Peer{Namespace: "a2", Pods: map[string]string{"app": "api"}}, To: Peer{Namespace: "b1", Pods: map[string]string{"app": "web"}}, Ports: []string{"TCP/8000-8100"}}}
	objs, _, err := NetworkPlan(snap, ten, Options{AllowFlows: flows})
	if err != nil {
		t.Fatal(err)
	}
	checkValid(t, objs)
	p := newProof(t, snap, ten, objs, flows)
	for _, c := range []struct {
		port int32
		want bool
	}{{8080, true}, {8000, true}, {8100, true}, {8101, false}, {22, false}} {
		v, err := p.after.Reach(netpol.Endpoint{Namespace: "a2", Pod: "api"}, netpol.Endpoint{Namespace: "b1", Pod: "web"}, c.port, corev1.ProtocolTCP)
		if err != nil {
			t.Fatal(err)
		}
		if v.Allowed != c.want {
			t.Errorf("port %d: allowed %v, want %v", c.port, v.Allowed, c.want)
		}
	}
}

// TestNetworkHostPodsGrouped: a DaemonSet's host-network pods, one a
// node, make one note for the DaemonSet, not one a node (a thousand on a
// big cluster); a lone host-network pod keeps its own.
func TestNetworkHostPodsGrouped(t *testing.T) {
	snap, ten := fixture(t)
	for i, node := range []string{"n1", "n2", "n3"} {
		p := fixturePod(podSpec{ns: "a1", name: fmt.Sprintf("agent-%d", i), ip: fmt.Sprintf("10.0.0.%d", 20+i), node: node, host: true})
		p.OwnerReferences = []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "DaemonSet", Name: "agent", UID: "u", Controller: ptr.To(true)}}
		snap.Pods = append(snap.Pods, p)
	}
	snap.Pods = append(snap.Pods, fixturePod(podSpec{ns: "a1", name: "solo", ip: "10.0.0.30", node: "n1", host: true}))
	snap.Normalize()
	_, notes, err := NetworkPlan(snap, ten, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var host []string
	for _, n := range notes {
		if strings.Contains(n, "on the host network") {
			host = append(host, n)
		}
	}
	want := []string{
		"network: the 3 pods of DaemonSet/agent in a1 are on the host network: pod policy does not cover them, and the tenant's pods now refuse their connections unless they come from their own node (BH-NET-008)",
		"network: pod a1/solo is on the host network: pod policy does not cover it, and the tenant's pods now refuse its connections unless they come from its own node (BH-NET-008)",
		"network: pod a2/agent is on the host network: pod policy does not cover it, and the tenant's pods now refuse its connections unless they come from its own node (BH-NET-008)",
	}
	if d := cmp.Diff(want, host); d != "" {
		t.Errorf("host-network notes (-want +got):\n%s", d)
	}
}

// TestAPIServerKept: the API server stays reachable from every pod that
// reached it (egress to its endpoints and to its cluster IP, with or
// without egress outside the cluster, wherever its address sits), and it
// still reaches the webhooks a tenant namespace serves; a pod whose own
// egress policy keeps it from the API server stays kept from it.
func TestAPIServerKept(t *testing.T) {
	for _, c := range []struct {
		name, endpoint string
		egress         Egress
	}{
		{"node network, egress none", "192.168.1.10", EgressNone},
		{"in the pod range, egress outside the cluster", "10.244.1.200", EgressInternet},
	} {
		t.Run(c.name, func(t *testing.T) {
			snap, ten := fixture(t)
			snap.Services = append(snap.Services, corev1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "kubernetes"},
				Spec: corev1.ServiceSpec{ClusterIP: "10.96.0.1", Ports: []corev1.ServicePort{{Name: "https", Port: 443, TargetPort: intstr.FromInt32(6443), Protocol: corev1.ProtocolTCP}}}})
			// a1 serves an admission webhook on 9443, behind a Service
			snap.Services = append(snap.Services, corev1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: "a1", Name: "webhook"},
				Spec: corev1.ServiceSpec{Selector: map[string]string{"app": "web"}, Ports: []corev1.ServicePort{{Port: 443, TargetPort: intstr.FromInt32(9443)}}}})
			snap.Endpoints = append(snap.Endpoints, corev1.Endpoints{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "kubernetes"},
				Subsets: []corev1.EndpointSubset{{Addresses: []corev1.EndpointAddress{{IP: c.endpoint}}, Ports: []corev1.EndpointPort{{Name: "https", Port: 6443, Protocol: corev1.ProtocolTCP}}}}})
			objs, notes, err := NetworkPlan(snap, ten, Options{Egress: c.egress})
			if err != nil {
				t.Fatal(err)
			}
			checkValid(t, objs)
			if slices.ContainsFunc(notes, func(n string) bool { return strings.Contains(n, "default/kubernetes") }) {
				t.Errorf("a note that the API server is missing: %q", notes)
			}
			p := newProof(t, snap, ten, objs, nil)
			api := mustAddr(c.endpoint)
			for _, r := range []struct {
				src, dst netpol.Endpoint
				port     int32
				want     bool
			}{
				{netpol.Endpoint{Namespace: "a1", Pod: "web"}, netpol.Endpoint{IP: api}, 6443, true},
				{netpol.Endpoint{Namespace: "a2", Pod: "api"}, netpol.Endpoint{IP: mustAddr("10.96.0.1")}, 443, true},
				{netpol.Endpoint{Namespace: "a1", Pod: "web"}, netpol.Endpoint{IP: api}, 22, c.egress == EgressInternet && !strings.HasPrefix(c.endpoint, "10.244.")},
				// the API server calls a webhook served in a1, on the
				// Service's port only
				{netpol.Endpoint{IP: api}, netpol.Endpoint{Namespace: "a1", Pod: "web"}, 9443, true},
				{netpol.Endpoint{IP: api}, netpol.Endpoint{Namespace: "a1", Pod: "web"}, 22, false},
				// b1's own egress policy allows its VPC range only
				{netpol.Endpoint{Namespace: "b1", Pod: "web"}, netpol.Endpoint{IP: api}, 6443, false},
			} {
				v, err := p.after.Reach(r.src, r.dst, r.port, corev1.ProtocolTCP)
				if err != nil {
					t.Fatal(err)
				}
				if v.Allowed != r.want {
					t.Errorf("%s -> %s TCP/%d: allowed %v, want %v\n%s", r.src, r.dst, r.port, v.Allowed, r.want, strings.Join(v.Explain(), "\n"))
				}
			}
			checks := checkNothingBroke(snap, ten, p.before, p.after)
			if checks.APIPods == 0 || len(checks.API) > 0 {
				t.Errorf("API server check: %d pods compared, broken %v", checks.APIPods, checks.API)
			}
		})
	}
}

// TestNodeLocalDNSKept: with NodeLocal DNSCache, pods query its addresses
// (the link-local one and the DNS Service's cluster IP it takes over),
// which no pod selector names: the DNS allow names them, even with
// --egress none, and the check holds it.
func TestNodeLocalDNSKept(t *testing.T) {
	snap, ten := fixture(t)
	snap.Pods = append(snap.Pods, corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "kube-system", Name: "node-local-dns-x1"},
		Spec: corev1.PodSpec{HostNetwork: true, NodeName: "node1", Containers: []corev1.Container{{Name: "node-cache", Image: "k8s-dns-node-cache",
			Args: []string{"-localip", "169.254.20.10,10.96.0.10", "-conf", "/etc/Corefile"}}}},
		Status: corev1.PodStatus{Phase: corev1.PodRunning, PodIP: "192.168.1.10"}})
	objs, _, err := NetworkPlan(snap, ten, Options{Egress: EgressNone})
	if err != nil {
		t.Fatal(err)
	}
	checkValid(t, objs)
	p := newProof(t, snap, ten, objs, nil)
	for _, dst := range []string{"169.254.20.10", "10.96.0.10"} {
		for _, proto := range []corev1.Protocol{corev1.ProtocolUDP, corev1.ProtocolTCP} {
			v, err := p.after.Reach(netpol.Endpoint{Namespace: "a1", Pod: "web"}, netpol.Endpoint{IP: mustAddr(dst)}, 53, proto)
			if err != nil {
				t.Fatal(err)
			}
			if !v.Allowed {
				t.Errorf("a1/web -> %s %s/53 denied:\n%s", dst, proto, strings.Join(v.Explain(), "\n"))
			}
		}
	}
	if c := checkNothingBroke(snap, ten, p.before, p.after); len(c.DNS) > 0 {
		t.Errorf("DNS check: %v", c.DNS)
	}
	// Without the allow, the check catches it.
	var without []Object
	for _, o := range objs {
		if np, ok := o.Obj.(*networkingv1.NetworkPolicy); ok && np.Name == "bulkhead-allow-dns" {
			continue
		}
		without = append(without, o)
	}
	q := newProof(t, snap, ten, without, nil)
	if c := checkNothingBroke(snap, ten, q.before, q.after); !slices.ContainsFunc(c.DNS, func(b Broken) bool { return b.To == "NodeLocal DNSCache" }) {
		t.Errorf("no NodeLocal DNSCache breakage caught without the allow: %v", c.DNS)
	}
}

// TestNodeLocalTemplateNoted: a NodeLocal DNSCache whose -localip was never
// filled in (the upstream template's placeholders) is a note, not silence.
func TestNodeLocalTemplateNoted(t *testing.T) {
	snap, ten := fixture(t)
	snap.DaemonSets = append(snap.DaemonSets, appsv1.DaemonSet{ObjectMeta: metav1.ObjectMeta{Namespace: "kube-system", Name: "node-local-dns"},
		Spec: appsv1.DaemonSetSpec{Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{HostNetwork: true, Containers: []corev1.Container{{Name: "node-cache", Image: "k8s-dns-node-cache",
			Args: []string{"-localip", "__PILLAR__LOCAL__DNS__,__PILLAR__DNS__SERVER__"}}}}}}})
	_, notes, err := NetworkPlan(snap, ten, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(notes, func(n string) bool { return strings.Contains(n, `"__PILLAR__LOCAL__DNS__", which is no address`) }) {
		t.Errorf("no note of the template: %q", notes)
	}
}
