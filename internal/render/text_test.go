package render

import (
	"bytes"
	"strings"
	"testing"

	"github.com/bulkhead-dev/bulkhead/internal/analysis"
	"github.com/bulkhead-dev/bulkhead/internal/attackpath"
	"github.com/bulkhead-dev/bulkhead/internal/finding"
	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
	"github.com/bulkhead-dev/bulkhead/internal/tenancy"
)

func report() *analysis.Report {
	return &analysis.Report{
		Source:   "test",
		Tenants:  []tenancy.Tenant{{Name: "cluster", Namespaces: []string{"kube-system"}, System: true}, {Name: "a", Namespaces: []string{"a"}}},
		Analyses: []analysis.Analysis{{Name: "api", Category: finding.API, Status: analysis.Ran, Findings: 1}, {Name: "network", Category: finding.Network, Status: analysis.Incomplete, Notes: []string{"networkpolicies.networking.k8s.io forbidden"}}},
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
	for _, want := range []string{"analyses: api ran, network incomplete\n          (networkpolicies.networking.k8s.io forbidden)", "… 1 more step (-v)", "1 finding: 1 high; 2 tenants", "HIGH     BH-X-001  word word", "\n                   word word"} {
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
	if !strings.Contains(out, "\x1b[31mHIGH") || !strings.Contains(out, "  - word word") {
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

// TestTextGroupsByCheck: findings of one check are printed once, the
// namespaces they are about listed on one line, the fix given once.
func TestTextGroupsByCheck(t *testing.T) {
	r := report()
	r.Findings = nil
	for _, ns := range []string{"team-b", "team-a", "team-c"} {
		r.Findings = append(r.Findings, finding.Finding{
			ID: "BH-NET-002", Severity: finding.Medium, SourceTenant: "*", TargetTenant: ns,
			Reason:      "namespace " + ns + " has no default-deny ingress NetworkPolicy",
			Witness:     []finding.Step{{Object: finding.Ref{Kind: "Namespace", Name: ns}, Fact: "1 of 1 pods not isolated for ingress"}},
			Remediation: "Add a NetworkPolicy in " + ns + ".",
		})
	}
	var b bytes.Buffer
	if err := Text(&b, r, TextOptions{}); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"3 findings: 3 medium",
		"MEDIUM   BH-NET-002 (3)  namespace … has no default-deny ingress NetworkPolicy\n  where … is team-a, team-b, team-c\n  for team-b:\n    why Namespace/team-b: 1 of 1 pods not isolated for ingress\n    fix Add a NetworkPolicy in team-b.\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if n := strings.Count(out, "fix "); n != 1 {
		t.Errorf("%d fixes printed, want 1:\n%s", n, out)
	}
}

// TestTextListsDifferingReasons: reasons that differ in more than a few
// words are listed one per line, cut without -v.
func TestTextListsDifferingReasons(t *testing.T) {
	r := report()
	f := r.Findings[0]
	r.Findings = nil
	for i := 0; i < listed+3; i++ {
		f.Reason = strings.Repeat("x ", i) + "differs"
		r.Findings = append(r.Findings, f)
	}
	var b bytes.Buffer
	if err := Text(&b, r, TextOptions{}); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	if !strings.Contains(out, "  … 3 more findings (-v)\n") || !strings.Contains(out, "for the first:") || strings.Count(out, "why ") != 1 {
		t.Errorf("15 findings of one check:\n%s", out)
	}
	b.Reset()
	r.Findings = r.Findings[:2]
	if err := Text(&b, r, TextOptions{}); err != nil {
		t.Fatal(err)
	}
	if out := b.String(); strings.Contains(out, "more finding") {
		t.Errorf("2 findings cut:\n%s", out)
	}
}

func TestCommon(t *testing.T) {
	for _, tc := range []struct {
		reasons []string
		title   string
		fills   []string
	}{
		{[]string{"namespace a has no policy", "namespace bb has no policy"}, "namespace … has no policy", []string{"a", "bb"}},
		{[]string{"pods of tenant a", "pods of tenant b c"}, "pods of tenant …", []string{"a", "b c"}},
		{[]string{"a x", "b y"}, "", nil},
		{[]string{"same", "same"}, "", nil},
		{[]string{"one"}, "", nil},
	} {
		t.Run(strings.Join(tc.reasons, "|"), func(t *testing.T) {
			title, fills, ok := common(tc.reasons)
			if ok != (tc.title != "") || title != tc.title || strings.Join(fills, "|") != strings.Join(tc.fills, "|") {
				t.Errorf("common = %q %q %v, want %q %q", title, fills, ok, tc.title, tc.fills)
			}
		})
	}
}

func TestTextAssumedAndWarnings(t *testing.T) {
	r := report()
	r.Assumed = &snapshot.Assumed{Version: "v1.32", Roles: 1, Bindings: 2}
	r.Warnings = []snapshot.Problem{{Where: "a.yaml:3 (document 1)", Message: "identical duplicate merged"}}
	var b bytes.Buffer
	if err := Text(&b, r, TextOptions{}); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{"1 built-in role and 2 bindings assumed from the Kubernetes v1.32 bootstrap policy\n", "1 input warning (listed at the end)", "a.yaml:3 (document 1): identical duplicate merged"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

// TestBreachedPairsCountsTenantPairs: the cluster tenant is no source and
// the platform's row is exposure: neither counts among the pairs.
func TestBreachedPairsCountsTenantPairs(t *testing.T) {
	x := &attackpath.Matrix{Tenants: []string{tenancy.Cluster, tenancy.Platform, "a", "b"}, Cells: []attackpath.Cell{
		{Source: "a", Target: tenancy.Cluster, Worst: finding.Critical},
		{Source: "a", Target: "b", Worst: finding.High},
		{Source: tenancy.Platform, Target: "b", Platform: true},
	}}
	if b, p := breachedPairs(x, ""); b != 2 || p != 6 {
		t.Errorf("breachedPairs = %d of %d, want 2 of 6 (a and b to the 3 others)", b, p)
	}
	if b, p := breachedPairs(x, "b"); b != 1 || p != 4 {
		t.Errorf("breachedPairs(b) = %d of %d, want 1 of 4", b, p)
	}
}
