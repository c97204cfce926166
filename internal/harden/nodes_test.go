package harden

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/bulkhead-dev/bulkhead/internal/node"
	"github.com/bulkhead-dev/bulkhead/internal/node/podgen"
	"github.com/bulkhead-dev/bulkhead/internal/rbac"
	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
	"github.com/bulkhead-dev/bulkhead/internal/tenancy"
)

func workerNode(name string, labels map[string]string, taints ...corev1.Taint) *corev1.Node {
	n := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels}, Spec: corev1.NodeSpec{Taints: taints}}
	n.Status.NodeInfo.KubeletVersion = "v1.32.2"
	return n
}

// onNode makes a live pod run on a node.
func onNode(p *corev1.Pod, nodeName string) *corev1.Pod {
	p.Spec.NodeName = nodeName
	p.Status.Phase = corev1.PodRunning
	return p
}

// ownedBy makes the object's controller the named one.
func ownedBy(m *metav1.ObjectMeta, apiVersion, kind, name string) {
	yes := true
	m.OwnerReferences = append(m.OwnerReferences, metav1.OwnerReference{APIVersion: apiVersion, Kind: kind, Name: name, UID: types.UID("u-" + name), Controller: &yes})
}

// storeOf loads objects as the proof does: a store whose view is the
// normalised snapshot.
func storeOf(t *testing.T, objs ...runtime.Object) *snapshot.Store {
	t.Helper()
	snap := &snapshot.Snapshot{Source: "test"}
	for _, o := range objs {
		if !snap.Add(o.DeepCopyObject()) {
			t.Fatalf("cannot add %T", o)
		}
	}
	return snapshot.NewStore(snap)
}

// adopt applies proposals to the store as server-side apply would.
func adopt(t *testing.T, st *snapshot.Store, ps []Proposal) {
	t.Helper()
	for _, p := range ps {
		for _, o := range p.Apply {
			if _, _, err := st.ServerSideApply(o); err != nil {
				t.Fatalf("proposal %q: %v", p.Title, err)
			}
		}
		for _, o := range p.Delete {
			k, err := snapshot.KeyOf(o)
			if err != nil {
				t.Fatal(err)
			}
			st.Delete(k)
		}
	}
}

// checkNodeProposal fails on objects the API server would refuse.
func checkNodeProposal(t *testing.T, p Proposal) {
	t.Helper()
	if p.Layer != Node {
		t.Errorf("proposal %q: layer %s", p.Title, p.Layer)
	}
	if len(p.Apply) > 0 && p.Diff == "" {
		t.Errorf("proposal %q: no diff", p.Title)
	}
	for _, o := range p.Apply {
		checkObjectMeta(t, o)
		spec := podSpecOf(o)
		if n, ok := o.(*corev1.Node); ok {
			seen := map[string]bool{}
			for _, tn := range n.Spec.Taints {
				if errs := validation.IsQualifiedName(tn.Key); len(errs) > 0 {
					t.Errorf("node %s taint key %q: %v", n.Name, tn.Key, errs)
				}
				if errs := validation.IsValidLabelValue(tn.Value); len(errs) > 0 {
					t.Errorf("node %s taint value %q: %v", n.Name, tn.Value, errs)
				}
				if k := tn.Key + ":" + string(tn.Effect); seen[k] {
					t.Errorf("node %s: two taints %s", n.Name, k)
				} else {
					seen[k] = true
				}
			}
			continue
		}
		if spec == nil {
			t.Errorf("proposal %q applies %T", p.Title, o)
			continue
		}
		for k, v := range spec.NodeSelector {
			if len(validation.IsQualifiedName(k)) > 0 || len(validation.IsValidLabelValue(v)) > 0 {
				t.Errorf("nodeSelector %s=%s is invalid", k, v)
			}
		}
	}
}

// The demo: busybox escapes and the snapshot has no nodes, so the
// proposal asks for one to be labelled and tainted and moves the pod.
func TestNodeSeed(t *testing.T) {
	snap, ten := seedInput(t)
	ps := NodePlan(snap, ten, Options{})
	goldenLayer(t, "node", "demo.txt", renderPlan(t, nil, ps, nil, nil))
	if len(ps) != 1 {
		t.Fatalf("proposals = %d, want 1", len(ps))
	}
	p := ps[0]
	checkNodeProposal(t, p)
	if !strings.Contains(p.Title, "label and taint a node") || len(p.Apply) != 1 {
		t.Errorf("proposal %q applies %d objects, want busybox alone", p.Title, len(p.Apply))
	}
	pod, ok := p.Apply[0].(*corev1.Pod)
	if !ok || pod.Name != "busybox" || pod.Spec.NodeSelector[DedicatedKey] != DedicatedValue(ten.Of("default")) {
		t.Errorf("apply = %+v, want busybox with the dedicated nodeSelector", p.Apply[0])
	}
	if !cmp.Equal(p.Closes, []string{node.IDNodeEscape}) {
		t.Errorf("closes %v", p.Closes)
	}
}

func TestNodeCases(t *testing.T) {
	cp := workerNode("cp", map[string]string{"node-role.kubernetes.io/control-plane": ""})
	n1, n2, n3 := workerNode("n1", nil), workerNode("n2", nil), workerNode("n3", nil)
	rs := &appsv1.ReplicaSet{ObjectMeta: metav1.ObjectMeta{Namespace: "a", Name: "agent-5d9"}}
	ownedBy(&rs.ObjectMeta, "apps/v1", "Deployment", "agent")
	rsPod := onNode(privilegedPod("a", "agent-5d9-xyz"), "n2")
	ownedBy(&rsPod.ObjectMeta, "apps/v1", "ReplicaSet", "agent-5d9")
	for _, tc := range []struct {
		name     string
		objs     []runtime.Object
		opts     Options
		apply    []string // "Kind/name" of what the proposals apply
		shared   bool     // whether tenants a and b still share a node after
		contains string   // in the detail
	}{
		{
			name: "a pinned privileged pod: its node is dedicated, other templates leave it",
			objs: []runtime.Object{cp, n1, n2, namespace("a", nil), namespace("b", nil),
				onNode(privilegedPod("a", "shell"), "n1"), deployment("web", baselinePod("b", "web"))},
			apply: []string{"Node/n1", "Pod/shell"},
		},
		{
			name: "a privileged template: the first node that fits, never the control plane",
			objs: []runtime.Object{cp, n1, n2, namespace("a", nil), namespace("b", nil),
				deployment("agent", privilegedPod("a", "agent")), deployment("web", baselinePod("b", "web"))},
			apply: []string{"Node/n1", "Deployment/agent"},
		},
		{
			name: "a live pod of a Deployment: the Deployment is patched",
			objs: []runtime.Object{n1, n2, n3, namespace("a", nil), namespace("b", nil),
				&appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Namespace: "a", Name: "agent"}, Spec: appsv1.DeploymentSpec{
					Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "agent-5d9-xyz"}},
					Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "agent-5d9-xyz"}}, Spec: rsPod.Spec}}},
				rs, rsPod, deployment("web", baselinePod("b", "web"))},
			apply: []string{"Node/n2", "Deployment/agent"},
			// The live pod stays where it runs until the rollout
			// replaces it; b's template pods no longer go there.
		},
		{
			name: "other tenants' live pods on the node are named: they stay until drained",
			objs: []runtime.Object{n1, n2, namespace("a", nil), namespace("b", nil),
				onNode(privilegedPod("a", "shell"), "n1"), onNode(baselinePod("b", "web"), "n1")},
			apply:    []string{"Node/n1", "Pod/shell"},
			shared:   true,
			contains: "Pod/b/web",
		},
		{
			name: "a node dedicated to another tenant is passed over",
			objs: []runtime.Object{workerNode("n1", map[string]string{DedicatedKey: "ns.b"}, corev1.Taint{Key: DedicatedKey, Value: "ns.b", Effect: corev1.TaintEffectNoSchedule}),
				n2, namespace("a", nil), namespace("b", nil),
				deployment("agent", privilegedPod("a", "agent"))},
			apply: []string{"Node/n2", "Deployment/agent"},
		},
		{
			name: "allowed privileged: every workload of the namespace moves",
			objs: []runtime.Object{n1, n2, namespace("a", nil), namespace("b", nil),
				deployment("web", restrictedPod("a", "web")), deployment("other", baselinePod("b", "other"))},
			opts:     Options{AllowPrivileged: []string{"a"}},
			apply:    []string{"Node/n1", "Deployment/web"},
			contains: "may run privileged pods (allowed)",
		},
		{
			name: "allowed privileged, but its own label enforces baseline: nothing moves",
			objs: []runtime.Object{n1, n2, namespace("a", map[string]string{"pod-security.kubernetes.io/enforce": "baseline"}), namespace("b", nil),
				deployment("web", restrictedPod("a", "web")), deployment("other", baselinePod("b", "other"))},
			opts: Options{AllowPrivileged: []string{"a"}},
		},
		{
			name: "no escaping pods: nothing to propose",
			objs: []runtime.Object{n1, namespace("a", nil), deployment("web", restrictedPod("a", "web"))},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := storeOf(t, tc.objs...)
			view := st.View()
			ten := resolveTenancy(t, view)
			ps := NodePlan(view, ten, tc.opts)
			FillDiffs(ps)
			var got []string
			for _, p := range ps {
				checkNodeProposal(t, p)
				for _, o := range p.Apply {
					got = append(got, o.GetObjectKind().GroupVersionKind().Kind+"/"+objectName(o))
				}
				if tc.contains != "" && !strings.Contains(p.Detail, tc.contains) {
					t.Errorf("detail lacks %q:\n%s", tc.contains, p.Detail)
				}
			}
			if d := cmp.Diff(tc.apply, got); d != "" {
				t.Errorf("applied (-want +got):\n%s", d)
			}
			if len(ps) == 0 {
				return
			}
			// The proof: with the proposals adopted, co-location no
			// longer joins the tenants (unless pods already there stay).
			adopt(t, st, ps)
			after := st.View()
			tenAfter := resolveTenancy(t, after)
			res := node.Analyze(after, tenAfter)
			if got := res.CoLocation.Share(tenAfter.Of("a"), tenAfter.Of("b")); got != tc.shared {
				t.Errorf("after: tenants a and b share a node = %v, want %v (nodes %v)", got, tc.shared, res.CoLocation.Nodes())
			}
			// Idempotent: nothing more to propose.
			if again := NodePlan(after, tenAfter, tc.opts); len(again) > 0 {
				t.Errorf("second run proposes %s", renderPlan(t, nil, again, nil, nil))
			}
		})
	}
}

func TestNodeDeterministic(t *testing.T) {
	objs := []runtime.Object{workerNode("n1", nil), workerNode("n2", nil), namespace("a", nil), namespace("b", nil),
		onNode(privilegedPod("a", "shell"), "n2"), deployment("agent", privilegedPod("b", "agent")), onNode(baselinePod("b", "web"), "n2")}
	view := storeOf(t, objs...).View()
	ten := resolveTenancy(t, view)
	first := renderPlan(t, nil, NodePlan(view, ten, Options{}), nil, nil)
	goldenLayer(t, "node", "two-tenants.txt", first)
	for i := 0; i < 5; i++ {
		if got := renderPlan(t, nil, NodePlan(view, ten, Options{}), nil, nil); got != first {
			t.Fatalf("run %d differs:\n%s", i, cmp.Diff(first, got))
		}
	}
}

func TestDedicatedValue(t *testing.T) {
	long := strings.Repeat("x", 70)
	for _, tc := range []struct{ tenant, want string }{
		{"team-a", "team-a"},
		{"ns:default", "ns.default"},
		{"ns:" + long[:63], ""},
		{"a b/c", "a.b.c"},
		{"::", ""},
	} {
		t.Run(tc.tenant, func(t *testing.T) {
			got := DedicatedValue(tc.tenant)
			if errs := validation.IsValidLabelValue(got); len(errs) > 0 || got == "" {
				t.Errorf("%q: %q is no label value: %v", tc.tenant, got, errs)
			}
			if tc.want != "" && got != tc.want {
				t.Errorf("%q: got %q, want %q", tc.tenant, got, tc.want)
			}
			if got != DedicatedValue(tc.tenant) {
				t.Errorf("%q: not stable", tc.tenant)
			}
		})
	}
	if DedicatedValue("ns:"+long[:63]) == DedicatedValue("ns:"+long[:62]+"y") {
		t.Errorf("long names that differ share a value")
	}
}

// BenchmarkLayerPlans times the Pod Security, quota and node plans on a
// synthetic cluster of 100,000 pods in 2,000 namespaces on 1,000 nodes;
// the Pod Security plan also as harden makes it, from the node engine's
// verdicts (judged outside the timer).
func BenchmarkLayerPlans(b *testing.B) {
	snap := podgen.Cluster(1, podgen.Size{Namespaces: 2000, Pods: 100000, Nodes: 1000, Live: true, Unusual: 10})
	snap.Normalize()
	ten, err := tenancy.Resolve(snap, tenancy.Config{})
	if err != nil {
		b.Fatal(err)
	}
	judged := node.AnalyzeWith(snap, ten, rbac.NewAuthorizer(snap))
	for _, tc := range []struct {
		name string
		plan func()
	}{
		{"pod-security", func() { PodSecurityPlan(snap, ten, Options{}) }},
		{"pod-security-judged", func() { podSecurityPlan(snap, ten, Options{}, judged) }},
		{"quota", func() { QuotaPlan(snap, ten, Options{}) }},
		{"node", func() { NodePlan(snap, ten, Options{}) }},
	} {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				tc.plan()
			}
		})
	}
}
