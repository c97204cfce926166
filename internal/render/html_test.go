package render

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"strings"
	"testing"

	"github.com/bulkhead-dev/bulkhead/internal/analysis"
	"github.com/bulkhead-dev/bulkhead/internal/attackpath"
	"github.com/bulkhead-dev/bulkhead/internal/cli"
	"github.com/bulkhead-dev/bulkhead/internal/finding"
	"github.com/bulkhead-dev/bulkhead/internal/tenancy"
)

// demoReport audits the built-in demo cluster as `bulkhead audit --demo`
// does, without a version (the golden file holds across releases).
func demoReport(t testing.TB) *analysis.Report {
	t.Helper()
	src := cli.Source{Demo: true}
	snap, ten, err := src.Load(context.Background(), cli.IOStreams{Out: io.Discard, ErrOut: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	return analysis.Run(analysis.NewFacts(snap, ten), analysis.Engines(), analysis.Options{Matrix: true})
}

func htmlOf(t testing.TB, r *analysis.Report) string {
	t.Helper()
	var b bytes.Buffer
	if err := HTML(&b, r); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// TestHTMLDemo pins the demo's page byte for byte: one report, one page.
func TestHTMLDemo(t *testing.T) {
	got := htmlOf(t, demoReport(t))
	if again := htmlOf(t, demoReport(t)); again != got {
		t.Fatal("two renderings of the demo differ")
	}
	goldenFile(t, "demo.html", got)
	for _, want := range []string{
		`<a href="#c-1" title="default → network: critical, network&#43;dns&#43;node">ndh</a>`,
		`<section class="cell sev-critical" id="c-1" data-source="default" data-target="network">`,
		`<text x="14" y="23">Pod/default/busybox</text>`,
		`<span class="edge l-node">escapes-to-node</span>`,
		`<tr id="f-0" data-severity="critical" data-layer="node" data-tenants="default *">`,
		`<b>13</b> of 16 tenant pairs breached`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("the demo's page lacks %s", want)
		}
	}
}

// fetching matches what would make a browser fetch something: a source,
// a style sheet, an import, a url() or a link to the web.
var fetching = regexp.MustCompile(`(?i)\ssrc=|<link[^>]+stylesheet|@import|url\(|href="(https?:)?//`)

// TestHTMLSelfContained: the page needs nothing but itself, and says so to
// the browser (a Content-Security-Policy that forbids every fetch).
func TestHTMLSelfContained(t *testing.T) {
	for name, r := range map[string]*analysis.Report{"demo": demoReport(t), "empty": {Source: "empty"}, "1000 tenants": bigReport(1000)} {
		t.Run(name, func(t *testing.T) {
			got := htmlOf(t, r)
			if m := fetching.FindString(got); m != "" {
				t.Errorf("the page fetches: %q", m)
			}
			if !strings.Contains(got, `content="default-src 'none';`) {
				t.Error("no Content-Security-Policy forbidding fetches")
			}
			if !strings.HasPrefix(got, "<!DOCTYPE html>") || !strings.HasSuffix(got, "</html>\n") {
				t.Error("not one whole page")
			}
		})
	}
}

// TestHTMLEscapes: names and reasons from the cluster are text, never
// markup, in the page and in the path graph.
func TestHTMLEscapes(t *testing.T) {
	evil := `<script>alert(1)</script>`
	r := &analysis.Report{
		Source:  evil,
		Tenants: []tenancy.Tenant{{Name: "a", Namespaces: []string{"a"}}, {Name: "b", Namespaces: []string{"b"}}},
		Findings: []finding.Finding{{ID: "BH-X-001", Severity: finding.High, Category: finding.API,
			SourceTenant: "a", TargetTenant: "b", Reason: evil, Witness: []finding.Step{{Object: finding.Ref{Kind: "Pod", Name: evil}, Fact: evil}}}},
		Isolation: &attackpath.Matrix{Tenants: []string{"a", "b"}, Cells: []attackpath.Cell{{
			Source: "a", Target: "b", Layers: []finding.Category{finding.API}, Worst: finding.High, Paths: 1, Findings: []string{"BH-X-001"},
			Witness: &attackpath.Path{Hops: []attackpath.Hop{{
				From: attackpath.Vertex{Kind: attackpath.User, Name: evil}, To: attackpath.Vertex{Kind: attackpath.Pod, Namespace: "b", Name: evil},
				Type: attackpath.ExecsInto, Layer: finding.API, Detail: evil}}},
		}}},
	}
	got := htmlOf(t, r)
	if strings.Contains(got, evil) {
		t.Errorf("the page holds %s unescaped", evil)
	}
	if n := strings.Count(got, "&lt;script&gt;alert(1)&lt;/script&gt;"); n < 5 {
		t.Errorf("the name is shown escaped %d times, want it in the title, finding, witness and path", n)
	}
}

// TestPathSVG: a box per vertex and a labelled arrow per hop, the full
// label in the arrow's title when the label is cut.
func TestPathSVG(t *testing.T) {
	pod := attackpath.Vertex{Kind: attackpath.Pod, Namespace: "a", Name: "web"}
	node := attackpath.Vertex{Kind: attackpath.Node, Name: attackpath.AnyNode}
	long := strings.Repeat("x", 200)
	for _, tc := range []struct {
		name            string
		path            *attackpath.Path
		boxes, arrows   int
		contains, lacks []string
	}{
		{name: "nil", path: nil},
		{name: "no hops", path: &attackpath.Path{}},
		{name: "two hops", path: &attackpath.Path{Hops: []attackpath.Hop{
			{From: pod, To: node, Type: "escapes-to-node", Layer: finding.Node, Detail: "privileged"},
			{From: node, To: attackpath.Vertex{Kind: attackpath.Pod, Namespace: "b", Name: "db"}, Type: "node-runs-pod", Layer: finding.Node},
		}}, boxes: 3, arrows: 2, contains: []string{
			`<g class="v k-pod">`, `>Pod/a/web</text>`, `>Node/(any node)</text>`, `>Pod/b/db</text>`,
			`<g class="e l-node"><title>escapes-to-node (privileged)</title>`, `>node-runs-pod</text>`,
		}},
		{name: "long detail cut", path: &attackpath.Path{Hops: []attackpath.Hop{
			{From: pod, To: node, Type: "reaches", Layer: finding.Network, Detail: long},
		}}, boxes: 2, arrows: 1, contains: []string{"<title>reaches (" + long + ")</title>", "…</text>"}, lacks: []string{long + ")</text>"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := string(pathSVG(tc.path))
			if tc.boxes == 0 {
				if got != "" {
					t.Fatalf("pathSVG = %q, want nothing", got)
				}
				return
			}
			if n := strings.Count(got, "<rect "); n != tc.boxes {
				t.Errorf("%d boxes, want %d", n, tc.boxes)
			}
			if n := strings.Count(got, "<line "); n != tc.arrows {
				t.Errorf("%d arrows, want %d", n, tc.arrows)
			}
			for _, s := range tc.contains {
				if !strings.Contains(got, s) {
					t.Errorf("svg lacks %s:\n%s", s, got)
				}
			}
			for _, s := range tc.lacks {
				if strings.Contains(got, s) {
					t.Errorf("svg holds %s", s)
				}
			}
		})
	}
}

// TestHTMLCellFindings: a cell lists the findings that name its pair,
// a "*" side standing for the tenants it lists or every tenant but the
// cluster's, and no finding of the same rule about another pair.
func TestHTMLCellFindings(t *testing.T) {
	fs := []finding.Finding{
		{ID: "BH-X-001", Reason: "a to b", SourceTenant: "a", TargetTenant: "b"},
		{ID: "BH-X-001", Reason: "a to c", SourceTenant: "a", TargetTenant: "c"},
		{ID: "BH-X-002", Reason: "any to b", SourceTenant: "*", TargetTenant: "b"},
		{ID: "BH-X-003", Reason: "listed", SourceTenant: "*", SourceTenants: []string{"c"}, TargetTenant: "b"},
	}
	x := &attackpath.Matrix{Tenants: []string{"a", "b", "c"}, Cells: []attackpath.Cell{
		{Source: "a", Target: "b", Findings: []string{"BH-X-001", "BH-X-002", "BH-X-003"}},
		{Source: "c", Target: "b", Findings: []string{"BH-X-002", "BH-X-003"}},
	}}
	m := newHTMLMatrix(x, fs, "", "")
	for i, want := range [][]string{{"a to b", "any to b"}, {"any to b", "listed"}} {
		var got []string
		for _, l := range m.Cells[i].Joined {
			got = append(got, l.Reason)
		}
		if strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("cell %d lists %q, want %q", i, got, want)
		}
	}
	if len(m.Rows) != 3 || m.Rows[0].Cells[1].ID != 0 || m.Rows[0].Cells[2].ID != -1 || !m.Rows[1].Cells[1].Self {
		t.Errorf("table rows %+v", m.Rows)
	}
}

// bigReport is an audit of n tenants (and the cluster's) with a third of
// the pairs breached: a million pairs at 1,000 tenants, the hundred worst
// with a witness and its evidence, three findings per tenant.
func bigReport(n int) *analysis.Report {
	r := &analysis.Report{Source: fmt.Sprintf("generated: %d tenants", n), Summary: map[string]int{}}
	x := &attackpath.Matrix{}
	r.Tenants = append(r.Tenants, tenancy.Tenant{Name: tenancy.Cluster, Namespaces: []string{"kube-system"}, System: true})
	x.Tenants = append(x.Tenants, tenancy.Cluster)
	for i := range n {
		name := fmt.Sprintf("team-%04d", i+1)
		var ns []string
		for j := range 5 {
			ns = append(ns, fmt.Sprintf("%s-ns%d", name, j))
		}
		r.Tenants = append(r.Tenants, tenancy.Tenant{Name: name, Namespaces: ns})
		x.Tenants = append(x.Tenants, name)
	}
	layers := [][]finding.Category{{finding.Network}, {finding.API, finding.Network}, {finding.Node}, {finding.Network, finding.DNS}}
	for a := 1; a < len(x.Tenants); a++ {
		for b := range x.Tenants {
			if a == b || (a+b)%3 != 0 {
				continue
			}
			x.Cells = append(x.Cells, attackpath.Cell{Source: x.Tenants[a], Target: x.Tenants[b], Layers: layers[(a*b)%4],
				Worst: finding.Severity((a*7 + b*3) % 5), Paths: 1 + (a+b)%4, Findings: []string{"BH-NET-001"}})
		}
	}
	for k, i := range attackpath.BreachesFirst(x.Cells) {
		if k == analysis.ExplainedCells {
			break
		}
		c := &x.Cells[i]
		from := attackpath.Vertex{Kind: attackpath.Pod, Namespace: c.Source + "-ns0", Name: "web-7d9f8c6b5-x2x4q"}
		node := attackpath.Vertex{Kind: attackpath.Node, Name: "node-017"}
		to := attackpath.Vertex{Kind: attackpath.Pod, Namespace: c.Target + "-ns3", Name: "db-0"}
		ev := func(v attackpath.Vertex, fact string) []finding.Step {
			return []finding.Step{{Object: v.Ref(), Fact: fact}, {Object: finding.Ref{Kind: "NetworkPolicy", Namespace: v.Namespace, Name: "allow-all"}, Fact: "ingress: [{}]"}}
		}
		c.Witness = &attackpath.Path{From: c.Source, To: c.Target, Target: to, Severity: c.Worst, Layers: c.Layers, Hops: []attackpath.Hop{
			{From: from, To: node, Type: "escapes-to-node", Layer: finding.Node, Severity: c.Worst, Detail: "spec.containers[app].securityContext.privileged=true", Evidence: ev(from, "privileged")},
			{From: node, To: to, Type: "node-runs-pod", Layer: finding.Node, Severity: c.Worst, Evidence: ev(to, "scheduled on node-017")},
		}}
	}
	x.Grid = matrixGrid(x)
	r.Isolation = x
	for i := 1; i < len(x.Tenants); i++ {
		t := x.Tenants[i]
		for j, sev := range []finding.Severity{finding.High, finding.Medium, finding.Low} {
			r.Findings = append(r.Findings, finding.Finding{
				ID: fmt.Sprintf("BH-NET-%03d", j+1), Severity: sev, Category: finding.Network,
				SourceTenant: "*", TargetTenant: t, Reason: "pods of every other tenant can open connections to pods of tenant " + t,
				Objects:     []finding.Ref{{Kind: "Namespace", Name: t + "-ns0"}},
				Witness:     []finding.Step{{Object: finding.Ref{Kind: "Namespace", Name: t + "-ns0"}, Fact: "no NetworkPolicy selects its pods for ingress"}},
				Remediation: "add a default-deny NetworkPolicy",
			})
			r.Summary[sev.String()]++
		}
	}
	finding.Sort(r.Findings)
	return r
}

// TestHTMLBounded: a thousand tenants' page lists the ListedCells most
// severe pairs with their panels, draws the grid of every pair on a canvas
// from the matrix's grid, and stays well under 20 MB.
func TestHTMLBounded(t *testing.T) {
	r := bigReport(1000)
	got := htmlOf(t, r)
	const limit = 20 << 20
	t.Logf("1,000 tenants, %d cells, %d findings: %.1f MB", len(r.Isolation.Cells), len(r.Findings), float64(len(got))/(1<<20))
	if len(got) >= limit {
		t.Errorf("the page is %d bytes, want under %d", len(got), limit)
	}
	if n := strings.Count(got, `<section class="cell `); n != analysis.ListedCells {
		t.Errorf("%d cell panels, want %d", n, analysis.ListedCells)
	}
	if n := strings.Count(got, `<svg class="path"`); n != analysis.ExplainedCells {
		t.Errorf("%d path graphs, want %d", n, analysis.ExplainedCells)
	}
	if strings.Contains(got, `<table class="grid">`) {
		t.Error("a table of a million pairs")
	}
	start := strings.Index(got, `<script type="application/json" id="grid-data">`)
	if start < 0 {
		t.Fatal("no grid data for the canvas")
	}
	data := got[start+len(`<script type="application/json" id="grid-data">`):]
	data = data[:strings.Index(data, "</script>")]
	var grid struct {
		Tenants []string
		Grid    []string
		Cells   [][3]int
	}
	if err := json.Unmarshal([]byte(data), &grid); err != nil {
		t.Fatalf("grid data: %v", err)
	}
	if len(grid.Tenants) != 1001 || len(grid.Grid) != 1001 || len(grid.Grid[5]) != 1001 || len(grid.Cells) != analysis.ListedCells {
		t.Errorf("grid data of %d tenants, %d rows, %d cells", len(grid.Tenants), len(grid.Grid), len(grid.Cells))
	}
	if !strings.Contains(got, fmt.Sprintf("%d more are in the grid", len(r.Isolation.Cells)-analysis.ListedCells)) {
		t.Error("the page does not say how many pairs it does not list")
	}
}

// BenchmarkHTML writes the page of a thousand tenants.
func BenchmarkHTML(b *testing.B) {
	r := bigReport(1000)
	var size int
	for b.Loop() {
		var buf bytes.Buffer
		if err := HTML(&buf, r); err != nil {
			b.Fatal(err)
		}
		size = buf.Len()
	}
	b.ReportMetric(float64(size)/(1<<20), "MB")
}

// TestHTMLComparison: a page held against a baseline or a suppressions
// file says what they left out and what is new, never a cleaner cluster
// without saying why; one finding is "1 finding".
func TestHTMLComparison(t *testing.T) {
	r := edgeReport()
	r.Findings = r.Findings[:1]
	r.Baseline = &analysis.Baseline{File: "previous.json", Findings: 38, Pairs: 11, AdminPaths: 1}
	r.Suppressed = []analysis.Suppressed{{Finding: finding.Finding{ID: "BH-API-002"}, By: "s.yaml:3", Reason: "audited"}}
	page := htmlOf(t, r)
	for _, want := range []string{
		"Compared with the baseline previous.json, which already has 38 findings of this report: those are left out of this page; new: 1 finding.",
		"1 finding suppressed, left out of this page",
		"<b>1</b> finding</div>",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
}
