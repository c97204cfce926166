package workload

import (
	"path"
	"testing"
)

// Writable access never grades lower than read-only access, cleaning a
// path never changes its grade, and nothing panics.
func FuzzGradeHostPath(f *testing.F) {
	for _, t := range hostTargets {
		f.Add(t.path)
		f.Add(t.path + "/x")
	}
	f.Add("relative/path")
	f.Add("//var//lib/../lib/kubelet/")
	f.Fuzz(func(t *testing.T, p string) {
		ro, rw := gradeHostPath(p, false), gradeHostPath(p, true)
		if rw.reach < ro.reach {
			t.Errorf("%q: writable %s < read-only %s", p, rw.reach, ro.reach)
		}
		if len(p) > 0 && p[0] == '/' {
			if c := gradeHostPath(path.Clean(p), false); c != ro {
				t.Errorf("%q: grade %v, cleaned %v", p, ro, c)
			}
		}
	})
}
