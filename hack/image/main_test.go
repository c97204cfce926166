package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Bad flags and binaries are errors naming what is wrong, never a panic or
// a half-written image.
func TestRunRefuses(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "bulkhead")
	if err := os.WriteFile(bin, []byte("not a binary, but bytes"), 0o755); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out.tar")
	base := []string{"-o", out, "-version", "v1", "-created", "0"}
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"no binary", base, "at least one os/arch=BINARY"},
		{"no version", []string{"-o", out, "-created", "0", "linux/amd64=" + bin}, "-version"},
		{"no output", []string{"-version", "v1", "-created", "0", "linux/amd64=" + bin}, "-o"},
		{"no created", []string{"-o", out, "-version", "v1", "-created", "", "linux/amd64=" + bin}, "SOURCE_DATE_EPOCH"},
		{"created not seconds", []string{"-o", out, "-version", "v1", "-created", "2024-01-01", "linux/amd64=" + bin}, `-created "2024-01-01"`},
		{"negative created", []string{"-o", out, "-version", "v1", "-created", "-5", "linux/amd64=" + bin}, "seconds since the epoch"},
		{"no platform", append(base, bin), "want os/arch=path"},
		{"no path", append(base, "linux/amd64="), "want os/arch=path"},
		{"no arch", append(base, "linux="+bin), "want os/arch=path"},
		{"platform twice", append(base, "linux/amd64="+bin, "linux/amd64="+bin), "linux/amd64 given twice"},
		{"missing binary", append(base, "linux/amd64="+filepath.Join(dir, "absent")), "read binary"},
		{"unwritable output", []string{"-o", filepath.Join(dir, "absent", "out.tar"), "-version", "v1", "-created", "0", "linux/amd64=" + bin}, "write archive"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			err := run(tc.args, &stdout, &stderr)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("run(%q) = %v, want an error containing %q", tc.args, err, tc.want)
			}
			if _, err := os.Stat(out); err == nil {
				t.Error("an archive was written")
			}
		})
	}
}
