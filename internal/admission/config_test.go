package admission

import (
	"slices"
	"strings"
	"testing"

	"github.com/bulkhead-dev/bulkhead/internal/finding"
	"github.com/bulkhead-dev/bulkhead/internal/node"
	"github.com/bulkhead-dev/bulkhead/internal/service"
)

func TestLoadConfig(t *testing.T) {
	for _, c := range []struct {
		name, yaml string
		want       string // error substring; "" for none
	}{
		{"empty is the defaults", ``, ""},
		{"modes", "dryRun: true\nrules:\n  BH-API-004: enforce\n  BH-NET-011: Audit\nexempt:\n  users: [ci]\n  groups: [ops]\n", ""},
		{"unknown rule", "rules:\n  BH-API-999: warn\n", "BH-API-999 is not one the webhook judges"},
		{"rule of the audit the webhook does not judge", "rules:\n  BH-API-007: warn\n", "BH-API-007 is not one"},
		{"unknown mode", "rules:\n  BH-API-004: block\n", `unknown mode "block"`},
		{"unresolved tenants are always denied", "rules:\n  BH-ADM-002: warn\n", "always enforced"},
		{"unknown field", "failClosed: true\n", "unknown field"},
		{"not YAML", "rules: [", "webhook configuration"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := LoadConfig([]byte(c.yaml))
			switch {
			case c.want == "" && err != nil:
				t.Fatalf("error %v", err)
			case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
				t.Fatalf("error %v, want one containing %q", err, c.want)
			}
		})
	}
}

// Every rule the webhook judges is one of the registry or its own, with a
// title, and ModeOf gives its default unless configured.
func TestRules(t *testing.T) {
	rules := Rules()
	if len(rules) != len(defaults)+len(admissionRules) {
		t.Errorf("%d rules, want %d: a default names a rule the registry lacks", len(rules), len(defaults)+len(admissionRules))
	}
	for _, r := range rules {
		t.Run(r.ID, func(t *testing.T) {
			if r.Title == "" {
				t.Error("no title")
			}
			if _, ok := finding.RuleOf(r.ID); !ok && !strings.HasPrefix(r.ID, "BH-ADM-") {
				t.Error("neither registered nor admission's own")
			}
			if got := (Config{}).ModeOf(r.ID); got != r.Default {
				t.Errorf("ModeOf = %s, want the default %s", got, r.Default)
			}
		})
	}
	c := Config{Rules: map[string]Mode{node.IDNodeEscape: Warn}}
	if got := c.ModeOf(node.IDNodeEscape); got != Warn {
		t.Errorf("configured ModeOf = %s", got)
	}
}

// The modes of the configuration decide what a violation does: enforce
// denies, warn admits with a warning, audit admits silently (the handler
// writes audit annotations); dry-run turns every denial into a warning;
// exempt requesters pass unjudged.
func TestModes(t *testing.T) {
	busy := busybox(t, "a-web")
	for _, c := range []struct {
		name     string
		cfg      Config
		user     User
		allowed  bool
		warnings []string // prefixes
		mode     Mode
	}{
		{"enforce", Config{}, User{Name: "alice"}, false, nil, Enforce},
		{"warn", Config{Rules: map[string]Mode{node.IDNodeEscape: Warn}}, User{Name: "alice"}, true, []string{"BH-NODE-001 "}, Warn},
		{"audit", Config{Rules: map[string]Mode{node.IDNodeEscape: Audit}}, User{Name: "alice"}, true, nil, Audit},
		{"dry run", Config{DryRun: true}, User{Name: "alice"}, true, []string{"dry run, would deny: BH-NODE-001 "}, Enforce},
		{"exempt user", Config{Exempt: Exempt{Users: []string{"alice"}}}, User{Name: "alice"}, true, nil, ""},
		{"exempt group", Config{Exempt: Exempt{Groups: []string{"ops"}}}, User{Name: "bob", Groups: []string{"ops"}}, true, nil, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			a := fixture(t, c.cfg)
			req := request(Create, busy, nil)
			req.User = c.user
			d := a.Decide(req)
			if d.Allowed != c.allowed {
				t.Errorf("allowed %v, want %v: %s", d.Allowed, c.allowed, d.Message)
			}
			if len(d.Warnings) != len(c.warnings) {
				t.Fatalf("warnings %q, want %q", d.Warnings, c.warnings)
			}
			for i, w := range c.warnings {
				if !strings.HasPrefix(d.Warnings[i], w) {
					t.Errorf("warning %q, want it to start %q", d.Warnings[i], w)
				}
			}
			var modes []Mode
			for _, v := range d.Violations {
				modes = append(modes, v.Mode)
			}
			if c.mode == "" && len(modes) > 0 || c.mode != "" && !slices.Contains(modes, c.mode) {
				t.Errorf("violation modes %v, want %q", modes, c.mode)
			}
		})
	}
	if _, err := New(fixture(t, Config{}).snap, fixture(t, Config{}).tenCfg, Config{Rules: map[string]Mode{service.IDExternalIPs: "off"}}); err == nil {
		t.Error("New took an unknown mode")
	}
}
