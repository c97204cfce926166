package load

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const nsDoc = "apiVersion: v1\nkind: Namespace\nmetadata: {name: %s}\n"

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func symlink(t *testing.T, target, link string) {
	t.Helper()
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
}

func ns(name string) string { return strings.Replace(nsDoc, "%s", name, 1) }

// TestWalk checks directory walks: ConfigMap-mounted "..*" entries are
// skipped (their files are read once, through the links that name them),
// symlinks are followed, a loop is reported instead of walked forever, and
// a Helm chart directory is one Problem.
func TestWalk(t *testing.T) {
	dir := t.TempDir()
	// A ConfigMap mounted as a volume.
	mount := filepath.Join(dir, "mount")
	write(t, filepath.Join(mount, "..2024_01_01_00_00_00.123", "a.yaml"), ns("from-configmap"))
	symlink(t, "..2024_01_01_00_00_00.123", filepath.Join(mount, "..data"))
	symlink(t, filepath.Join("..data", "a.yaml"), filepath.Join(mount, "a.yaml"))
	// A linked directory, and a link back up the tree.
	write(t, filepath.Join(dir, "elsewhere", "b.yaml"), ns("linked"))
	write(t, filepath.Join(dir, "tree", "notes.txt"), "not a manifest")
	symlink(t, filepath.Join(dir, "elsewhere"), filepath.Join(dir, "tree", "link"))
	symlink(t, ".", filepath.Join(dir, "tree", "loop"))
	// A Helm chart.
	write(t, filepath.Join(dir, "tree", "chart", "Chart.yaml"), "apiVersion: v2\nname: c\nversion: 1.0.0\n")
	write(t, filepath.Join(dir, "tree", "chart", "templates", "sa.yaml"), "kind: ServiceAccount\nmetadata: {name: {{ .Release.Name }}}\n")

	l := New("t", Options{})
	for _, p := range []string{mount, filepath.Join(dir, "tree")} {
		if err := l.Path(p); err != nil {
			t.Fatal(err)
		}
	}
	snap, stats, err := l.Result()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, n := range snap.Namespaces {
		names = append(names, n.Name)
	}
	if d := cmp.Diff([]string{"from-configmap", "linked"}, names); d != "" {
		t.Errorf("namespaces (-want +got):\n%s", d)
	}
	var problems []string
	for _, p := range snap.Problems {
		problems = append(problems, strings.ReplaceAll(p.String(), dir, "DIR"))
	}
	want := []string{
		"DIR/tree/chart: a Helm chart (it has a Chart.yaml): templates are not manifests; render it and pipe the output instead: helm template RELEASE DIR/tree/chart | bulkhead audit -f -",
		"DIR/tree/loop: symlink loop: DIR/tree/loop leads back to DIR/tree, which is being read; not followed",
	}
	if d := cmp.Diff(want, problems); d != "" {
		t.Errorf("problems (-want +got):\n%s", d)
	}
	if len(snap.Warnings) != 0 || stats.Files != 2 {
		t.Errorf("warnings %v, files %d: want each file read once", snap.Warnings, stats.Files)
	}
}

// TestPathSymlinks checks symlinks given on the command line: followed to
// a file or a directory; a link to itself is an error naming it.
func TestPathSymlinks(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "real", "x.yaml"), ns("x"))
	symlink(t, filepath.Join(dir, "real", "x.yaml"), filepath.Join(dir, "file-link"))
	symlink(t, filepath.Join(dir, "real"), filepath.Join(dir, "dir-link"))
	symlink(t, filepath.Join(dir, "self"), filepath.Join(dir, "self"))

	for _, link := range []string{"file-link", "dir-link"} {
		snap, err := Paths([]string{filepath.Join(dir, link)})
		if err != nil || len(snap.Namespaces) != 1 {
			t.Errorf("%s: err %v, namespaces %d; want 1", link, err, len(snap.Namespaces))
		}
	}
	// The same file named twice, directly and through a link, is read once.
	snap, err := Paths([]string{filepath.Join(dir, "real"), filepath.Join(dir, "file-link")})
	if err != nil || len(snap.Namespaces) != 1 || len(snap.Warnings) != 0 {
		t.Errorf("twice: err %v, namespaces %d, warnings %v", err, len(snap.Namespaces), snap.Warnings)
	}
	_, err = Paths([]string{filepath.Join(dir, "self")})
	if err == nil || !strings.Contains(err.Error(), filepath.Join(dir, "self")) || !strings.Contains(err.Error(), "too many levels of symbolic links") {
		t.Errorf("self link: err = %v, want a loop error naming it", err)
	}
}
