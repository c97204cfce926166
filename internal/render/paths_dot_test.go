package render

import (
	"bytes"
	"testing"

	"github.com/bulkhead-dev/bulkhead/internal/attackpath"
)

// TestPathsDOT: every vertex and hop once, however many paths share them;
// a hop's detail on a second line of its label; names quoted for dot.
func TestPathsDOT(t *testing.T) {
	alice := attackpath.Vertex{Kind: attackpath.User, Name: "alice"}
	sa := attackpath.Vertex{Kind: attackpath.ServiceAccount, Namespace: "a", Name: "deployer"}
	pod := attackpath.Vertex{Kind: attackpath.Pod, Namespace: "b", Name: `web "1"`}
	paths := []attackpath.Path{
		{Hops: []attackpath.Hop{{From: alice, To: sa, Type: attackpath.MemberOf}}},
		{Hops: []attackpath.Hop{
			{From: alice, To: sa, Type: attackpath.MemberOf},
			{From: sa, To: pod, Type: attackpath.ExecsInto, Detail: "pods/exec in b"},
		}},
	}
	for _, tc := range []struct {
		name  string
		paths []attackpath.Path
		file  string
	}{
		{"no path", nil, "paths-empty.dot"},
		{"shared hops", paths, "paths.dot"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := PathsDOT(&b, tc.paths); err != nil {
				t.Fatal(err)
			}
			goldenFile(t, tc.file, b.String())
		})
	}
}
