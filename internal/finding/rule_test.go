package finding

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func rule(id string, c Category) Rule {
	return Rule{ID: id, Category: c, Severity: High, Title: "t", Doc: "docs/checks/x.md"}
}

// Register refuses, by panicking at init, every declaration a test run
// must catch.
func TestRegisterPanics(t *testing.T) {
	for _, tc := range []struct {
		name  string
		rules []Rule
		want  string // in the panic; "" = no panic
	}{
		{"valid", []Rule{rule("BH-API-001", API), rule("BH-NET-009", Network), rule("BH-DNS-001", DNS), rule("BH-NODE-001", Node)}, ""},
		{"duplicate", []Rule{rule("BH-API-001", API), rule("BH-API-001", API)}, "rule BH-API-001 twice"},
		{"net ID under dns", []Rule{rule("BH-NET-009", DNS)}, "category dns wants an ID BH-DNS-NNN"},
		{"api ID under node", []Rule{rule("BH-API-001", Node)}, "wants an ID BH-NODE-NNN"},
		{"prefix of another prefix", []Rule{rule("BH-NODES-001", Node)}, "wants an ID BH-NODE-NNN"},
		{"no number", []Rule{rule("BH-API-", API)}, "wants an ID"},
		{"not a number", []Rule{rule("BH-API-01a", API)}, "wants an ID"},
		{"unknown category", []Rule{rule("BH-API-001", "apis")}, "unknown category"},
		{"no title", []Rule{{ID: "BH-API-001", Category: API, Title: " ", Doc: "d"}}, "no title"},
		{"no doc", []Rule{{ID: "BH-API-001", Category: API, Title: "t"}}, "no doc"},
		{"severity out of range", []Rule{{ID: "BH-API-001", Category: API, Severity: Critical + 1, Title: "t", Doc: "d"}}, "out of range"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := func() (msg string) {
				defer func() {
					if r := recover(); r != nil {
						msg = r.(string)
					}
				}()
				var g Registry
				g.Register(tc.rules...)
				return ""
			}()
			switch {
			case tc.want == "" && got != "":
				t.Errorf("Register panicked: %s", got)
			case tc.want != "" && !strings.Contains(got, tc.want):
				t.Errorf("Register panic = %q, want one containing %q", got, tc.want)
			}
		})
	}
}

func TestRegistryLookup(t *testing.T) {
	var g Registry
	g.Register(rule("BH-NODE-002", Node), rule("BH-API-001", API))
	g.Register(rule("BH-DNS-001", DNS))
	var ids []string
	for _, r := range g.Rules() {
		ids = append(ids, r.ID)
	}
	if d := cmp.Diff([]string{"BH-API-001", "BH-DNS-001", "BH-NODE-002"}, ids); d != "" {
		t.Errorf("Rules not by ID (-want +got):\n%s", d)
	}
	if r, ok := g.RuleOf("BH-DNS-001"); !ok || r.Category != DNS {
		t.Errorf("RuleOf(BH-DNS-001) = %+v, %v", r, ok)
	}
	if _, ok := g.RuleOf("BH-DNS-002"); ok {
		t.Error("RuleOf found an unregistered rule")
	}
}

// Check ties a finding to a registry: registered, and under its rule's
// category.
func TestCheck(t *testing.T) {
	var g Registry
	g.Register(Rule{ID: "BH-NET-999", Category: Network, Severity: Low, Title: "test rule", Doc: "docs/checks/network.md"},
		Rule{ID: "BH-NET-997", Category: Network, Severity: Low, Graded: true, Title: "graded rule", Doc: "docs/checks/network.md"})
	for _, tc := range []struct {
		name string
		f    Finding
		want string // in the error; "" = none
	}{
		{"registered", Finding{ID: "BH-NET-999", Category: Network, Severity: Low}, ""},
		{"unregistered", Finding{ID: "BH-NET-998", Category: Network, Severity: Low}, "no such rule"},
		{"other category", Finding{ID: "BH-NET-999", Category: DNS, Severity: Low}, `category "dns", its rule's is "network"`},
		{"other severity", Finding{ID: "BH-NET-999", Category: Network, Severity: High}, "severity high, its rule's is low and does not grade"},
		{"graded", Finding{ID: "BH-NET-997", Category: Network, Severity: Critical}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := g.Check(&tc.f)
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("Check: %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("Check error = %v, want %q", err, tc.want)
			}
		})
	}
}
