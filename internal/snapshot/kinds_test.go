package snapshot

import (
	"reflect"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// TestKindsCoverSnapshot checks that every object slice of Snapshot has
// exactly one row of Kinds, in the order of the fields (Objects and the
// written snapshot follow it), and no two rows share a kind or resource.
func TestKindsCoverSnapshot(t *testing.T) {
	var fields []reflect.Type
	st := reflect.TypeFor[Snapshot]()
	for i := range st.NumField() {
		f := st.Field(i)
		if f.Type.Kind() == reflect.Slice && reflect.PointerTo(f.Type.Elem()).Implements(reflect.TypeFor[metaObject]()) {
			fields = append(fields, reflect.PointerTo(f.Type.Elem()))
		}
	}
	var rows []reflect.Type
	seen := map[string]bool{}
	for _, k := range Kinds {
		rows = append(rows, reflect.TypeOf(k.New()))
		for _, key := range []string{k.GVK.Kind, k.GapResource()} {
			if seen[key] {
				t.Errorf("two rows for %s", key)
			}
			seen[key] = true
		}
	}
	if d := cmp.Diff(fmtTypes(fields), fmtTypes(rows)); d != "" {
		t.Errorf("Snapshot's object slices (-) and Kinds (+) differ:\n%s", d)
	}
}

func fmtTypes(ts []reflect.Type) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = t.String()
	}
	return out
}

// TestEveryKindIsWired walks Kinds: two objects of each kind, added out of
// order, are held in the row's own field, listed by Objects, counted by
// Counts, sorted by Normalize, found by KindOf, and a list of the kind
// appends to the same field.
func TestEveryKindIsWired(t *testing.T) {
	for _, k := range Kinds {
		t.Run(k.GVK.Kind, func(t *testing.T) {
			s := &Snapshot{}
			for _, name := range []string{"b", "a"} {
				obj := k.New().(metaObject)
				obj.SetName(name)
				if k.Namespaced {
					obj.SetNamespace("ns")
				}
				if !s.Add(obj) {
					t.Fatalf("Add refused a %T", obj)
				}
			}
			if got, ok := KindOf(k.New()); !ok || got.GVK != k.GVK {
				t.Errorf("KindOf = %v, %v", got.GVK, ok)
			}
			if k.Len(s) != 2 {
				t.Fatalf("Len = %d, want 2", k.Len(s))
			}
			if n := fieldLen(s, k); n != 2 {
				t.Errorf("the Snapshot field of %T holds %d, want 2", k.New(), n)
			}
			var listed []string
			for _, o := range s.Objects() {
				if o.Kind != k.GVK.Kind {
					t.Errorf("Objects listed a %s", o.Kind)
				}
				listed = append(listed, o.Obj.GetName())
			}
			if d := cmp.Diff([]string{"b", "a"}, listed); d != "" {
				t.Errorf("Objects (-want +got):\n%s", d)
			}
			if got := s.Counts()[k.GVK.Kind]; got != 2 {
				t.Errorf("Counts = %d, want 2", got)
			}
			s.sort()
			if got := []string{k.At(s, 0).Obj.GetName(), k.At(s, 1).Obj.GetName()}; !slices.Equal(got, []string{"a", "b"}) {
				t.Errorf("sorted %v, want [a b]", got)
			}
			list := k.NewList()
			if err := meta.SetList(list, []runtime.Object{k.New()}); err != nil {
				t.Fatal(err)
			}
			if n, err := k.AppendList(s, list); n != 1 || err != nil || k.Len(s) != 3 {
				t.Errorf("AppendList = %d, %v; Len %d, want 3", n, err, k.Len(s))
			}
			if _, err := k.AppendList(s, &metav1.List{}); err == nil {
				t.Error("AppendList took a list of another type")
			}
		})
	}
}

// fieldLen returns the length of the Snapshot field holding objects of
// k's type, found by reflection rather than through the row.
func fieldLen(s *Snapshot, k Kind) int {
	want := reflect.TypeOf(k.New()).Elem()
	v := reflect.ValueOf(s).Elem()
	for i := range v.NumField() {
		if f := v.Field(i); f.Kind() == reflect.Slice && f.Type().Elem() == want {
			return f.Len()
		}
	}
	return -1
}
