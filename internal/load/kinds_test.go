package load

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
)

// TestEveryKindLoads walks snapshot.Kinds: each row decodes to its own Go
// type through Scheme, has a validator, has the scope the loader gives it,
// maps back to its kind through KindOf, and an object of it in a file ends
// up in the snapshot (testdata/kinds.yaml holds one of each). A row missing
// any of that wiring fails here.
func TestEveryKindLoads(t *testing.T) {
	snap, err := Paths([]string{"testdata/kinds.yaml"})
	if err != nil {
		t.Fatal(err)
	}
	if len(snap.Problems) > 0 {
		t.Fatalf("problems: %v", snap.Problems)
	}
	if len(snap.Unknown) > 0 {
		t.Errorf("unknown kinds: %v", snap.Unknown)
	}
	counts := snap.Counts()
	for _, k := range snapshot.Kinds {
		t.Run(k.GVK.Kind, func(t *testing.T) {
			obj, err := Scheme.New(k.GVK)
			if err != nil {
				t.Fatalf("Scheme does not decode %s: %v", k.GVK, err)
			}
			if got, want := reflect.TypeOf(obj), reflect.TypeOf(k.New()); got != want {
				t.Errorf("Scheme decodes %s as %v, the row holds %v", k.GVK, got, want)
			}
			if _, ok := validators[k.GVK.GroupKind()]; !ok {
				t.Errorf("no validator for %s", k.GVK.GroupKind())
			}
			if got := Namespaced(k.GVK.GroupKind()); got != k.Namespaced {
				t.Errorf("loader's scope namespaced=%v, row's %v", got, k.Namespaced)
			}
			if gvk, err := KindOf(k.New()); err != nil || gvk != k.GVK {
				t.Errorf("KindOf = %v, %v; want %v", gvk, err, k.GVK)
			}
			if counts[k.GVK.Kind] != 1 {
				t.Errorf("testdata/kinds.yaml loaded %d of %s, want 1", counts[k.GVK.Kind], k.GVK.Kind)
			}
		})
	}
}

// TestValidatorsAreKinds checks that the checks hold no kind the snapshot
// does not model (it would be validated, then dropped as unknown).
func TestValidatorsAreKinds(t *testing.T) {
	var extra []schema.GroupKind
	for gk := range checks {
		if _, ok := validators[gk]; !ok {
			extra = append(extra, gk)
		}
	}
	if d := cmp.Diff([]schema.GroupKind(nil), extra); d != "" {
		t.Errorf("checks of kinds not in snapshot.Kinds (-want +got):\n%s", d)
	}
}

// TestConstructorMatchesScheme holds what constructor makes to what
// Scheme.New makes: an empty object of the same Go type, for every kind
// the snapshot models and for one it does not; nothing for a kind the
// Scheme does not know.
func TestConstructorMatchesScheme(t *testing.T) {
	gvks := []schema.GroupVersionKind{{Group: "", Version: "v1", Kind: "LimitRange"}}
	for _, k := range snapshot.Kinds {
		gvks = append(gvks, k.GVK)
	}
	for _, gvk := range gvks {
		t.Run(gvk.String(), func(t *testing.T) {
			want, err := Scheme.New(gvk)
			if err != nil {
				t.Fatal(err)
			}
			got := constructor(gvk)()
			if reflect.TypeOf(got) != reflect.TypeOf(want) || !reflect.DeepEqual(got, want) {
				t.Errorf("constructor made %#v, Scheme.New %#v", got, want)
			}
		})
	}
	if constructor(schema.GroupVersionKind{Group: "example.com", Version: "v1", Kind: "Widget"}) != nil {
		t.Error("a constructor for a kind the Scheme does not know")
	}
}

// TestSlab takes many objects from one slab: each is a new, empty object
// of its own, which another's change leaves alone.
func TestSlab(t *testing.T) {
	next := slab(reflect.TypeFor[[]corev1.Pod]())
	seen := map[*corev1.Pod]bool{}
	var last *corev1.Pod
	for i := 0; i < 3*slabMax; i++ {
		p, ok := next().(*corev1.Pod)
		if !ok || seen[p] || !reflect.DeepEqual(*p, corev1.Pod{}) {
			t.Fatalf("object %d: %T, seen before %v, %+v", i, p, seen[p], p)
		}
		seen[p] = true
		if last != nil {
			last.Name = fmt.Sprint(i)
		}
		last = p
	}
}
