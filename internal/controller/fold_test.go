package controller

import (
	"os"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/bulkhead-dev/bulkhead/internal/cli"
	"github.com/bulkhead-dev/bulkhead/internal/harden"
	"github.com/bulkhead-dev/bulkhead/internal/load"
	"github.com/bulkhead-dev/bulkhead/internal/netpol"
	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
	"github.com/bulkhead-dev/bulkhead/internal/tenancy"
)

func TestFold(t *testing.T) {
	port := intstr.FromInt32(53)
	policy := func(name string, sel metav1.LabelSelector, types []networkingv1.PolicyType, in []networkingv1.NetworkPolicyIngressRule, eg []networkingv1.NetworkPolicyEgressRule) *networkingv1.NetworkPolicy {
		return &networkingv1.NetworkPolicy{
			ObjectMeta: metav1.ObjectMeta{Namespace: "a", Name: name, Labels: map[string]string{harden.ManagedByLabel: harden.ManagedBy},
				Annotations: map[string]string{harden.ReasonAnnotation: name + " why"}},
			Spec: networkingv1.NetworkPolicySpec{PodSelector: sel, PolicyTypes: types, Ingress: in, Egress: eg},
		}
	}
	ingress, egress := networkingv1.PolicyTypeIngress, networkingv1.PolicyTypeEgress
	fromAll := []networkingv1.NetworkPolicyIngressRule{{}}
	toDNS := []networkingv1.NetworkPolicyEgressRule{{Ports: []networkingv1.NetworkPolicyPort{{Port: &port}}}}
	toAll := []networkingv1.NetworkPolicyEgressRule{{}}
	some := metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}}
	deny := policy("bulkhead-default-deny", metav1.LabelSelector{}, []networkingv1.PolicyType{ingress, egress}, nil, nil)
	deny.Annotations[harden.ClosesAnnotation] = "BH-NET-002,BH-NET-001"
	dns := policy("bulkhead-allow-dns", metav1.LabelSelector{}, []networkingv1.PolicyType{egress}, nil, toDNS)
	dns.Annotations[harden.ClosesAnnotation] = "BH-NET-005"
	for _, tc := range []struct {
		name       string
		in         []*networkingv1.NetworkPolicy
		taken      []string
		wantNames  []string
		wantFolds  []string
		wantTypes  []networkingv1.PolicyType
		wantIn     []networkingv1.NetworkPolicyIngressRule
		wantEg     []networkingv1.NetworkPolicyEgressRule
		wantCloses string
	}{
		{
			name: "every policy selects every pod",
			in: []*networkingv1.NetworkPolicy{dns, policy("bulkhead-allow-egress", metav1.LabelSelector{}, []networkingv1.PolicyType{egress}, nil, toAll),
				policy("bulkhead-allow-ingress", metav1.LabelSelector{}, []networkingv1.PolicyType{ingress}, fromAll, nil), deny},
			wantNames: []string{BaselinePolicy},
			wantFolds: []string{"bulkhead-allow-dns", "bulkhead-allow-egress", "bulkhead-allow-ingress", "bulkhead-default-deny"},
			wantTypes: []networkingv1.PolicyType{ingress, egress}, wantIn: fromAll, wantEg: append(slices.Clone(toDNS), toAll...),
			wantCloses: "BH-NET-001,BH-NET-002,BH-NET-005",
		},
		{
			name:      "an allow for some pods only is kept",
			in:        []*networkingv1.NetworkPolicy{dns, policy("bulkhead-allow-ingress", some, []networkingv1.PolicyType{ingress}, fromAll, nil), deny},
			wantNames: []string{BaselinePolicy, "bulkhead-allow-ingress"},
			wantFolds: []string{"bulkhead-allow-dns", "bulkhead-default-deny"},
			wantTypes: []networkingv1.PolicyType{ingress, egress}, wantEg: toDNS, wantCloses: "BH-NET-001,BH-NET-002,BH-NET-005",
		},
		{
			name: "rules of a direction a policy does not isolate stay out",
			in: []*networkingv1.NetworkPolicy{policy("bulkhead-x", metav1.LabelSelector{}, []networkingv1.PolicyType{ingress}, fromAll, toAll),
				policy("bulkhead-y", metav1.LabelSelector{}, nil, nil, toDNS)},
			wantNames: []string{BaselinePolicy},
			wantFolds: []string{"bulkhead-x", "bulkhead-y"},
			// y's policyTypes default to Ingress and Egress (it has egress
			// rules), x's egress rule is not in force.
			wantTypes: []networkingv1.PolicyType{ingress, egress}, wantIn: fromAll, wantEg: toDNS,
		},
		{
			name:      "the name is taken by a user's policy",
			in:        []*networkingv1.NetworkPolicy{deny},
			taken:     []string{BaselinePolicy, BaselinePolicy + "-x2"},
			wantNames: []string{BaselinePolicy + "-x3"},
			wantFolds: []string{"bulkhead-default-deny"},
			wantTypes: []networkingv1.PolicyType{ingress, egress}, wantCloses: "BH-NET-001,BH-NET-002",
		},
		{
			name:      "nothing selects every pod",
			in:        []*networkingv1.NetworkPolicy{policy("bulkhead-allow-ingress", some, []networkingv1.PolicyType{ingress}, fromAll, nil)},
			wantNames: []string{"bulkhead-allow-ingress"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, folds := fold("a", tc.in, func(name string) bool { return slices.Contains(tc.taken, name) })
			var names []string
			for _, np := range got {
				names = append(names, np.Name)
			}
			if d := cmp.Diff(tc.wantNames, names); d != "" {
				t.Errorf("names (-want +got):\n%s", d)
			}
			if d := cmp.Diff(tc.wantFolds, folds); d != "" {
				t.Errorf("folds (-want +got):\n%s", d)
			}
			if len(tc.wantFolds) == 0 {
				return
			}
			m := got[0]
			if d := cmp.Diff(tc.wantTypes, m.Spec.PolicyTypes); d != "" {
				t.Errorf("policyTypes (-want +got):\n%s", d)
			}
			if d := cmp.Diff(tc.wantIn, m.Spec.Ingress); d != "" {
				t.Errorf("ingress (-want +got):\n%s", d)
			}
			if d := cmp.Diff(tc.wantEg, m.Spec.Egress); d != "" {
				t.Errorf("egress (-want +got):\n%s", d)
			}
			if m.Labels[harden.ManagedByLabel] != harden.ManagedBy || m.Namespace != "a" {
				t.Errorf("not harden's, or not in a: %v %s", m.Labels, m.Namespace)
			}
			if got := m.Annotations[harden.ClosesAnnotation]; got != tc.wantCloses {
				t.Errorf("closes %q, want %q", got, tc.wantCloses)
			}
			if m.Annotations[harden.ReasonAnnotation] == "" || m.Annotations[FoldsAnnotation] == "" {
				t.Errorf("no reason or folds annotation: %v", m.Annotations)
			}
		})
	}
}

// TestFoldAllowsWhatHardenAllows applies to a cluster the policies harden
// writes, and, to the same cluster, the baseline the controller keeps
// (folded): the network model of both allows exactly the same ports
// between every two pods and between every pod and every outside range.
func TestFoldAllowsWhatHardenAllows(t *testing.T) {
	demo, err := cli.Demo()
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile("testdata/fold-cluster.yaml")
	if err != nil {
		t.Fatal(err)
	}
	mixed := &snapshot.Snapshot{Source: "testdata/fold-cluster.yaml"}
	load.Bytes(mixed, "testdata/fold-cluster.yaml", data)
	for _, tc := range []struct {
		name  string
		snap  *snapshot.Snapshot
		opts  Options
		folds int // namespaces whose policies fold into fewer
	}{
		{"demo", demo, Options{}, 4},
		{"policies for some pods, a platform, a host-network pod", mixed,
			Options{Tenancy: tenancy.Config{Label: "tenant", PlatformNamespaces: []string{"monitoring"}}}, 3},
		{"egress isolated without the internet", mixed,
			Options{Tenancy: tenancy.Config{Label: "tenant", PlatformNamespaces: []string{"monitoring"}}, Harden: harden.Options{Egress: harden.EgressNone}}, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opts, err := tc.opts.withDefaults()
			if err != nil {
				t.Fatal(err)
			}
			view := snapshot.NewStore(tc.snap).View()
			plan, _, err := buildPlan(view, opts)
			if err != nil {
				t.Fatal(err)
			}
			var hardens, kept []*networkingv1.NetworkPolicy
			for _, o := range plan.Objects {
				if np, ok := o.Obj.(*networkingv1.NetworkPolicy); ok {
					hardens = append(hardens, np)
				}
			}
			folded := 0
			for _, d := range split(plan, takenNames(view)) {
				kept = append(kept, d.Policies...)
				if len(d.Folds) > 1 {
					folded++
				}
			}
			if folded != tc.folds || len(kept) >= len(hardens) {
				t.Fatalf("%d namespaces folded (want %d): %d policies kept for harden's %d", folded, tc.folds, len(kept), len(hardens))
			}
			want, got := allowed(t, tc.snap, hardens), allowed(t, tc.snap, kept)
			if len(want) == 0 {
				t.Fatal("nothing allowed at all")
			}
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("the folded baseline allows otherwise than harden's policies (-harden +folded):\n%s", d)
			}
		})
	}
}

// allowed is what the network model of snap with policies added allows:
// per ordered pair of pods, or of a pod and an outside range, its ports.
func allowed(t *testing.T, snap *snapshot.Snapshot, policies []*networkingv1.NetworkPolicy) map[string]string {
	t.Helper()
	store := snapshot.NewStore(snap)
	for _, np := range policies {
		if _, err := store.Apply(np.DeepCopy()); err != nil {
			t.Fatal(err)
		}
	}
	m := netpol.Compile(store.View(), netpol.DefaultOptions())
	out := map[string]string{}
	for _, c := range m.PodMatrix().Allowed {
		out[c.From+" -> "+c.To] = netpol.FormatPorts(c.Ports)
	}
	classes := m.Classes()
	m.EachReachable(func(src, dst netpol.ClassID) bool {
		s, d := &classes[src], &classes[dst]
		if !s.IsExternal() && !d.IsExternal() {
			return true // pod pairs are in the pod matrix
		}
		for _, from := range members(s) {
			for _, to := range members(d) {
				out[from+" -> "+to] = netpol.FormatPorts(m.Ports(src, dst))
			}
		}
		return true
	})
	return out
}

func members(c *netpol.Class) []string {
	if c.IsExternal() {
		return []string{c.External}
	}
	return c.Pods
}
