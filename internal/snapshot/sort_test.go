package snapshot

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"sort"
	"testing"
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
