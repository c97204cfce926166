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
// `snapshot -o json.gz` and audited with -f (a file, and stdin), gives
// the report of the YAML itself, but for the name of the input.
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
	for _, tc := range []struct {
		name  string
		yaml  string
		flags []string
	}{
		{"demo", demo, nil},
		{"generated", generated, []string{"--tenant-label", "tenant"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			audit := func(stdin []byte, input string) string {
				args := append([]string{"audit", "-f", input, "-o", "json", "--fail-on", "none"}, tc.flags...)
				report := string(run(t, stdin, args...))
				// The report names its input as given.
				return strings.Replace(report, `"source": "`+input+`"`, `"source": "INPUT"`, 1)
			}
			want := audit(nil, tc.yaml)

			gz := run(t, nil, "snapshot", "-f", tc.yaml, "-o", "json.gz")
			zr, err := gzip.NewReader(bytes.NewReader(gz))
			if err != nil {
				t.Fatalf("snapshot -o json.gz is not gzip: %v", err)
			}
			if _, err := io.Copy(io.Discard, zr); err != nil {
				t.Fatalf("snapshot -o json.gz does not decompress: %v", err)
			}
			file := filepath.Join(t.TempDir(), "cluster.json.gz")
			if err := os.WriteFile(file, gz, 0o644); err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(want, audit(nil, file)); d != "" {
				t.Errorf("audit -f cluster.json.gz (-yaml +json.gz):\n%s", d)
			}
			if d := cmp.Diff(want, audit(gz, "-")); d != "" {
				t.Errorf("audit -f - < cluster.json.gz (-yaml +json.gz):\n%s", d)
			}
		})
	}
}
