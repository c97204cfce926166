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

// On a control-plane node, a mount yields the cluster's admin credentials
// only when it is root on the node or reads them as root: not the
// kubelet's own credentials, not static pod manifests read, not a write
// that file permissions still bind.
func TestGradeAdmin(t *testing.T) {
	root, user := power{level: asRoot, who: "UID 0"}, power{level: asUser, who: "UID 1000"}
	for _, tc := range []struct {
		path     string
		writable bool
		pw       power
		admin    bool
	}{
		{"/", false, root, true},
		{"/", true, root, true},
		{"/", true, user, false},
		{"/etc/", true, root, true},
		{"/etc", false, root, false},
		{"/etc/kubernetes", false, root, true},
		{"/etc/kubernetes/admin.conf", false, root, true},
		{"/etc/kubernetes/pki/ca.key", false, root, true},
		{"/etc/kubernetes/manifests", false, root, false},
		{"/etc/kubernetes/kubelet.conf", false, root, false},
		{"/etc/kubernetes/manifests", true, root, true},
		{"/var/lib/kubelet", false, root, false},
		{"/var/lib/kubelet", true, root, false},
		{"/run/containerd", false, root, true},
		{"/run/containerd/containerd.sock", false, user, true},
		{"/var/run", false, root, true},
		{"/proc", true, root, true},
		{"/home", true, root, false},
	} {
		if got := gradeHostPath(tc.path, tc.writable, tc.pw).admin; got != tc.admin {
			t.Errorf("%s (writable %v, %s): admin %v, want %v", tc.path, tc.writable, tc.pw.who, got, tc.admin)
		}
	}
}
