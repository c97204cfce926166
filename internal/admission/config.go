package admission

import (
	"fmt"
	"slices"
	"sort"

	"sigs.k8s.io/yaml"
)

// Config is the webhook's configuration, read from a YAML file (a
// ConfigMap mounted into the webhook's pod):
//
//	dryRun: false
//	rules:
//	  BH-API-004: enforce   # enforce | warn | audit
//	  BH-NET-011: audit
//	exempt:
//	  users: ["ci-deployer"]
//	  groups: ["platform-admins"]
//
// Rules not named keep their default mode (Rules). The zero Config is the
// defaults.
type Config struct {
	// DryRun admits every request; what would have been denied is sent
	// back as a warning.
	DryRun bool `json:"dryRun,omitempty"`
	// Rules sets the mode of rules by ID.
	Rules map[string]Mode `json:"rules,omitempty"`
	// Exempt names the requesters whose requests are admitted unjudged:
	// platform operators and controllers that must write what tenants
	// may not.
	Exempt Exempt `json:"exempt,omitempty"`
}

// Exempt names users and groups by exact name.
type Exempt struct {
	Users  []string `json:"users,omitempty"`
	Groups []string `json:"groups,omitempty"`
}

// LoadConfig reads a configuration and checks it whole: unknown fields,
// rule IDs and modes are errors, reported before the webhook starts
// rather than when a request meets them.
func LoadConfig(data []byte) (Config, error) {
	var raw struct {
		DryRun bool              `json:"dryRun,omitempty"`
		Rules  map[string]string `json:"rules,omitempty"`
		Exempt Exempt            `json:"exempt,omitempty"`
	}
	if err := yaml.UnmarshalStrict(data, &raw); err != nil {
		return Config{}, fmt.Errorf("webhook configuration: %w", err)
	}
	c := Config{DryRun: raw.DryRun, Exempt: raw.Exempt}
	ids := make([]string, 0, len(raw.Rules))
	for id := range raw.Rules {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		m, err := ParseMode(raw.Rules[id])
		if err != nil {
			return Config{}, fmt.Errorf("webhook configuration: rule %s: %w", id, err)
		}
		if c.Rules == nil {
			c.Rules = map[string]Mode{}
		}
		c.Rules[id] = m
	}
	if err := c.Validate(); err != nil {
		return Config{}, fmt.Errorf("webhook configuration: %w", err)
	}
	return c, nil
}

// Validate reports a rule the webhook does not judge, a mode that is none
// of enforce, warn and audit, and a fixed rule set below enforce.
func (c Config) Validate() error {
	ids := make([]string, 0, len(c.Rules))
	for id := range c.Rules {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		r, ok := ruleOf(id)
		if !ok {
			return fmt.Errorf("rule %s is not one the webhook judges (bulkhead serve --list-rules)", id)
		}
		m := c.Rules[id]
		if !slices.Contains(modes, m) {
			return fmt.Errorf("rule %s: unknown mode %q (want enforce, warn or audit)", id, m)
		}
		if r.Fixed && m != Enforce {
			return fmt.Errorf("rule %s (%s) is always enforced", id, r.Title)
		}
	}
	return nil
}

// ModeOf returns the mode of a rule: the configured one, else its
// default; a rule the webhook does not know is enforced.
func (c Config) ModeOf(id string) Mode {
	if m, ok := c.Rules[id]; ok {
		return m
	}
	if r, ok := ruleOf(id); ok {
		return r.Default
	}
	return Enforce
}

// apiServerUser is the API server's own loopback client, which
// reconciles the bootstrap roles (system:aggregate-to-edit, ...) on every
// start: always exempt, so that a denial never leaves the cluster's own
// roles stale after an upgrade.
const apiServerUser = "system:apiserver"

// Exempts reports whether the requester is exempt: admitted unjudged,
// even while the webhook cannot judge anything else.
func (c Config) Exempts(u User) bool {
	if u.Name == apiServerUser || slices.Contains(c.Exempt.Users, u.Name) {
		return true
	}
	for _, g := range u.Groups {
		if slices.Contains(c.Exempt.Groups, g) {
			return true
		}
	}
	return false
}
