package admission_test

import (
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/bulkhead-dev/bulkhead/internal/analysis"
	"github.com/bulkhead-dev/bulkhead/internal/attackpath"
	"github.com/bulkhead-dev/bulkhead/internal/finding"
	"github.com/bulkhead-dev/bulkhead/internal/node"
	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
	"github.com/bulkhead-dev/bulkhead/internal/tenancy"
)

// walls is the isolation of a cluster as the audit judges it: every
// ordered pair of tenants, "a → b", with whether it is breached and the
// witness of a breach, the tenants that escape to a node (their cell
// toward the cluster's own tenant has the node layer), and the ways to a
// node the cluster holds, by tenant: "T: NS/POD → NODE" for a pod that
// escapes to its node, "T: NS → *" for a namespace whose Pod Security
// admits one that does; and its pods, "NS/POD".
type walls struct {
	breached map[string]bool
	witness  map[string]*attackpath.Path
	escapes  map[string]bool
	ways     map[string]bool
	pods     map[string]bool
	ten      *tenancy.Tenancy
}

// throughEarlierEscape reports whether a witness crosses from its source
// tenant into another at a node it reached through one of the ways there
// that the tenant held before, into a pod that is not one of the pods
// that ran before (the pod the change placed there). A witness is the
// most severe path, so it may detour through an escape and back into its
// own tenant before it crosses by another way (a binding), or cross into
// a pod that was there already and only changed tenant or labels: those
// breaches are not excused.
func throughEarlierEscape(p *attackpath.Path, ways, pods map[string]bool, ten *tenancy.Tenancy) bool {
	if p == nil {
		return false
	}
	escaped := false
	for _, h := range p.Hops {
		switch h.Type {
		case attackpath.EscapesToNode:
			escaped = escaped || ways[p.From+": "+h.From.Namespace+"/"+h.From.Name+" → "+h.To.Name]
		case attackpath.PrivilegedPod:
			escaped = escaped || ways[p.From+": "+h.From.Namespace+" → *"]
		}
		if h.To.Namespace != "" && ten.Of(h.To.Namespace) != p.From {
			return escaped && h.From.Kind == attackpath.Node && h.To.Kind == attackpath.Pod && !pods[h.To.Namespace+"/"+h.To.Name]
		}
	}
	return false
}

// breaches analyses the cluster of st as the audit does.
func breaches(t *testing.T, tc tenancy.Config, st *snapshot.Store) walls {
	t.Helper()
	view := st.View()
	node.DropRefused(view)
	ten, err := tenancy.Resolve(view, tc)
	if err != nil {
		t.Fatal(err)
	}
	facts := analysis.NewFacts(view, ten)
	x := facts.Graph().Matrix()
	w := walls{breached: make(map[string]bool, len(x.Cells)), witness: map[string]*attackpath.Path{}, escapes: map[string]bool{}, ways: map[string]bool{}, pods: map[string]bool{}, ten: ten}
	for i := range x.Cells {
		c := &x.Cells[i]
		if c.Target == tenancy.Cluster && slices.Contains(c.Layers, finding.Node) {
			w.escapes[c.Source] = true
		}
		if c.Source == tenancy.Cluster || c.Target == tenancy.Cluster || c.Platform {
			continue
		}
		pair := c.Source + " → " + c.Target
		w.breached[pair] = c.Breached()
		w.witness[pair] = c.Witness
	}
	for i := range view.Pods {
		w.pods[view.Pods[i].Namespace+"/"+view.Pods[i].Name] = true
	}
	wl := facts.Workload()
	for i := range wl.Pods {
		f := &wl.Pods[i]
		if !f.EscapesToNode() {
			continue
		}
		nodes := f.Placement.Nodes
		if f.Placement.Anywhere {
			nodes = []string{attackpath.AnyNode}
		}
		for _, n := range nodes {
			w.ways[f.Tenant+": "+view.Pods[i].Namespace+"/"+view.Pods[i].Name+" → "+n] = true
		}
	}
	for _, ns := range wl.Unenforced() {
		w.ways[ns.Tenant+": "+ns.Namespace+" → *"] = true
	}
	return w
}

// TestHoldExcusesOnlyEarlierEscapes: the one breach TestHold excuses is
// a pod placed beside a pod that already escaped to its node; a breach
// of the same tenant pair by any other way (here a Role granting the
// escaping tenant's account another's secrets) still counts.
func TestHoldExcusesOnlyEarlierEscapes(t *testing.T) {
	privileged := true
	pod := func(ns, name, node string, escapes bool) *corev1.Pod {
		p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
			Spec:   corev1.PodSpec{NodeName: node, ServiceAccountName: "default", Containers: []corev1.Container{{Name: "c", Image: "x"}}},
			Status: corev1.PodStatus{Phase: corev1.PodRunning}}
		if escapes {
			p.Spec.Containers[0].SecurityContext = &corev1.SecurityContext{Privileged: &privileged}
			p.Spec.Volumes = []corev1.Volume{{Name: "root", VolumeSource: corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: "/"}}}}
		}
		return p
	}
	deny := func(ns string) *networkingv1.NetworkPolicy {
		return &networkingv1.NetworkPolicy{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "deny"},
			Spec: networkingv1.NetworkPolicySpec{PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress, networkingv1.PolicyTypeEgress}}}
	}
	cluster := func() *snapshot.Store {
		snap := &snapshot.Snapshot{Source: "test"}
		for _, o := range []runtime.Object{
			&corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "n1"}}, &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "n2"}},
			&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "a"}},
			&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "b", Labels: map[string]string{"pod-security.kubernetes.io/enforce": "restricted"}}},
			&corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: "a", Name: "default"}},
			&corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: "b", Name: "default"}},
			pod("a", "root", "n1", true), pod("b", "web", "n2", false), deny("a"), deny("b"),
		} {
			snap.Add(o)
		}
		return snapshot.NewStore(snap)
	}
	for _, c := range []struct {
		name    string
		change  []runtime.Object
		excused bool
	}{
		{"a pod placed beside the escape", []runtime.Object{pod("b", "web-2", "n1", false)}, true},
		{"a role granting the escaping tenant another's secrets", []runtime.Object{
			&rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Namespace: "b", Name: "reader"}, Rules: []rbacv1.PolicyRule{{APIGroups: []string{""}, Verbs: []string{"get", "list"}, Resources: []string{"secrets"}}}},
			&rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Namespace: "b", Name: "reader"}, RoleRef: rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: "reader"},
				Subjects: []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Namespace: "a", Name: "default"}}},
		}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			st := cluster()
			before := breaches(t, tenancy.Config{}, st)
			if !before.escapes["a"] || before.breached["a → b"] {
				t.Fatalf("before the change: a escapes %v, a → b breached %v; want an escape and no breach", before.escapes["a"], before.breached["a → b"])
			}
			for _, o := range c.change {
				if _, _, err := st.ServerSideApply(o); err != nil {
					t.Fatal(err)
				}
			}
			after := breaches(t, tenancy.Config{}, st)
			if !after.breached["a → b"] {
				t.Fatal("the change did not breach a → b")
			}
			if got := throughEarlierEscape(after.witness["a → b"], before.ways, before.pods, after.ten); got != c.excused {
				t.Errorf("excused %v, want %v (witness %v)", got, c.excused, after.witness["a → b"])
			}
		})
	}
}
