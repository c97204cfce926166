package render

import (
	"path/filepath"
	"testing"

	"github.com/bulkhead-dev/bulkhead/internal/golden"
)

// goldenFile compares got with testdata/name, or rewrites it with -update.
func goldenFile(t *testing.T, name, got string) {
	t.Helper()
	golden.Check(t, filepath.Join("testdata", name), []byte(got))
}
