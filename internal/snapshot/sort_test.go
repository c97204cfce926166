package snapshot

import (
	"reflect"
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
