package load

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
)

const located = `apiVersion: v1
kind: Namespace
metadata:
  name: a
---
# a comment before the object
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers: [{name: c, image: nginx}]
---
apiVersion: v1
kind: List
items:
- apiVersion: rbac.authorization.k8s.io/v1
  kind: ClusterRole
  metadata:
    name: reader
- apiVersion: v1
  kind: ServiceAccount
  metadata:
    name: bot
    namespace: a
`

// TestOrigins checks that each object of a file is located at the line
// its document (or its list) starts saying something on, past comments, in the namespace it is placed in,
// and that input without a file is located nowhere.
func TestOrigins(t *testing.T) {
	for _, tc := range []struct {
		name      string
		reference bool
	}{{"fast paths", false}, {"reference decoder", true}} {
		t.Run(tc.name, func(t *testing.T) {
			l := New("m.yaml", Options{Namespace: "a"})
			l.reference = tc.reference
			l.Bytes("dir/m.yaml", []byte(located))
			snap, _, err := l.Result()
			if err != nil {
				t.Fatal(err)
			}
			want := snapshot.Origins{
				{Kind: "Namespace", Name: "a"}:                        {File: "dir/m.yaml", Line: 1},
				{Kind: "Pod", Namespace: "a", Name: "web"}:            {File: "dir/m.yaml", Line: 7}, // past its comment
				{Kind: "ClusterRole", Name: "reader"}:                 {File: "dir/m.yaml", Line: 14},
				{Kind: "ServiceAccount", Namespace: "a", Name: "bot"}: {File: "dir/m.yaml", Line: 14},
			}
			if d := cmp.Diff(want, snap.Origins); d != "" {
				t.Errorf("origins (-want +got):\n%s", d)
			}
		})
	}
	l := New("-", Options{})
	if err := l.Reader("<stdin>", strings.NewReader(located)); err != nil {
		t.Fatal(err)
	}
	snap, _, _ := l.Result()
	if len(snap.Origins) != 0 {
		t.Errorf("stdin input located in a file: %v", snap.Origins)
	}
}

// A big batch's objects (a list of many items, many documents) are
// located beside their placing, each where it was read, the first copy of
// an object read twice where the first was.
func TestOriginsOfBigBatches(t *testing.T) {
	var docs, items []string
	want := snapshot.Origins{}
	line := 1
	for i := range 2 * reserveFrom {
		doc := fmt.Sprintf("apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: sa%d\n  namespace: a\n", i)
		docs = append(docs, doc)
		want[snapshot.ObjectName{Kind: "ServiceAccount", Namespace: "a", Name: fmt.Sprint("sa", i)}] = snapshot.Origin{File: "docs.yaml", Line: line}
		line += strings.Count(doc, "\n") + 1 // and the "---"
		items = append(items, fmt.Sprintf(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cm%d","namespace":"a"}}`, i))
	}
	docs = append(docs, docs[7]) // read twice, identical: merged
	list := `{"apiVersion":"v1","kind":"List","items":[` + "\n" + strings.Join(items, ",\n") + "\n]}\n"
	for i := range items {
		want[snapshot.ObjectName{Kind: "ConfigMap", Namespace: "a", Name: fmt.Sprint("cm", i)}] = snapshot.Origin{File: "list.json", Line: 1}
	}
	l := New("big", Options{})
	l.Bytes("docs.yaml", []byte(strings.Join(docs, "---\n")))
	l.Bytes("list.json", []byte(list))
	snap, stats, err := l.Result()
	if err != nil {
		t.Fatal(err)
	}
	if stats.Merged != 1 {
		t.Errorf("%d objects merged, want 1", stats.Merged)
	}
	if d := cmp.Diff(want, snap.Origins); d != "" {
		t.Errorf("origins (-want +got):\n%s", d)
	}
}

func TestOriginOf(t *testing.T) {
	for _, tc := range []struct {
		where string
		want  snapshot.Origin
		ok    bool
	}{
		{"f.yaml:12", snapshot.Origin{File: "f.yaml", Line: 12}, true},
		{"dir/f.yaml:12 (document 3)", snapshot.Origin{File: "dir/f.yaml", Line: 12}, true},
		{"f.json:1 items[4]", snapshot.Origin{File: "f.json", Line: 1}, true},
		{"f.yaml:7 (document 2) items[0] items[1]", snapshot.Origin{File: "f.yaml", Line: 7}, true},
		{"C:/x/f.yaml:3", snapshot.Origin{File: "C:/x/f.yaml", Line: 3}, true},
		{"<stdin>:3", snapshot.Origin{}, false},
		{"live: pods", snapshot.Origin{}, false},
		{"f.yaml", snapshot.Origin{}, false},
		{":3", snapshot.Origin{}, false},
		{"f.yaml:0", snapshot.Origin{}, false},
		{"", snapshot.Origin{}, false},
	} {
		t.Run(tc.where, func(t *testing.T) {
			got, ok := originOf(tc.where)
			if got != tc.want || ok != tc.ok {
				t.Errorf("originOf(%q) = %v, %v; want %v, %v", tc.where, got, ok, tc.want, tc.ok)
			}
		})
	}
}
