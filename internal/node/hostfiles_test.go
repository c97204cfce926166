package node

import (
	"path"
	"testing"
)

// Writable access never grades lower than read-only access, more power
// never grades lower than less, cleaning a path never changes its grade,
// and nothing panics.
func FuzzGradeHostPath(f *testing.F) {
	for _, t := range hostTargets {
		f.Add(t.path)
		f.Add(t.path + "/x")
	}
	f.Add("relative/path")
	f.Add("//var//lib/../lib/kubelet/")
	powers := []power{ // weakest first
		{level: asUser, who: "UID 1"},
		{level: mayBeRoot, who: "UID 1", caveat: "maybe"},
		{level: asRoot, who: "UID 0"},
	}
	f.Fuzz(func(t *testing.T, p string) {
		var prev grade
		for i, pw := range powers {
			ro, rw := gradeHostPath(p, false, pw), gradeHostPath(p, true, pw)
			if worse(ro, rw) {
				t.Errorf("%q as %s: writable %v < read-only %v", p, pw.who, rw, ro)
			}
			if i > 0 && worse(prev, ro) {
				t.Errorf("%q: read-only as %s (%v) < with less power (%v)", p, pw.who, ro, prev)
			}
			prev = ro
			if len(p) > 0 && p[0] == '/' {
				if c := gradeHostPath(path.Clean(p), false, pw); c != ro {
					t.Errorf("%q: grade %v, cleaned %v", p, ro, c)
				}
			}
		}
	})
}
