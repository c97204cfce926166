package snapshot

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TestCloneAddLeavesOriginal adds objects of every kind to a clone, and to
// the original after cloning, with room to spare in every slice, and
// checks that neither sees the other's.
func TestCloneAddLeavesOriginal(t *testing.T) {
	orig := &Snapshot{Source: "s", Unknown: map[string]int{"v1/X": 1}}
	for _, k := range Kinds {
		k.Grow(orig, 8) // spare capacity: an append in place would be shared
		obj := k.New().(metaObject)
		obj.SetName("first")
		orig.Add(obj)
	}
	orig.Gaps = append(make([]Gap, 0, 4), Gap{Resource: "pods", Reason: "forbidden"})
	want := orig.Objects()

	clone := orig.Clone()
	for _, k := range Kinds {
		obj := k.New().(metaObject)
		obj.SetName("clone")
		clone.Add(obj)
		obj = k.New().(metaObject)
		obj.SetName("original")
		orig.Add(obj)
	}
	clone.Gaps = append(clone.Gaps, Gap{Resource: "nodes"})
	clone.Unknown["v1/Y"] = 1

	names := func(s *Snapshot) map[string][]string {
		m := map[string][]string{}
		for _, o := range s.Objects() {
			m[o.Kind] = append(m[o.Kind], o.Obj.GetName())
		}
		return m
	}
	for kind, got := range names(orig) {
		if d := cmp.Diff([]string{"first", "original"}, got); d != "" {
			t.Errorf("original's %s (-want +got):\n%s", kind, d)
		}
	}
	for kind, got := range names(clone) {
		if d := cmp.Diff([]string{"first", "clone"}, got); d != "" {
			t.Errorf("clone's %s (-want +got):\n%s", kind, d)
		}
	}
	if len(orig.Objects()) != 2*len(want) {
		t.Errorf("original holds %d objects, want %d", len(orig.Objects()), 2*len(want))
	}
	if len(orig.Gaps) != 1 || orig.Unknown["v1/Y"] != 0 {
		t.Errorf("original's gaps %v, unknown %v changed through the clone", orig.Gaps, orig.Unknown)
	}
}

// TestCloneSharesObjects: a clone copies no object, so it is cheap.
func TestCloneSharesObjects(t *testing.T) {
	orig := &Snapshot{}
	orig.Add(&corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "p"}})
	if c := orig.Clone(); &c.Pods[0] != &orig.Pods[0] {
		t.Error("Clone copied the pods")
	}
}
