package render

import (
	"fmt"
	"strings"
	"testing"

	"github.com/bulkhead-dev/bulkhead/internal/attackpath"
	"github.com/bulkhead-dev/bulkhead/internal/finding"
)

// Paths to cluster-admin that the audit gave no hops (past its witness
// budget) are named a line per severity, not a line each; -v lists each.
func TestAdminPathsWithoutHops(t *testing.T) {
	r := demoReport(t)
	x := r.Isolation
	for i := range 14 {
		x.AdminPaths = append(x.AdminPaths, attackpath.Path{From: fmt.Sprintf("bare-%02d", i), To: "cluster-admin", Severity: finding.Critical,
			Layers: []finding.Category{finding.API, finding.Node}, Unsearched: true})
	}
	x.AdminPaths = append(x.AdminPaths, attackpath.Path{From: "bare-high", To: "cluster-admin", Severity: finding.High, Layers: []finding.Category{finding.API}, Unsearched: true})
	var b strings.Builder
	if err := Text(&b, r, TextOptions{Width: 1000}); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"  CRITICAL bare-00, bare-01, bare-02, bare-03, bare-04, bare-05, bare-06, bare-07, bare-08, bare-09, … 4 more (-v), without their hops (bulkhead paths --from TENANT --to cluster-admin)\n",
		" bare-high, without their hops (bulkhead paths --from TENANT --to cluster-admin)\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("no line %q in:\n%s", want, out[strings.Index(out, "paths to cluster-admin:"):])
		}
	}
	if html := htmlOf(t, r); !strings.Contains(html, "api+node; its hops: bulkhead paths --from bare-13 --to cluster-admin") {
		t.Errorf("the HTML report does not say how to get the hops of a path without them")
	}
	b.Reset()
	if err := Text(&b, r, TextOptions{Width: 1000, Verbose: true}); err != nil {
		t.Fatal(err)
	}
	if want := " bare-13: api+node (bulkhead paths --from bare-13 --to cluster-admin)\n"; !strings.Contains(b.String(), want) {
		t.Errorf("-v does not list each path to cluster-admin as %q", want)
	}
}
