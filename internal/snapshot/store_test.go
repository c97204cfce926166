package snapshot_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/bulkhead-dev/bulkhead/examples"
	"github.com/bulkhead-dev/bulkhead/internal/load"
	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
)

func demo(t testing.TB) *snapshot.Snapshot {
	t.Helper()
	snap, err := load.FS(examples.SeedCluster, "demo")
	if err != nil {
		t.Fatal(err)
	}
	return snap
}

func pod(ns, name string, labels map[string]string) *corev1.Pod {
	return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Labels: labels},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "busybox", Ports: []corev1.ContainerPort{{ContainerPort: 80}}}}}}
}

var podKind, _ = snapshot.KindOf(&corev1.Pod{})

var podsResource = schema.GroupResource{Resource: "pods"}

// The view of a store is what Normalize makes of the same objects.
func TestViewIsNormalize(t *testing.T) {
	want := demo(t)
	want.Normalize()
	got := snapshot.NewStore(demo(t)).View()
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("view differs from Normalize (-want +got):\n%s", d)
	}
}

// Making a view, or many, changes no stored object.
func TestViewLeavesObjects(t *testing.T) {
	st := snapshot.NewStore(demo(t))
	before := st.Clone()
	var keep []runtime.Object
	for _, o := range st.View().Objects() {
		key, err := snapshot.KeyOf(o.Obj)
		if err != nil {
			t.Fatal(err)
		}
		if obj, ok := st.Get(key); ok {
			keep = append(keep, obj.DeepCopyObject())
		}
	}
	v1 := st.View()
	v2 := st.View()
	if d := cmp.Diff(v1, v2); d != "" {
		t.Errorf("a second view differs (-first +second):\n%s", d)
	}
	for _, want := range keep {
		key, _ := snapshot.KeyOf(want)
		got, _ := before.Get(key)
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("%s changed by View (-before +after):\n%s", key, d)
		}
	}
}

func TestApplyDeleteGet(t *testing.T) {
	st := snapshot.NewStore(&snapshot.Snapshot{})
	p := pod("a", "web", map[string]string{"app": "web"})
	key, err := st.Apply(p)
	if err != nil {
		t.Fatal(err)
	}
	if want := (snapshot.Key{Resource: podsResource, Namespace: "a", Name: "web"}); key != want || key.String() != "pods/a/web" {
		t.Fatalf("key %v (%s), want %v", key, key, want)
	}
	p.Labels["app"] = "changed after Apply"
	got, ok := st.Get(key)
	if !ok {
		t.Fatal("applied pod not found")
	}
	gp := got.(*corev1.Pod)
	if gp.Labels["app"] != "web" {
		t.Errorf("the store kept the caller's object, not a copy: app=%s", gp.Labels["app"])
	}
	if gp.Spec.ServiceAccountName != "default" || gp.Spec.Containers[0].Ports[0].Protocol != corev1.ProtocolTCP {
		t.Errorf("defaults not applied: %+v", gp.Spec)
	}
	// Apply replaces by identity.
	if _, err := st.Apply(pod("a", "web", map[string]string{"app": "v2"})); err != nil {
		t.Fatal(err)
	}
	if n := st.Len(podKind); n != 1 {
		t.Errorf("%d pods after re-applying one, want 1", n)
	}
	if got, _ := st.Get(key); got.(*corev1.Pod).Labels["app"] != "v2" {
		t.Errorf("apply did not replace: %v", got.(*corev1.Pod).Labels)
	}
	if !st.Delete(key) || st.Delete(key) {
		t.Error("delete: want true once, then false")
	}
	if _, ok := st.Get(key); ok || st.Len(podKind) != 0 {
		t.Error("deleted pod still there")
	}

	for _, bad := range []struct {
		obj  runtime.Object
		want string
	}{
		{&corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p"}}, "Pod p without a namespace"},
		{&corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "a"}}, "Pod without a name"},
		{&rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: "r", Namespace: "a"}}, "ClusterRole r is cluster-scoped but names namespace a"},
		{&corev1.PodList{}, "*v1.PodList is not a kind bulkhead models"},
	} {
		if _, err := st.Apply(bad.obj); err == nil || err.Error() != bad.want {
			t.Errorf("apply %T: error %v, want %q", bad.obj, err, bad.want)
		}
	}
}

// A clone and its original never see each other's changes, however many
// changes either makes (past the point where changes are merged).
func TestCloneIsIndependent(t *testing.T) {
	orig := snapshot.NewStore(demo(t))
	before := orig.View()
	clone := orig.Clone()
	for i := range 600 {
		if _, err := clone.Apply(pod("team-a", fmt.Sprintf("extra-%d", i), nil)); err != nil {
			t.Fatal(err)
		}
	}
	np := &networkingv1.NetworkPolicy{ObjectMeta: metav1.ObjectMeta{Namespace: "team-a", Name: "deny"}}
	if _, err := clone.Apply(np); err != nil {
		t.Fatal(err)
	}
	clone.Delete(snapshot.Key{Resource: schema.GroupResource{Resource: "namespaces"}, Name: "team-b"})
	if d := cmp.Diff(before, orig.View()); d != "" {
		t.Fatalf("changes to the clone reached the original:\n%s", d)
	}
	// And the other way round, after the clone merged its changes.
	again := clone.View()
	for i := range 600 {
		orig.Delete(snapshot.Key{Resource: podsResource, Namespace: before.Pods[i%len(before.Pods)].Namespace, Name: before.Pods[i%len(before.Pods)].Name})
		if _, err := orig.Apply(pod("team-b", fmt.Sprintf("other-%d", i), nil)); err != nil {
			t.Fatal(err)
		}
	}
	if d := cmp.Diff(again, clone.View()); d != "" {
		t.Fatalf("changes to the original reached the clone:\n%s", d)
	}
}

// Random sequences of Apply, Delete and Clone agree with a plain map of
// identities, and the view lists exactly the objects the map holds.
func TestStoreAgreesWithMap(t *testing.T) {
	for seed := range uint64(20) {
		r := rand.New(rand.NewPCG(seed, 7))
		st := snapshot.NewStore(&snapshot.Snapshot{})
		ref := map[string]string{} // key → label value
		type version struct {
			st  *snapshot.Store
			ref map[string]string
		}
		var saved []version
		for step := range 400 {
			ns, nm := fmt.Sprintf("ns-%d", r.IntN(3)), fmt.Sprintf("p-%d", r.IntN(40))
			key := snapshot.Key{Resource: podsResource, Namespace: ns, Name: nm}
			switch op := r.IntN(10); {
			case op < 6:
				v := fmt.Sprint(step)
				if _, err := st.Apply(pod(ns, nm, map[string]string{"v": v})); err != nil {
					t.Fatal(err)
				}
				ref[key.String()] = v
			case op < 9:
				_, had := ref[key.String()]
				if got := st.Delete(key); got != had {
					t.Fatalf("seed %d step %d: delete %s = %v, want %v", seed, step, key, got, had)
				}
				delete(ref, key.String())
			default:
				saved = append(saved, version{st.Clone(), clone(ref)})
			}
		}
		saved = append(saved, version{st, ref})
		for i, v := range saved {
			got := map[string]string{}
			for _, p := range v.st.View().Pods {
				got[fmt.Sprintf("pods/%s/%s", p.Namespace, p.Name)] = p.Labels["v"]
			}
			if d := cmp.Diff(v.ref, got); d != "" {
				t.Fatalf("seed %d version %d (-map +store):\n%s", seed, i, d)
			}
		}
	}
}

func clone(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// Server-side apply merges a Namespace's labels and annotations and
// replaces anything else.
func TestServerSideApply(t *testing.T) {
	st := snapshot.NewStore(&snapshot.Snapshot{Namespaces: []corev1.Namespace{{ObjectMeta: metav1.ObjectMeta{Name: "a",
		Labels: map[string]string{"tenant": "x", "pod-security.kubernetes.io/enforce": "privileged"}}}}})
	patch := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "a", Labels: map[string]string{"pod-security.kubernetes.io/enforce": "baseline"},
		Annotations: map[string]string{"note": "hardened"}}}
	key, replaced, err := st.ServerSideApply(patch)
	if err != nil || !replaced {
		t.Fatalf("apply: replaced %v, err %v", replaced, err)
	}
	got, _ := st.Get(key)
	want := map[string]string{"tenant": "x", "pod-security.kubernetes.io/enforce": "baseline", "kubernetes.io/metadata.name": "a"}
	if d := cmp.Diff(want, got.(*corev1.Namespace).Labels); d != "" {
		t.Errorf("labels (-want +got):\n%s", d)
	}
	if got.(*corev1.Namespace).Annotations["note"] != "hardened" {
		t.Errorf("annotations not merged: %v", got.(*corev1.Namespace).Annotations)
	}
	if _, replaced, _ := st.ServerSideApply(&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "b"}}); replaced {
		t.Error("a new namespace reported as replacing one")
	}
	np := &networkingv1.NetworkPolicy{ObjectMeta: metav1.ObjectMeta{Namespace: "a", Name: "p", Labels: map[string]string{"v": "1"}}}
	if _, _, err := st.ServerSideApply(np); err != nil {
		t.Fatal(err)
	}
	np2 := &networkingv1.NetworkPolicy{ObjectMeta: metav1.ObjectMeta{Namespace: "a", Name: "p"}}
	if _, replaced, _ := st.ServerSideApply(np2); !replaced {
		t.Error("policy not reported replaced")
	}
	if got, _ := st.Get(snapshot.Key{Resource: schema.GroupResource{Group: "networking.k8s.io", Resource: "networkpolicies"}, Namespace: "a", Name: "p"}); len(got.(*networkingv1.NetworkPolicy).Labels) != 0 {
		t.Errorf("a policy was merged, not replaced: %v", got.(*networkingv1.NetworkPolicy).Labels)
	}
}

// The first view of a store made of a normalised snapshot, whose objects
// are in order, is that snapshot; so is that of one whose pods were
// shuffled.
func TestViewOfNormalised(t *testing.T) {
	want := demo(t)
	want.Normalize()
	in := want.Clone()
	if d := cmp.Diff(want, snapshot.NewStore(in).View()); d != "" {
		t.Errorf("view of a normalised snapshot differs from it (-want +got):\n%s", d)
	}
	shuffled := want.Clone()
	shuffled.Pods = slices.Clone(shuffled.Pods) // Clone shares the objects
	r := rand.New(rand.NewPCG(1, 2))
	r.Shuffle(len(shuffled.Pods), func(i, j int) { shuffled.Pods[i], shuffled.Pods[j] = shuffled.Pods[j], shuffled.Pods[i] })
	if d := cmp.Diff(want, snapshot.NewStore(shuffled).View()); d != "" {
		t.Errorf("view of a shuffled normalised snapshot differs from it (-want +got):\n%s", d)
	}
}
