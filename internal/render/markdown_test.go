package render

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/bulkhead-dev/bulkhead/internal/analysis"
	"github.com/bulkhead-dev/bulkhead/internal/attackpath"
	"github.com/bulkhead-dev/bulkhead/internal/cli"
	"github.com/bulkhead-dev/bulkhead/internal/finding"
	"github.com/bulkhead-dev/bulkhead/internal/scalegen"
	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
)

func markdownOf(t *testing.T, r *analysis.Report) string {
	t.Helper()
	var b bytes.Buffer
	if err := Markdown(&b, r); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// tableRows counts the rows of the table under a heading.
func tableRows(md, heading string) int {
	_, after, ok := strings.Cut(md, "### "+heading+"\n")
	if !ok {
		return -1
	}
	if end := strings.Index(after, "\n### "); end >= 0 {
		after = after[:end]
	}
	n := 0
	for _, line := range strings.Split(after, "\n") {
		if strings.HasPrefix(line, "| ") {
			n++
		}
	}
	return max(n-1, 0) // the header
}

// TestMarkdownDemo pins the demo's summary: `bulkhead audit --demo -o
// markdown`.
func TestMarkdownDemo(t *testing.T) {
	got := markdownOf(t, demoReport(t))
	if markdownOf(t, demoReport(t)) != got {
		t.Error("two summaries of the demo differ")
	}
	goldenFile(t, "demo.md", got)
}

// TestMarkdownBounded: a thousand tenants, a third of their million pairs
// breached and three thousand findings fit a GitHub comment, listing the
// worst and counting the rest.
func TestMarkdownBounded(t *testing.T) {
	r := bigReport(1000)
	got := markdownOf(t, r)
	if n := utf8.RuneCountInString(got); n > MarkdownLimit {
		t.Errorf("%d characters, over GitHub's %d", n, MarkdownLimit)
	}
	if n := tableRows(got, "Tenant pairs breached"); n != MarkdownPairs {
		t.Errorf("%d pairs listed, want %d", n, MarkdownPairs)
	}
	if n := tableRows(got, "Findings"); n != MarkdownFindings {
		t.Errorf("%d findings listed, want %d", n, MarkdownFindings)
	}
	breached, _ := breachedPairs(r.Isolation, "")
	for _, want := range []string{
		"… and " + strconv.Itoa(breached-MarkdownPairs) + " more breached pairs.",
		"… and " + strconv.Itoa(len(r.Findings)-MarkdownFindings) + " more findings.",
		"| team-",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("summary lacks %q", want)
		}
	}
	// Worst first: the first pair listed is critical, as is the worst cell.
	if _, rows, _ := strings.Cut(got, "|---|---|---|---|---|---|\n"); !strings.Contains(strings.SplitN(rows, "\n", 2)[0], "**critical**") {
		t.Errorf("first pair is not the worst: %s", strings.SplitN(rows, "\n", 2)[0])
	}
}

// TestMarkdownScale audits a generated cluster of 10,000 pods (100 tenants)
// as `audit -f --tenant-label tenant -o markdown` does: it fits a comment.
func TestMarkdownScale(t *testing.T) {
	if testing.Short() {
		t.Skip("audits 10,000 pods")
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "cluster.yaml")
	f, err := os.Create(file)
	if err != nil {
		t.Fatal(err)
	}
	stats, err := scalegen.Write(f, scalegen.Config{Tenants: scalegen.Tenants(10000), Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	src := cli.Source{Files: []string{file}, TenantLabel: "tenant"}
	snap, ten, err := src.Load(context.Background(), cli.IOStreams{Out: io.Discard, ErrOut: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	r := analysis.Run(analysis.NewFacts(snap, ten), analysis.Engines(), analysis.Options{Matrix: true})
	got := markdownOf(t, r)
	t.Logf("%d pods, %d tenants, %d findings: %d characters", stats.Pods, len(r.Tenants), len(r.Findings), utf8.RuneCountInString(got))
	if n := utf8.RuneCountInString(got); n > MarkdownLimit {
		t.Errorf("%d characters, over GitHub's %d", n, MarkdownLimit)
	}
	if len(r.Findings) <= MarkdownFindings {
		t.Fatalf("only %d findings: the bound is not tested", len(r.Findings))
	}
	if n := tableRows(got, "Findings"); n != MarkdownFindings {
		t.Errorf("%d findings listed, want %d", n, MarkdownFindings)
	}
}

// TestMarkdownBaseline: with a baseline, the new pairs and the new
// findings come first, then the pairs breached.
func TestMarkdownBaseline(t *testing.T) {
	r := demoReport(t)
	r.Baseline = &analysis.Baseline{File: "previous.json", Findings: 20, Pairs: 12,
		NewPairs: []analysis.TenantPair{{Source: "default", Target: "network", Worst: finding.Critical}}}
	r.Findings = r.Findings[:2]
	got := markdownOf(t, r)
	order := []string{"**2 new findings**", "Baseline `previous.json`: 20 findings, 12 breached pairs and 0 paths to cluster-admin it already held are left out.",
		"### New tenant pairs breached", "| default | network | **critical** |", "### New findings", "### Tenant pairs breached, the baseline's included"}
	at := 0
	for _, want := range order {
		i := strings.Index(got[at:], want)
		if i < 0 {
			t.Fatalf("%q missing, or not after %q:\n%s", want, got[:at], got)
		}
		at += i + len(want)
	}
	if strings.Contains(got, "### Findings") {
		t.Error("a baseline's findings are new findings")
	}
}

// TestMarkdownCells: a finding's text stays in its cell: no pipe, line
// break or HTML escapes it, however long.
func TestMarkdownCells(t *testing.T) {
	r := &analysis.Report{Source: "<b>x</b>", Findings: []finding.Finding{{
		ID: "BH-NET-001", Severity: finding.High, SourceTenant: "a|b", TargetTenant: "c",
		Reason:  "a | b\nc <script>alert(1)</script> *bold* " + strings.Repeat("long ", 200),
		Objects: []finding.Ref{{Kind: "Pod", Namespace: "a", Name: "x`|y"}},
	}}}
	got := markdownOf(t, r)
	var row string
	for _, line := range strings.Split(got, "\n") {
		if strings.HasPrefix(line, "| **high** |") {
			row = line
		}
	}
	if row == "" {
		t.Fatalf("no row for the finding:\n%s", got)
	}
	for _, bad := range []string{"<script>", "<b>", " | b", "*bold*", "a|b"} {
		if strings.Contains(got, bad) {
			t.Errorf("%q unescaped:\n%s", bad, got)
		}
	}
	if cells := strings.Count(strings.ReplaceAll(row, `\|`, ""), "|"); cells != 6 {
		t.Errorf("row of %d pipes, want 6: %s", cells, row)
	}
	if utf8.RuneCountInString(row) > 2*markdownCell {
		t.Errorf("row of %d characters", utf8.RuneCountInString(row))
	}
	if !strings.Contains(row, "`Pod/a/x\\|y`") {
		t.Errorf("object cell: %s", row)
	}
}

// TestMarkdownIncomplete: analyses that did not run or ran on partial
// input, and input skipped, are said, never a silent green.
func TestMarkdownIncomplete(t *testing.T) {
	r := report()
	r.Problems = []snapshot.Problem{{Where: "x.yaml:1", Message: "bad"}}
	r.Isolation = &attackpath.Matrix{Tenants: []string{"cluster", "a"}}
	got := markdownOf(t, r)
	for _, want := range []string{"✅ api ran", "⚠️ **network incomplete** (networkpolicies.networking.k8s.io forbidden)",
		"**The verdict stands on partial input**", "⚠️ 1 input document skipped", "None: every tenant is isolated from every other."} {
		if !strings.Contains(got, want) {
			t.Errorf("summary lacks %q:\n%s", want, got)
		}
	}
}

// TestTextBaseline: with a baseline, the text report lists the new pairs
// and paths to cluster-admin only, under a header that counts them; the
// grid keeps the rest in view.
func TestTextBaseline(t *testing.T) {
	r := demoReport(t)
	r.Baseline = &analysis.Baseline{File: "previous.json", Findings: 25, Pairs: 12,
		NewPairs: []analysis.TenantPair{{Source: "default", Target: "network", Worst: finding.Critical}}}
	var b strings.Builder
	if err := Text(&b, r, TextOptions{Width: 200}); err != nil {
		t.Fatal(err)
	}
	got := b.String()
	for _, want := range []string{"13 of 16 tenant pairs breached, 1 new or worse since the baseline", "default → network:", "   2 default "} {
		if !strings.Contains(got, want) {
			t.Errorf("%q missing:\n%s", want, got)
		}
	}
	for _, gone := range []string{"default → test:", "network → default:", "paths to cluster-admin:"} {
		if strings.Contains(got, gone) {
			t.Errorf("%q is in the baseline, yet listed:\n%s", gone, got)
		}
	}
}

// TestTextLongTenantNames: a breached pair of tenants with long names is
// wrapped to the width, not printed on one line of 136 columns.
func TestTextLongTenantNames(t *testing.T) {
	a, b := strings.Repeat("payments-", 5)+"eu", strings.Repeat("analytics-", 4)+"us"
	r := &analysis.Report{Source: "test", Findings: []finding.Finding{}, Isolation: &attackpath.Matrix{Tenants: []string{a, b},
		Cells: []attackpath.Cell{{Source: a, Target: b, Layers: []finding.Category{finding.Network, finding.DNS}, Worst: finding.High, Paths: 12}}}}
	var out strings.Builder
	if err := Text(&out, r, TextOptions{Width: 100}); err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(out.String(), "\n") {
		if len([]rune(line)) > 100 {
			t.Errorf("%d columns: %q", len([]rune(line)), line)
		}
	}
	if !strings.Contains(strings.Join(strings.Fields(out.String()), " "), a+" → "+b+": network+dns, 12 assets reached") {
		t.Errorf("the pair is not named whole:\n%s", out.String())
	}
}
