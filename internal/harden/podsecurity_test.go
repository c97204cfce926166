package harden

import (
	"fmt"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation"
	psaapi "k8s.io/pod-security-admission/api"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/yaml"

	"github.com/bulkhead-dev/bulkhead/examples"
	"github.com/bulkhead-dev/bulkhead/internal/golden"
	"github.com/bulkhead-dev/bulkhead/internal/load"
	"github.com/bulkhead-dev/bulkhead/internal/node"
	"github.com/bulkhead-dev/bulkhead/internal/rbac"
	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
	"github.com/bulkhead-dev/bulkhead/internal/tenancy"
)

// goldenLayer compares got with testdata/<layer>/<name>, or rewrites it
// with -update.
func goldenLayer(t *testing.T, layer, name, got string) {
	t.Helper()
	golden.Check(t, filepath.Join("testdata", layer, name), []byte(got))
}

// seedInput is the demo cluster, normalised, with its default tenancy.
func seedInput(t *testing.T) (*snapshot.Snapshot, *tenancy.Tenancy) {
	t.Helper()
	snap, err := load.FS(examples.SeedCluster, "demo")
	if err != nil {
		t.Fatal(err)
	}
	if len(snap.Problems) > 0 {
		t.Fatalf("seed cluster: %v", snap.Problems)
	}
	snap.Normalize()
	return snap, resolveTenancy(t, snap)
}

func resolveTenancy(t *testing.T, snap *snapshot.Snapshot) *tenancy.Tenancy {
	t.Helper()
	ten, err := tenancy.Resolve(snap, tenancy.Config{PlatformNamespaces: []string{"monitoring"}})
	if err != nil {
		t.Fatal(err)
	}
	return ten
}

// buildSnapshot normalises a snapshot of the objects.
func buildSnapshot(t *testing.T, objs ...runtime.Object) *snapshot.Snapshot {
	t.Helper()
	snap := &snapshot.Snapshot{Source: "test"}
	for _, o := range objs {
		if !snap.Add(o) {
			t.Fatalf("cannot add %T", o)
		}
	}
	snap.Normalize()
	return snap
}

func namespace(name string, labels map[string]string) *corev1.Namespace {
	return &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels}}
}

// restrictedPod passes Pod Security restricted.
func restrictedPod(ns, name string) *corev1.Pod {
	no, yes := false, true
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Labels: map[string]string{"app": name}},
		Spec: corev1.PodSpec{
			SecurityContext: &corev1.PodSecurityContext{RunAsNonRoot: &yes, SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault}},
			Containers: []corev1.Container{{Name: "app", Image: "app", SecurityContext: &corev1.SecurityContext{
				AllowPrivilegeEscalation: &no,
				Capabilities:             &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
			}}},
		},
	}
}

// deployment runs pods of the template in the template's namespace.
func deployment(name string, tmpl *corev1.Pod) *appsv1.Deployment {
	return &appsv1.Deployment{
		TypeMeta:   metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"},
		ObjectMeta: metav1.ObjectMeta{Namespace: tmpl.Namespace, Name: name},
		Spec: appsv1.DeploymentSpec{
			Selector: &metav1.LabelSelector{MatchLabels: tmpl.Labels},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: tmpl.Labels}, Spec: tmpl.Spec},
		},
	}
}

// baselinePod passes baseline but not restricted.
func baselinePod(ns, name string) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Labels: map[string]string{"app": name}},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "app"}}},
	}
}

// privilegedPod fails baseline.
func privilegedPod(ns, name string) *corev1.Pod {
	yes := true
	p := baselinePod(ns, name)
	p.Spec.Containers[0].SecurityContext = &corev1.SecurityContext{Privileged: &yes}
	return p
}

// renderPlan writes a layer's output as a reviewer reads it: objects as
// YAML, then proposals, work and notes.
func renderPlan(t *testing.T, objects []Object, proposals []Proposal, work []Work, notes []string) string {
	t.Helper()
	var b strings.Builder
	for _, o := range objects {
		fmt.Fprintf(&b, "# %s %s closes=%v: %s\n", o.Layer, o.Namespace, o.Closes, o.Why)
		b.WriteString(toYAML(t, o.Obj))
		b.WriteString("---\n")
	}
	FillDiffs(proposals)
	for _, p := range proposals {
		fmt.Fprintf(&b, "# proposal (%s) closes=%v: %s\n# %s\n", p.Layer, p.Closes, p.Title, strings.ReplaceAll(p.Detail, "\n", "\n# "))
		for _, o := range p.Apply {
			b.WriteString("# apply:\n" + toYAML(t, o))
		}
		for _, o := range p.Delete {
			b.WriteString("# delete:\n" + toYAML(t, o))
		}
		if p.Diff != "" {
			b.WriteString("# diff:\n" + p.Diff)
		}
		b.WriteString("---\n")
	}
	for _, w := range work {
		fmt.Fprintf(&b, "work: %s %s: %s\n", w.Namespace, w.Object, w.Problem)
	}
	for _, n := range notes {
		fmt.Fprintf(&b, "note: %s\n", n)
	}
	return b.String()
}

func toYAML(t *testing.T, o runtime.Object) string {
	t.Helper()
	y, err := yaml.Marshal(o)
	if err != nil {
		t.Fatal(err)
	}
	return string(y)
}

// mergeLabels applies the Namespaces of a plan to the snapshot as
// server-side apply would: labels and annotations merged.
func mergeLabels(t *testing.T, snap *snapshot.Snapshot, objects []Object) {
	t.Helper()
	for _, o := range objects {
		want, ok := o.Obj.(*corev1.Namespace)
		if !ok {
			continue
		}
		ns := snap.Namespace(want.Name)
		if ns == nil {
			t.Fatalf("namespace %s not in the snapshot", want.Name)
		}
		if ns.Labels == nil {
			ns.Labels = map[string]string{}
		}
		for k, v := range want.Labels {
			ns.Labels[k] = v
		}
		if ns.Annotations == nil {
			ns.Annotations = map[string]string{}
		}
		for k, v := range want.Annotations {
			ns.Annotations[k] = v
		}
	}
}

// checkObjectMeta fails on names, labels and annotations the API server
// would refuse.
func checkObjectMeta(t *testing.T, o runtime.Object) {
	t.Helper()
	acc, err := metaOf(o)
	if err != nil {
		t.Fatal(err)
	}
	gvk := o.GetObjectKind().GroupVersionKind()
	if gvk.Kind == "" || gvk.Version == "" {
		t.Errorf("%T %s: no apiVersion/kind", o, acc.Name)
	}
	if errs := validation.IsDNS1123Subdomain(acc.Name); len(errs) > 0 {
		t.Errorf("%s %s: name: %v", gvk.Kind, acc.Name, errs)
	}
	if acc.Namespace != "" {
		if errs := validation.IsDNS1123Label(acc.Namespace); len(errs) > 0 {
			t.Errorf("%s %s: namespace: %v", gvk.Kind, acc.Name, errs)
		}
	}
	for k, v := range acc.Labels {
		if errs := validation.IsQualifiedName(k); len(errs) > 0 {
			t.Errorf("%s %s: label key %q: %v", gvk.Kind, acc.Name, k, errs)
		}
		if errs := validation.IsValidLabelValue(v); len(errs) > 0 {
			t.Errorf("%s %s: label %s=%q: %v", gvk.Kind, acc.Name, k, v, errs)
		}
	}
	for k := range acc.Annotations {
		if errs := validation.IsQualifiedName(k); len(errs) > 0 {
			t.Errorf("%s %s: annotation key %q: %v", gvk.Kind, acc.Name, k, errs)
		}
	}
}

func metaOf(o runtime.Object) (*metav1.ObjectMeta, error) {
	m, ok := o.(metav1.ObjectMetaAccessor)
	if !ok {
		return nil, fmt.Errorf("%T has no ObjectMeta", o)
	}
	return m.GetObjectMeta().(*metav1.ObjectMeta), nil
}

// quantitiesParse fails on a quantity map whose values do not round-trip.
func quantitiesParse(t *testing.T, what string, l corev1.ResourceList) {
	t.Helper()
	for k, q := range l {
		if _, err := resource.ParseQuantity(q.String()); err != nil {
			t.Errorf("%s %s=%s: %v", what, k, q.String(), err)
		}
	}
}

// levelOf returns the enforce level and version a plan gives a namespace.
func levelOf(t *testing.T, snap *snapshot.Snapshot, objects []Object, ns string) psaapi.LevelVersion {
	t.Helper()
	labels := map[string]string{}
	if n := snap.Namespace(ns); n != nil {
		for k, v := range n.Labels {
			labels[k] = v
		}
	}
	for _, o := range objects {
		if n, ok := o.Obj.(*corev1.Namespace); ok && n.Name == ns {
			for k, v := range n.Labels {
				labels[k] = v
			}
		}
	}
	pol, errs := psaapi.PolicyToEvaluate(labels, psaapi.Policy{
		Enforce: psaapi.LevelVersion{Level: psaapi.LevelPrivileged, Version: psaapi.LatestVersion()},
	})
	if len(errs) > 0 {
		t.Fatalf("namespace %s: invalid labels %v: %v", ns, labels, errs)
	}
	return pol.Enforce
}

// oracle evaluates every pod of each labelled namespace at the level the
// plan chose with node.Evaluate, and checks that exactly the pods listed
// as work fail.
func oracle(t *testing.T, snap *snapshot.Snapshot, objects []Object, work []Work) {
	t.Helper()
	listed := map[string]bool{}
	for _, w := range work {
		listed[w.Namespace+" "+w.Object] = true
	}
	failing := map[string]bool{}
	for _, o := range objects {
		ns := o.Obj.(*corev1.Namespace).Name
		pol := node.NamespacePolicy{Namespace: ns, Policy: psaapi.Policy{Enforce: levelOf(t, snap, objects, ns)}}
		for i := range snap.Pods {
			p := &snap.Pods[i]
			if p.Namespace != ns {
				continue
			}
			if v := node.Evaluate(&pol, p); !v.Admitted() {
				kind, name := snapshot.Owner(p)
				failing[ns+" "+kind+"/"+name] = true
			}
		}
	}
	for k := range listed {
		ns := strings.Fields(k)[0]
		labelled := false
		for _, o := range objects {
			labelled = labelled || o.Obj.(*corev1.Namespace).Name == ns
		}
		if !labelled {
			delete(listed, k) // work in a namespace whose labels were kept
		}
	}
	if d := cmp.Diff(sortedKeys(listed), sortedKeys(failing)); d != "" {
		t.Errorf("work listed vs pods failing the chosen level (-listed +failing):\n%s", d)
	}
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// The demo: busybox is privileged, so default gets baseline and busybox is
// listed; the nginx pods pass baseline only.
func TestPodSecuritySeed(t *testing.T) {
	snap, ten := seedInput(t)
	objects, work, notes := PodSecurityPlan(snap, ten, Options{})
	goldenLayer(t, "podsecurity", "demo.txt", renderPlan(t, objects, nil, work, notes))

	got := map[string]string{}
	for _, o := range objects {
		checkObjectMeta(t, o.Obj)
		got[o.Namespace] = levelOf(t, snap, objects, o.Namespace).String()
	}
	want := map[string]string{"default": "baseline:v1.32", "network": "baseline:v1.32", "test": "baseline:v1.32", "test-namespace": "baseline:v1.32"}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("levels (-want +got):\n%s", d)
	}
	if len(work) != 1 || work[0].Namespace != "default" || work[0].Object != "Pod/busybox" || !strings.Contains(work[0].Problem, "privileged") {
		t.Errorf("work = %+v, want busybox in default, refused for privileged", work)
	}
	for _, o := range objects {
		if !slicesEqual(o.Closes, []string{node.IDUnenforced}) {
			t.Errorf("%s closes %v, want %s", o.Namespace, o.Closes, node.IDUnenforced)
		}
	}
	oracle(t, snap, objects, work)
}

func slicesEqual(a, b []string) bool { return cmp.Equal(a, b) }

// The namespace labels close the engine's BH-NODE-004 findings: every
// tenant namespace enforces after the labels are merged.
func TestPodSecurityClosesUnenforced(t *testing.T) {
	snap, ten := seedInput(t)
	before := map[string]bool{}
	for _, f := range node.Analyze(snap, ten).Findings {
		if f.ID == node.IDUnenforced {
			before[f.Objects[0].Name] = true
		}
	}
	objects, _, _ := PodSecurityPlan(snap, ten, Options{})
	closed := map[string]bool{}
	for _, o := range objects {
		if len(o.Closes) > 0 {
			closed[o.Namespace] = true
		}
	}
	if d := cmp.Diff(sortedKeys(before), sortedKeys(closed)); d != "" {
		t.Errorf("BH-NODE-004 before vs closed (-before +closed):\n%s", d)
	}
	mergeLabels(t, snap, objects)
	for _, f := range node.Analyze(snap, resolveTenancy(t, snap)).Findings {
		if f.ID == node.IDUnenforced {
			t.Errorf("after the labels: %s", f.Reason)
		}
	}
}

func TestPodSecurityCases(t *testing.T) {
	for _, tc := range []struct {
		name  string
		objs  []runtime.Object
		opts  Options
		level map[string]string // namespace -> enforce level:version after the plan; "" = no object
		work  []string          // "namespace Kind/name"
		note  string            // a substring of some note
	}{
		{
			name:  "every pod passes restricted",
			objs:  []runtime.Object{namespace("a", nil), restrictedPod("a", "web"), restrictedPod("a", "db")},
			level: map[string]string{"a": "restricted:v1.32"},
		},
		{
			name:  "an empty namespace gets restricted",
			objs:  []runtime.Object{namespace("a", nil)},
			level: map[string]string{"a": "restricted:v1.32"},
		},
		{
			name:  "one baseline pod holds the namespace at baseline",
			objs:  []runtime.Object{namespace("a", nil), restrictedPod("a", "web"), baselinePod("a", "db")},
			level: map[string]string{"a": "baseline:v1.32"},
		},
		{
			name:  "a privileged pod: baseline all the same, and the pod is work",
			objs:  []runtime.Object{namespace("a", nil), restrictedPod("a", "web"), privilegedPod("a", "shell")},
			level: map[string]string{"a": "baseline:v1.32"},
			work:  []string{"a Pod/shell"},
			note:  "not evicted",
		},
		{
			name:  "allowed privileged: the namespace says so and nothing is work",
			objs:  []runtime.Object{namespace("a", nil), privilegedPod("a", "shell")},
			opts:  Options{AllowPrivileged: []string{"a"}},
			level: map[string]string{"a": "privileged:v1.32"},
			note:  "stays privileged",
		},
		{
			name:  "allowed privileged is no reason to go lower than the pods need",
			objs:  []runtime.Object{namespace("a", nil), restrictedPod("a", "web")},
			opts:  Options{AllowPrivileged: []string{"a"}},
			level: map[string]string{"a": "restricted:v1.32"},
		},
		{
			name: "an existing stricter label is kept, version and all",
			objs: []runtime.Object{namespace("a", map[string]string{psaapi.EnforceLevelLabel: "restricted", psaapi.EnforceVersionLabel: "v1.28"}),
				baselinePod("a", "web")},
			level: map[string]string{"a": "restricted:v1.28"},
			work:  []string{"a Pod/web"},
		},
		{
			name: "an existing label as strict as the pods allow keeps its version",
			objs: []runtime.Object{namespace("a", map[string]string{psaapi.EnforceLevelLabel: "baseline", psaapi.EnforceVersionLabel: "v1.25",
				psaapi.WarnLevelLabel: "restricted", psaapi.AuditLevelLabel: "restricted"}), baselinePod("a", "web")},
			level: map[string]string{"a": ""},
		},
		{
			name:  "an existing weaker label is raised",
			objs:  []runtime.Object{namespace("a", map[string]string{psaapi.EnforceLevelLabel: "baseline"}), restrictedPod("a", "web")},
			level: map[string]string{"a": "restricted:v1.32"},
		},
		{
			name:  "an invalid label reads as restricted and is not lowered",
			objs:  []runtime.Object{namespace("a", map[string]string{psaapi.EnforceLevelLabel: "strict"}), baselinePod("a", "web")},
			level: map[string]string{"a": "restricted:v1.32"},
			work:  []string{"a Pod/web"},
		},
		{
			name:  "a controller's template is listed by its controller",
			objs:  []runtime.Object{namespace("a", nil), deployment("agent", privilegedPod("a", "x"))},
			level: map[string]string{"a": "baseline:v1.32"},
			work:  []string{"a Deployment/agent"},
		},
		{
			name:  "a platform namespace whose pods need privileged is left alone",
			objs:  []runtime.Object{namespace("monitoring", nil), privilegedPod("monitoring", "node-exporter")},
			level: map[string]string{"monitoring": ""},
			note:  "platform",
		},
		{
			name:  "a platform namespace is labelled as strict as its pods allow",
			objs:  []runtime.Object{namespace("monitoring", nil), baselinePod("monitoring", "prometheus")},
			level: map[string]string{"monitoring": "baseline:v1.32"},
		},
		{
			name:  "system namespaces are the cluster's",
			objs:  []runtime.Object{namespace("kube-system", nil), privilegedPod("kube-system", "proxy")},
			level: map[string]string{"kube-system": ""},
		},
		{
			name:  "pods without a Namespace object: labels unknown, not labelled",
			objs:  []runtime.Object{restrictedPod("ghost", "web")},
			level: map[string]string{"ghost": ""},
			note:  "no Namespace object",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			snap := buildSnapshot(t, tc.objs...)
			ten := resolveTenancy(t, snap)
			objects, work, notes := PodSecurityPlan(snap, ten, tc.opts)
			for _, o := range objects {
				checkObjectMeta(t, o.Obj)
			}
			for ns, want := range tc.level {
				got := ""
				for _, o := range objects {
					if o.Namespace == ns {
						got = levelOf(t, snap, objects, ns).String()
					}
				}
				if got != want {
					t.Errorf("namespace %s: got %q, want %q", ns, got, want)
				}
			}
			var gotWork []string
			for _, w := range work {
				gotWork = append(gotWork, w.Namespace+" "+w.Object)
				if !strings.Contains(w.Problem, "violates PodSecurity") {
					t.Errorf("work %s: problem %q is not the admission plugin's", w.Object, w.Problem)
				}
			}
			if d := cmp.Diff(tc.work, gotWork); d != "" {
				t.Errorf("work (-want +got):\n%s", d)
			}
			if tc.note != "" && !strings.Contains(strings.Join(notes, "\n"), tc.note) {
				t.Errorf("notes %q lack %q", notes, tc.note)
			}
			oracle(t, snap, objects, work)
			// Idempotent: with its own labels merged, the plan proposes no
			// new object and the same work.
			mergeLabels(t, snap, objects)
			again, work2, _ := PodSecurityPlan(snap, resolveTenancy(t, snap), tc.opts)
			if len(again) > 0 {
				t.Errorf("second run proposes %s", renderPlan(t, again, nil, nil, nil))
			}
			if d := cmp.Diff(work, work2); d != "" {
				t.Errorf("second run's work (-first +second):\n%s", d)
			}
		})
	}
}

// Reruns are byte-identical, and the seed's plan is idempotent.
func TestPodSecurityDeterministic(t *testing.T) {
	snap, ten := seedInput(t)
	o1, w1, n1 := PodSecurityPlan(snap, ten, Options{})
	first := renderPlan(t, o1, nil, w1, n1)
	for i := 0; i < 5; i++ {
		o, w, n := PodSecurityPlan(snap, ten, Options{})
		if got := renderPlan(t, o, nil, w, n); got != first {
			t.Fatalf("run %d differs:\n%s", i, cmp.Diff(first, got))
		}
	}
	mergeLabels(t, snap, o1)
	if again, _, _ := PodSecurityPlan(snap, resolveTenancy(t, snap), Options{}); len(again) > 0 {
		t.Errorf("second run proposes %s", renderPlan(t, again, nil, nil, nil))
	}
}

// A namespace owned by another tool keeps its managed-by label.
func TestPodSecurityKeepsOwner(t *testing.T) {
	snap := buildSnapshot(t, namespace("a", map[string]string{ManagedByLabel: "Helm"}))
	objects, _, _ := PodSecurityPlan(snap, resolveTenancy(t, snap), Options{})
	if len(objects) != 1 {
		t.Fatalf("objects = %d, want 1", len(objects))
	}
	if v, ok := objects[0].Obj.(*corev1.Namespace).Labels[ManagedByLabel]; ok {
		t.Errorf("managed-by = %q, want it left to its owner", v)
	}
}

func TestPodSecurityVersion(t *testing.T) {
	node := func(v string) corev1.Node {
		n := corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "n" + v}}
		n.Status.NodeInfo.KubeletVersion = v
		return n
	}
	for _, tc := range []struct {
		name string
		snap snapshot.Snapshot
		want string
	}{
		{"offline: the assumed version", snapshot.Snapshot{Assumed: snapshot.Assumed{Version: "v1.30"}}, "v1.30"},
		{"live: the newest kubelet", snapshot.Snapshot{Nodes: []corev1.Node{node("v1.29.3"), node("v1.31.0-eks-1"), node("v1.9.1")}}, "v1.31"},
		{"garbage kubelet versions are ignored", snapshot.Snapshot{Nodes: []corev1.Node{node("unknown"), node("")}}, "v1.32"},
		{"nothing known: the built-in default", snapshot.Snapshot{}, "v1.32"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := PodSecurityVersion(&tc.snap); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
			if _, err := psaapi.ParseVersion(tc.want); err != nil {
				t.Errorf("%q is no Pod Security version: %v", tc.want, err)
			}
		})
	}
}

// As the proof applies it: the seed's labels merged by a server-side
// apply into the store, refused manifest pods dropped. The plan then
// proposes nothing, and the pods it listed are the ones now refused.
func TestPodSecurityProof(t *testing.T) {
	raw, err := load.FS(examples.SeedCluster, "demo")
	if err != nil {
		t.Fatal(err)
	}
	st := snapshot.NewStore(raw)
	view := st.View()
	objects, work, _ := PodSecurityPlan(view, resolveTenancy(t, view), Options{})
	for _, o := range objects {
		if _, _, err := st.ServerSideApply(o.Obj); err != nil {
			t.Fatal(err)
		}
	}
	after := st.View()
	var refused []string
	for _, r := range node.DropRefused(after) {
		for _, name := range r.Refused {
			refused = append(refused, r.Namespace+" "+name)
		}
	}
	var listed []string
	for _, w := range work {
		listed = append(listed, w.Namespace+" "+strings.TrimPrefix(w.Object, "Pod/"))
	}
	if d := cmp.Diff(listed, refused); d != "" {
		t.Errorf("work vs pods the labelled namespaces refuse (-work +refused):\n%s", d)
	}
	again, work2, _ := PodSecurityPlan(after, resolveTenancy(t, after), Options{})
	if len(again) > 0 || len(work2) > 0 {
		t.Errorf("second run: %s", renderPlan(t, again, nil, work2, nil))
	}
}

// A DaemonSet's pod that the new level refuses is the DaemonSet's work,
// said to starve new nodes of its pods, whether it runs (owned) or stands
// for the template.
func TestPodSecurityDaemonSetWork(t *testing.T) {
	live := privilegedPod("a", "agent-x7k2p")
	live.OwnerReferences = []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "DaemonSet", Name: "agent", UID: "u", Controller: ptr.To(true)}}
	live.Status.Phase = corev1.PodRunning
	live.Spec.NodeName = "n1"
	st := storeOf(t, namespace("a", nil), live)
	view := st.View()
	ten := resolveTenancy(t, view)
	_, work, _ := PodSecurityPlan(view, ten, Options{})
	if len(work) != 1 || work[0].Object != "DaemonSet/agent" || !strings.Contains(work[0].Problem, "a node added after the label gets none of its pods") {
		t.Errorf("work = %+v, want the DaemonSet's, saying new nodes get none", work)
	}
}

// The running pods of a Deployment that the new level refuses are one
// work item, the Deployment's (the owner fixes its template), not one a
// replica.
func TestPodSecurityDeploymentWork(t *testing.T) {
	var pods []runtime.Object
	for _, name := range []string{"web-7d9f8c6b5-a1b2c", "web-7d9f8c6b5-d3e4f"} {
		p := privilegedPod("a", name)
		p.Labels = map[string]string{"pod-template-hash": "7d9f8c6b5"}
		p.OwnerReferences = []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: "web-7d9f8c6b5", UID: "u", Controller: ptr.To(true)}}
		p.Status.Phase = corev1.PodRunning
		pods = append(pods, p)
	}
	st := storeOf(t, append([]runtime.Object{namespace("a", nil)}, pods...)...)
	view := st.View()
	_, work, _ := PodSecurityPlan(view, resolveTenancy(t, view), Options{})
	if len(work) != 1 || work[0].Object != "Deployment/web" {
		t.Errorf("work = %+v, want one item, Deployment/web's", work)
	}
}

// TestPodSecurityFromJudged: the plan made with the node engine's
// verdicts (as harden makes it) is the plan that evaluates every pod,
// whatever version each namespace enforces, and so is each pod's verdict
// at the plan's version: a verdict found at a version that evaluates
// otherwise (v1.0 and v1.18 pass a pod that the newest checks refuse) is
// not carried over, and one found at a version evaluated as the newest
// (latest, v1.99) is.
func TestPodSecurityFromJudged(t *testing.T) {
	// Passes restricted up to v1.18, before seccomp and capabilities joined it.
	oldRestricted := func(ns, name string) *corev1.Pod {
		p := restrictedPod(ns, name)
		p.Spec.SecurityContext.SeccompProfile = nil
		p.Spec.Containers[0].SecurityContext.Capabilities = nil
		return p
	}
	var objs []runtime.Object
	for i, labels := range []map[string]string{
		nil,
		{psaapi.EnforceLevelLabel: "restricted", psaapi.EnforceVersionLabel: "v1.0"},
		{psaapi.EnforceLevelLabel: "restricted", psaapi.EnforceVersionLabel: "v1.18"},
		{psaapi.EnforceLevelLabel: "baseline", psaapi.EnforceVersionLabel: "latest"},
		{psaapi.EnforceLevelLabel: "restricted", psaapi.EnforceVersionLabel: "v1.99"},
		{psaapi.EnforceLevelLabel: "privileged", psaapi.EnforceVersionLabel: "v1.22"},
		{psaapi.EnforceLevelLabel: "nonsense"},
	} {
		ns := fmt.Sprintf("ns-%d", i)
		objs = append(objs, namespace(ns, labels), oldRestricted(ns, "old"), restrictedPod(ns, "new"))
		if i%2 == 1 {
			objs = append(objs, baselinePod(ns, "base"))
		}
		if i == 5 {
			objs = append(objs, privilegedPod(ns, "priv"))
		}
	}
	snap := buildSnapshot(t, objs...)
	ten := resolveTenancy(t, snap)
	judged := node.AnalyzeWith(snap, ten, rbac.NewAuthorizer(snap))
	o, w, n := podSecurityPlan(snap, ten, Options{}, nil)
	want := renderPlan(t, o, nil, w, n)
	o, w, n = podSecurityPlan(snap, ten, Options{}, judged)
	got := renderPlan(t, o, nil, w, n)
	if got != want {
		t.Errorf("plan from the node engine's verdicts differs:\n%s", cmp.Diff(want, got))
	}

	pinned, err := psaapi.ParseVersion(PodSecurityVersion(snap))
	if err != nil {
		t.Fatal(err)
	}
	pods := make([]*corev1.Pod, len(snap.Pods))
	known := make([]*node.Verdict, len(snap.Pods))
	for i := range snap.Pods {
		pods[i], known[i] = &snap.Pods[i], &judged.Pods[i].Verdict
	}
	evaluated, carried := evaluateAt(pods, nil, pinned), evaluateAt(pods, known, pinned)
	moved := map[string]bool{}
	for i, p := range pods {
		if !reflect.DeepEqual(evaluated[i], carried[i]) {
			t.Errorf("pod %s/%s: verdict carried over differs from the evaluated one:\n%+v\n%+v", p.Namespace, p.Name, evaluated[i], carried[i])
		}
		_, ok := known[i].Reverdict(&node.NamespacePolicy{Policy: psaapi.Policy{Enforce: psaapi.LevelVersion{Level: psaapi.LevelRestricted, Version: pinned}}})
		moved[p.Namespace] = ok
	}
	// Both ways are taken: the namespaces at v1.0 and v1.18 evaluate
	// their pods again, those at latest or past the newest checks move
	// their verdicts.
	for ns, want := range map[string]bool{"ns-1": false, "ns-2": false, "ns-3": true, "ns-4": true} {
		if moved[ns] != want {
			t.Errorf("namespace %s: verdicts moved %v, want %v", ns, moved[ns], want)
		}
	}
	if evaluated[slices.IndexFunc(pods, func(p *corev1.Pod) bool { return p.Namespace == "ns-1" && p.Name == "old" })].Restricted.Allowed {
		t.Fatalf("the old pod passes restricted at %s: the fixture no longer tells the versions apart", pinned)
	}
}
