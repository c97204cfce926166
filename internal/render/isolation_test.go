package render

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/bulkhead-dev/bulkhead/internal/analysis"
	"github.com/bulkhead-dev/bulkhead/internal/attackpath"
	"github.com/bulkhead-dev/bulkhead/internal/finding"
)

// TestGridKeepsMostSevere: above gridMax tenants the grid shows the most
// exposed ones and says how many are hidden and where to see them.
func TestGridKeepsMostSevere(t *testing.T) {
	x := &attackpath.Matrix{}
	for i := 0; i < 15; i++ {
		x.Tenants = append(x.Tenants, fmt.Sprintf("t%02d", i))
	}
	// t14 → t13 is the one critical pair; t00..t09 reach each other at low.
	x.Cells = append(x.Cells, attackpath.Cell{Source: "t14", Target: "t13", Worst: finding.Critical, Layers: []finding.Category{finding.Node}})
	for i := 0; i < 9; i++ {
		x.Cells = append(x.Cells, attackpath.Cell{Source: x.Tenants[i], Target: x.Tenants[i+1], Worst: finding.Low, Layers: []finding.Category{finding.Network}})
	}
	var b bytes.Buffer
	if err := Text(&b, &analysis.Report{Source: "test", Isolation: x}, TextOptions{}); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	rows := 0
	for _, line := range strings.Split(out, "\n") {
		if !strings.Contains(line, "—") {
			continue
		}
		rows++
		if strings.Contains(line, " t10 ") || strings.Contains(line, " t00 ") {
			t.Errorf("an isolated or less exposed tenant kept in the grid: %q", line)
		}
	}
	for _, want := range []string{"10 of 210 tenant pairs breached", "t14", "t13", "the 10 most exposed of 15 tenants; 5 tenants hidden: -o json has every pair, --tenant NAME"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if rows != gridMax {
		t.Errorf("%d grid rows, want %d:\n%s", rows, gridMax, out)
	}
}

func TestGridFocus(t *testing.T) {
	x := &attackpath.Matrix{Tenants: []string{"a", "b", "c"}, Cells: []attackpath.Cell{
		{Source: "a", Target: "b", Worst: finding.High, Layers: []finding.Category{finding.API}},
	}}
	var b bytes.Buffer
	if err := Text(&b, &analysis.Report{Source: "test", Isolation: x}, TextOptions{Tenant: "b"}); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{"bulkhead audit (tenant b): test", "1 of 4 tenant pairs breached", "HIGH     a → b: api"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "rows: from") {
		t.Errorf("grid drawn for one tenant:\n%s", out)
	}
}
