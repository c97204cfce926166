package render

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/bulkhead-dev/bulkhead/internal/finding"
	"github.com/bulkhead-dev/bulkhead/internal/harden"
)

// TestHardenTextBounded: a big cluster's residual pairs are cut to the
// most severe, with a count of the others; -v shows them all.
func TestHardenTextBounded(t *testing.T) {
	p := &harden.Proof{}
	for i := range pairsMax + 5 {
		p.Residuals = append(p.Residuals, harden.Residual{Source: fmt.Sprintf("t%02d", i), Target: "x", Layers: []finding.Category{finding.Network}, Worst: finding.High, Reviewed: "isolated"})
	}
	var b bytes.Buffer
	if err := HardenText(&b, HardenResult{Source: "test", Proof: p}, TextOptions{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "… 5 more residual pairs") || strings.Contains(b.String(), "t25 → x") {
		t.Errorf("residuals not bounded:\n%s", b.String())
	}
	b.Reset()
	if err := HardenText(&b, HardenResult{Source: "test", Proof: p}, TextOptions{Verbose: true}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "t29 → x") {
		t.Errorf("-v left residuals out:\n%s", b.String())
	}
}
