package snapshot_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/bulkhead-dev/bulkhead/internal/app"
	"github.com/bulkhead-dev/bulkhead/internal/cli"
	"github.com/bulkhead-dev/bulkhead/internal/scalegen"
)

// run runs bulkhead with args and stdin, failing the test on an exit code
// other than 0.
func run(t *testing.T, stdin []byte, args ...string) []byte {
	t.Helper()
	var out, errOut bytes.Buffer
	if code := app.Run(context.Background(), args, cli.IOStreams{In: bytes.NewReader(stdin), Out: &out, ErrOut: &errOut}); code != 0 {
		t.Fatalf("bulkhead %s: exit %d: %s", strings.Join(args, " "), code, errOut.String())
	}
	return out.Bytes()
}

// TestCompressedSnapshotAuditsAsTheYAML: a cluster's YAML, written with
// `snapshot -o json.gz` or `-o yaml.gz` and audited with -f (a file, and
// stdin), gives the report of the YAML itself, but for the name of the
// input; written again as JSON, it is the snapshot the YAML makes.
func TestCompressedSnapshotAuditsAsTheYAML(t *testing.T) {
	dir := t.TempDir()
	demo := filepath.Join(dir, "demo.yaml")
	if err := os.WriteFile(demo, run(t, nil, "snapshot", "--demo", "-o", "yaml"), 0o644); err != nil {
		t.Fatal(err)
	}
	generated := filepath.Join(dir, "generated.yaml")
	var buf bytes.Buffer
	if _, err := scalegen.Write(&buf, scalegen.Config{Tenants: 2, Seed: 1, Format: scalegen.YAML}); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(generated, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	corpus := func(name string) string { return filepath.Join("..", "..", "corpus", "testdata", name) }
	for _, tc := range []struct {
		name  string
		input string
		flags []string
	}{
		{"demo", demo, nil},
		{"generated", generated, []string{"--tenant-label", "tenant"}},
		{"platform", corpus("platform"), []string{"--platform-namespaces", "monitoring,ingress-nginx"}},
		{"capsule", corpus("capsule"), []string{"--tenant-label", "capsule.clastix.io/tenant"}},
		{"boutique", corpus("boutique"), nil},
	} {
		for _, format := range []string{"json.gz", "yaml.gz"} {
			t.Run(tc.name+"/"+format, func(t *testing.T) {
				audit := func(stdin []byte, input string) string {
					args := append([]string{"audit", "-f", input, "-o", "json", "--fail-on", "none"}, tc.flags...)
					report := string(run(t, stdin, args...))
					// The report names its input as given.
					return strings.Replace(report, `"source": "`+input+`"`, `"source": "INPUT"`, 1)
				}
				asJSON := func(input string) string {
					out := string(run(t, nil, append([]string{"snapshot", "-f", input, "-o", "json"}, tc.flags...)...))
					return strings.Replace(out, `"source": "`+input+`"`, `"source": "INPUT"`, 1)
				}
				want := audit(nil, tc.input)

				written := run(t, nil, append([]string{"snapshot", "-f", tc.input, "-o", format}, tc.flags...)...)
				zr, err := gzip.NewReader(bytes.NewReader(written))
				if err != nil {
					t.Fatalf("snapshot -o %s is not gzip: %v", format, err)
				}
				if _, err := io.Copy(io.Discard, zr); err != nil {
					t.Fatalf("snapshot -o %s does not decompress: %v", format, err)
				}
				file := filepath.Join(t.TempDir(), "cluster."+format)
				if err := os.WriteFile(file, written, 0o644); err != nil {
					t.Fatal(err)
				}
				if d := cmp.Diff(want, audit(nil, file)); d != "" {
					t.Errorf("audit -f cluster.%s (-yaml +%[1]s):\n%s", format, d)
				}
				if d := cmp.Diff(want, audit(written, "-")); d != "" {
					t.Errorf("audit -f - < cluster.%s (-yaml +%[1]s):\n%s", format, d)
				}
				if d := cmp.Diff(asJSON(tc.input), asJSON(file)); d != "" {
					t.Errorf("snapshot -o json of cluster.%s (-yaml +%[1]s):\n%s", format, d)
				}
			})
		}
	}
}
