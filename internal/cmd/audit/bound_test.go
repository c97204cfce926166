package audit

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/bulkhead-dev/bulkhead/internal/analysis"
	"github.com/bulkhead-dev/bulkhead/internal/cli"
	"github.com/bulkhead-dev/bulkhead/internal/scalegen"
)

// TestBoundedReport: on a cluster of more tenant pairs than the report
// lists, the JSON lists the most severe pairs, counts the others, and its
// grid still gives every pair's verdict; the report follows the schema.
func TestBoundedReport(t *testing.T) {
	file := filepath.Join(t.TempDir(), "cluster.yaml")
	out, err := os.Create(file)
	if err != nil {
		t.Fatal(err)
	}
	// Each namespace its own tenant: 46 tenants, 2,070 ordered pairs.
	if _, err := scalegen.Write(out, scalegen.Config{Tenants: 8, Seed: 3, Format: scalegen.YAML}); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
	stdout, stderr, code := execute(t, "-f", file, "-o", "json", "--fail-on", "none")
	if code != cli.ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	doc, err := jsonschema.UnmarshalJSON(strings.NewReader(stdout))
	if err != nil {
		t.Fatal(err)
	}
	if err := reportSchema(t).Validate(doc); err != nil {
		t.Errorf("report does not follow %s: %v", schemaPath, err)
	}
	var r analysis.Report
	if err := json.Unmarshal([]byte(stdout), &r); err != nil {
		t.Fatal(err)
	}
	x := r.Isolation
	if len(x.Grid) != len(x.Tenants) {
		t.Fatalf("grid has %d rows for %d tenants", len(x.Grid), len(x.Tenants))
	}
	reached, worst := 0, map[[2]string]byte{}
	for a, row := range x.Grid {
		if len(row) != len(x.Tenants) {
			t.Fatalf("grid row %s has %d characters for %d tenants", x.Tenants[a], len(row), len(x.Tenants))
		}
		for b := range row {
			if row[b] != '.' && row[b] != '-' {
				reached++
				worst[[2]string{x.Tenants[a], x.Tenants[b]}] = row[b]
			}
		}
	}
	if len(x.Cells) != analysis.ListedCells || x.CellsOmitted != reached-analysis.ListedCells {
		t.Fatalf("%d cells listed and %d omitted, want %d and %d", len(x.Cells), x.CellsOmitted, analysis.ListedCells, reached-analysis.ListedCells)
	}
	listed := map[[2]string]bool{}
	least := byte('c')
	for _, c := range x.Cells {
		k := [2]string{c.Source, c.Target}
		if got := worst[k]; got != "ilmhc"[c.Worst] {
			t.Errorf("cell %s → %s is %s, the grid says %c", c.Source, c.Target, c.Worst, got)
		}
		listed[k] = true
		if c.Breached() {
			least = min(least, "ilmhc"[c.Worst])
		}
	}
	order := func(ch byte) int { return strings.IndexByte("ilmhc", ch) }
	for k, ch := range worst {
		if !listed[k] && k[0] != "platform" && order(ch) > order(least) {
			t.Errorf("%s → %s (%c) is left out, but a milder pair is listed", k[0], k[1], ch)
		}
	}
}
