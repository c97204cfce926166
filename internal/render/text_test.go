package render

import (
	"bytes"
	"strings"
	"testing"

	"github.com/bulkhead-dev/bulkhead/internal/audit"
	"github.com/bulkhead-dev/bulkhead/internal/finding"
	"github.com/bulkhead-dev/bulkhead/internal/tenancy"
)

func report() *audit.Report {
	return &audit.Report{
		Source:   "test",
		Tenants:  []tenancy.Tenant{{Name: "cluster", Namespaces: []string{"kube-system"}, System: true}, {Name: "a", Namespaces: []string{"a"}}},
		Analyses: []audit.Analysis{{Name: "api", Category: finding.API, Status: audit.Ran, Findings: 1}, {Name: "network", Category: finding.Network, Status: audit.Incomplete, Notes: []string{"networkpolicies.networking.k8s.io forbidden"}}},
		Summary:  map[string]int{"high": 1},
		Findings: []finding.Finding{{
			ID: "BH-X-001", Severity: finding.High, Category: finding.API, SourceTenant: "a", TargetTenant: "b",
			Reason: strings.Repeat("word ", 40),
			Witness: []finding.Step{
				{Object: finding.Ref{Kind: "RoleBinding", Namespace: "b", Name: "x"}, Fact: "one"},
				{Object: finding.Ref{Kind: "Role", Namespace: "b", Name: "y"}, Fact: "two"},
				{Object: finding.Ref{Kind: "Role", Namespace: "b", Name: "y"}, Fact: "three"},
				{Object: finding.Ref{Kind: "Role", Namespace: "b", Name: "y"}, Fact: "four"},
				{Object: finding.Ref{Kind: "Role", Namespace: "b", Name: "y"}, Fact: "five"},
			},
		}},
	}
}

func TestTextFitsWidth(t *testing.T) {
	var b bytes.Buffer
	if err := Text(&b, report(), TextOptions{Width: 60}); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, line := range strings.Split(out, "\n") {
		if n := visibleLen(line); n > 60 {
			t.Errorf("line of %d columns: %q", n, line)
		}
	}
	for _, want := range []string{"network   INCOMPLETE", "networkpolicies.networking.k8s.io forbidden", "== a → b (1)", "… 1 more steps (-v)", "summary: 1 findings: 1 high", "  HIGH     BH-X-001  word word", "\n                     word word"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "\x1b[") {
		t.Error("colour without Color")
	}
}

func TestTextVerboseAndColor(t *testing.T) {
	var b bytes.Buffer
	if err := Text(&b, report(), TextOptions{Color: true, Verbose: true}); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	if !strings.Contains(out, "five") || strings.Contains(out, "more steps") {
		t.Errorf("verbose output cut the witness:\n%s", out)
	}
	if !strings.Contains(out, "\x1b[31mHIGH") {
		t.Errorf("no colour with Color:\n%q", out)
	}
}

func TestVisibleLen(t *testing.T) {
	for in, want := range map[string]int{"": 0, "abc": 3, "\x1b[1;31mab\x1b[0m": 2, "→ x": 3} {
		if got := visibleLen(in); got != want {
			t.Errorf("visibleLen(%q) = %d, want %d", in, got, want)
		}
	}
}

func TestTextCutsLongPairs(t *testing.T) {
	r := report()
	f := r.Findings[0]
	for i := 0; i < 14; i++ {
		r.Findings = append(r.Findings, f)
	}
	var b bytes.Buffer
	if err := Text(&b, r, TextOptions{}); err != nil {
		t.Fatal(err)
	}
	if out := b.String(); !strings.Contains(out, "… 5 more findings for a → b (-v or -o json)") || strings.Count(out, "BH-X-001") != perPair {
		t.Errorf("15 findings of a pair, %d shown:\n%s", strings.Count(out, "BH-X-001"), out)
	}
}
