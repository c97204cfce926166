package harden

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime/debug"
	"testing"

	"github.com/bulkhead-dev/bulkhead/internal/analysis"
	"github.com/bulkhead-dev/bulkhead/internal/scalegen"
)

// TestJSONBounded: on a cluster of more tenant pairs than a report lists,
// -o json lists the most severe pairs of each matrix and the worst
// residuals, analysis.ListedCells of each, and counts the others, as the
// audit's JSON does: a thousand tenants would otherwise write a million
// pairs three times over, and a million residuals.
func TestJSONBounded(t *testing.T) {
	var buf bytes.Buffer
	if _, err := scalegen.Write(&buf, scalegen.Config{Tenants: 40, Seed: 1}); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "cluster.yaml")
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	out, stderr, code := execute(t, "-f", path, "--tenant-label", "tenant", "-o", "json", "--fail-on", "none")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	type matrix struct {
		Tenants      []string                 `json:"tenants"`
		Cells        []struct{ Worst string } `json:"cells"`
		CellsOmitted int                      `json:"cellsOmitted"`
	}
	var doc struct {
		Before, After, Reviewed matrix
		Residuals               []struct{ Worst string } `json:"residuals"`
		ResidualsOmitted        int                      `json:"residualsOmitted"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	for name, m := range map[string]matrix{"before": doc.Before, "after": doc.After, "reviewed": doc.Reviewed} {
		if len(m.Cells) > analysis.ListedCells {
			t.Errorf("%s lists %d pairs, more than %d", name, len(m.Cells), analysis.ListedCells)
		}
		if n := len(m.Tenants); name != "reviewed" && m.CellsOmitted == 0 {
			t.Errorf("%s of %d tenants omits no pair", name, n)
		}
	}
	if len(doc.Residuals) != analysis.ListedCells || doc.ResidualsOmitted == 0 {
		t.Errorf("%d residuals listed and %d omitted, want %d listed and the rest counted", len(doc.Residuals), doc.ResidualsOmitted, analysis.ListedCells)
	}
}

// TestMemoryLimitRestored: the soft memory limit harden sets while it runs
// is lifted when it returns, for whatever the process does next.
func TestMemoryLimitRestored(t *testing.T) {
	t.Setenv("GOMEMLIMIT", "")
	before := debug.SetMemoryLimit(-1)
	if _, stderr, code := execute(t, "--demo", "-o", "json", "--fail-on", "none"); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if got := debug.SetMemoryLimit(-1); got != before {
		t.Errorf("memory limit %d after harden, want %d as before", got, before)
	}
}
