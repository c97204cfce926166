package snapshot

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// sortBy orders by namespace, then name, keeps objects of one identity in
// the order they came (the later one wins where identities collide), and
// leaves sorted input as it is.
func TestSortBy(t *testing.T) {
	type obj struct{ ns, name, tag string }
	tests := []struct {
		name    string
		in, out []obj
	}{
		{"unsorted", []obj{{"b", "x", "1"}, {"a", "y", "2"}, {"a", "x", "3"}, {"", "z", "4"}},
			[]obj{{"", "z", "4"}, {"a", "x", "3"}, {"a", "y", "2"}, {"b", "x", "1"}}},
		{"duplicates stay in order", []obj{{"b", "x", "1"}, {"a", "x", "2"}, {"b", "x", "3"}, {"a", "x", "4"}},
			[]obj{{"a", "x", "2"}, {"a", "x", "4"}, {"b", "x", "1"}, {"b", "x", "3"}}},
		{"namespace before name", []obj{{"a", "z", "1"}, {"b", "a", "2"}},
			[]obj{{"a", "z", "1"}, {"b", "a", "2"}}},
		{"sorted", []obj{{"a", "x", "1"}, {"a", "x", "2"}, {"a", "y", "3"}},
			[]obj{{"a", "x", "1"}, {"a", "x", "2"}, {"a", "y", "3"}}},
		{"empty", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			xs := append([]obj(nil), tt.in...)
			sortBy(xs, func(i int) (string, string) { return xs[i].ns, xs[i].name })
			if !reflect.DeepEqual(xs, tt.out) {
				t.Errorf("got %v, want %v", xs, tt.out)
			}
		})
	}
}

// sortBy agrees with a stable sort of copies on random input, duplicates
// and runs already in order included.
func TestSortByAgreesWithStableSort(t *testing.T) {
	type obj struct{ ns, name, tag string }
	r := rand.New(rand.NewPCG(1, 2))
	for n := 0; n < 2000; n++ {
		xs := make([]obj, r.IntN(40))
		for i := range xs {
			xs[i] = obj{string(rune('a' + r.IntN(3))), string(rune('a' + r.IntN(4))), fmt.Sprint(i)}
		}
		if r.IntN(3) == 0 { // mostly in order, a tail appended
			sort.SliceStable(xs, func(i, j int) bool { return xs[i].ns+"/"+xs[i].name < xs[j].ns+"/"+xs[j].name })
			for j := r.IntN(6); j > 0; j-- {
				xs = append(xs, obj{string(rune('a' + r.IntN(3))), string(rune('a' + r.IntN(4))), fmt.Sprint("tail", j)})
			}
		}
		want := slices.Clone(xs)
		sort.SliceStable(want, func(i, j int) bool {
			if want[i].ns != want[j].ns {
				return want[i].ns < want[j].ns
			}
			return want[i].name < want[j].name
		})
		sortBy(xs, func(i int) (string, string) { return xs[i].ns, xs[i].name })
		if !reflect.DeepEqual(xs, want) {
			t.Fatalf("got %v, want %v", xs, want)
		}
	}
}

// A store made of a sorted snapshot lists each kind's objects in order
// until something changes, so that its first View sorts nothing; made of
// an unsorted one, or with an identity twice, it lists them in no order.
// Either way the list holds the objects of the store.
func TestStoreListsInOrder(t *testing.T) {
	pods := func(names ...string) *Snapshot {
		s := &Snapshot{}
		for _, n := range names {
			ns, name, _ := strings.Cut(n, "/")
			s.Pods = append(s.Pods, corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}})
		}
		return s
	}
	names := func(objs []metaObject) []string {
		var out []string
		for _, o := range objs {
			out = append(out, o.GetNamespace()+"/"+o.GetName())
		}
		return out
	}
	for _, tc := range []struct {
		name    string
		in      *Snapshot
		inOrder bool
	}{
		{"sorted", pods("a/x", "a/y", "b/a"), true},
		{"namespace before name", pods("a/z", "b/a"), true},
		{"unsorted", pods("b/a", "a/x"), false},
		{"twice", pods("a/x", "a/x"), false},
		{"empty", pods(), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want := names(objectsOf(tc.in))
			st := NewStore(tc.in)
			o := &st.kinds[podsRow]
			if got := o.inOrder != nil; got != tc.inOrder && len(want) > 0 {
				t.Fatalf("in order: %v, want %v", got, tc.inOrder)
			}
			got := names(o.list())
			if tc.inOrder && !slices.Equal(got, want) {
				t.Errorf("list %v, want %v in order", got, want)
			}
			slices.Sort(got)
			uniq := slices.Compact(slices.Sorted(slices.Values(want)))
			if !slices.Equal(got, uniq) {
				t.Errorf("list %v, want %v", got, uniq)
			}
			if _, err := st.Apply(&corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "0", Name: "new"}}); err != nil {
				t.Fatal(err)
			}
			got = names(o.list())
			slices.Sort(got)
			if want := slices.Concat([]string{"0/new"}, uniq); !slices.Equal(got, want) {
				t.Errorf("after an Apply, list %v, want %v", got, want)
			}
		})
	}
}

// objectsOf is the pods of s, as the store holds them.
func objectsOf(s *Snapshot) []metaObject {
	var out []metaObject
	for i := range s.Pods {
		out = append(out, &s.Pods[i])
	}
	return out
}
