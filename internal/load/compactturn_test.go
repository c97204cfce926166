package load

import (
	"bytes"
	"fmt"
	"reflect"
	goruntime "runtime"
	"testing"

	"github.com/bulkhead-dev/bulkhead/internal/scalegen"
)

// sameInTurn fails t unless compactList finds the same in data in turn
// as in groups: whether it takes the list, and the documents and ops.
// It reports whether compactInTurn took the list.
func sameInTurn(t *testing.T, data []byte) bool {
	t.Helper()
	alone := &batch{opts: &Options{}}
	inTurn := alone.compactInTurn("in.json", data)
	turn := &batch{opts: &Options{}}
	turnDone := turn.compactListWith("in.json", data, true)
	groups := &batch{opts: &Options{}}
	groupsDone := groups.compactListWith("in.json", data, false)
	if turnDone != groupsDone || turn.docs != groups.docs || !reflect.DeepEqual(turn.ops, groups.ops) {
		t.Fatalf("in turn (done %v, %d documents, %d ops) differs from in groups (done %v, %d documents, %d ops) on\n%.300s",
			turnDone, turn.docs, len(turn.ops), groupsDone, groups.docs, len(groups.ops), data)
	}
	if !inTurn && (alone.docs != 0 || len(alone.ops) != 0) {
		t.Fatalf("compactInTurn refused the list but changed the batch: %d documents, %d ops", alone.docs, len(alone.ops))
	}
	return inTurn
}

// TestCompactInTurn holds the way of one CPU to the way in groups on
// the compact cases and on clusters, which it must take, and the whole
// loader on one CPU to the reference path.
func TestCompactInTurn(t *testing.T) {
	for i, c := range compactCases {
		t.Run(fmt.Sprint(i), func(t *testing.T) { sameInTurn(t, []byte(c)) })
	}
	clusters := map[string][]byte{"clusterObjects": clusterCompactJSON(t, clusterObjects(300, true))}
	for _, seed := range []uint64{1, 9} {
		var buf bytes.Buffer
		if _, err := scalegen.Write(&buf, scalegen.Config{Tenants: 2, Seed: seed, Format: scalegen.JSON}); err != nil {
			t.Fatal(err)
		}
		clusters[fmt.Sprint("scalegen seed=", seed)] = buf.Bytes()
	}
	for name, data := range clusters {
		t.Run(name, func(t *testing.T) {
			if !sameInTurn(t, data) {
				t.Fatal("not taken in turn")
			}
		})
	}
	defer goruntime.GOMAXPROCS(goruntime.GOMAXPROCS(1))
	for i, c := range compactCases {
		t.Run(fmt.Sprint("one CPU ", i), func(t *testing.T) { loadBoth(t, "in.json", []byte(c)) })
	}
	for name, data := range clusters {
		t.Run("one CPU "+name, func(t *testing.T) { loadBoth(t, "c.json", data) })
	}
}

// FuzzCompactInTurn holds the way of one CPU to the way in groups on any
// input.
func FuzzCompactInTurn(f *testing.F) {
	for _, c := range compactCases {
		f.Add([]byte(c))
	}
	f.Add(clusterCompactJSON(f, clusterObjects(8, true)))
	f.Fuzz(func(t *testing.T, data []byte) { sameInTurn(t, data) })
}
