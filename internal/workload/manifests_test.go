package workload

import (
	"bytes"
	"io/fs"
	"regexp"
	"testing"

	"k8s.io/client-go/kubernetes/scheme"

	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
	"github.com/bulkhead-dev/bulkhead/internal/tenancy"
)

var docSeparator = regexp.MustCompile(`(?m)^---\s*$`)

// loadFS decodes every YAML document of the files of fsys into a snapshot.
// The tests keep their own small decoder so that they depend on the
// snapshot model only.
func loadFS(t testing.TB, fsys fs.FS, pattern string) *snapshot.Snapshot {
	t.Helper()
	names, err := fs.Glob(fsys, pattern)
	if err != nil || len(names) == 0 {
		t.Fatalf("glob %s: %v (%d files)", pattern, err, len(names))
	}
	snap := &snapshot.Snapshot{}
	for _, name := range names {
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			t.Fatal(err)
		}
		addYAML(t, snap, name, data)
	}
	return snap
}

func addYAML(t testing.TB, snap *snapshot.Snapshot, name string, data []byte) {
	t.Helper()
	for i, doc := range docSeparator.Split(string(data), -1) {
		if len(bytes.TrimSpace(stripComments([]byte(doc)))) == 0 {
			continue
		}
		obj, _, err := scheme.Codecs.UniversalDeserializer().Decode([]byte(doc), nil, nil)
		if err != nil {
			t.Fatalf("%s document %d: %v", name, i+1, err)
		}
		snap.Add(obj)
	}
}

func stripComments(b []byte) []byte {
	var out [][]byte
	for _, l := range bytes.Split(b, []byte("\n")) {
		if !bytes.HasPrefix(bytes.TrimSpace(l), []byte("#")) {
			out = append(out, l)
		}
	}
	return bytes.Join(out, []byte("\n"))
}

func resolve(t testing.TB, snap *snapshot.Snapshot) *tenancy.Tenancy {
	t.Helper()
	ten, err := tenancy.Resolve(snap, tenancy.Config{})
	if err != nil {
		t.Fatal(err)
	}
	return ten
}
