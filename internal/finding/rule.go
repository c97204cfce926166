package finding

import (
	"fmt"
	"slices"
	"strings"
	"sync"
)

// Rule is one check: every finding carries the ID of the rule it was
// raised by, and the rule says once, for every consumer (reports, SARIF,
// baselines, --checks, admission configuration), what the ID means. Each
// engine package declares its rules beside its checks and registers them
// at init; docs/checks/ documents each, and a test holds the registry, the
// emitted findings and the docs in step.
type Rule struct {
	// ID is the stable identifier, "BH-<LAYER>-<NNN>"; LAYER matches the
	// Category (see Prefix).
	ID string
	// Category is the isolation layer every finding of the rule is
	// reported under, as emitted.
	Category Category
	// Severity is the rule's default severity: that of every finding of a
	// rule that does not grade, and the usual one of a rule that does.
	Severity Severity
	// Graded is set when the rule grades each finding (RBAC findings by
	// the permissions granted, node escapes by what the pod may do to its
	// node); its declaration says how, and docs/checks/ gives the
	// severities it takes.
	Graded bool
	// Title names what the rule finds in a line: the bold lead of its row
	// in docs/checks/.
	Title string
	// Doc is where the rule is documented, relative to the repository:
	// "docs/checks/api.md".
	Doc string
}

// Prefix returns the ID prefix of a category's rules ("BH-API-" for API),
// and false for a category that has none.
func Prefix(c Category) (string, bool) {
	p, ok := prefixes[c]
	return p, ok
}

var prefixes = map[Category]string{
	API:     "BH-API-",
	Network: "BH-NET-",
	DNS:     "BH-DNS-",
	Node:    "BH-NODE-",
}

// Validate reports what is wrong with a rule's declaration: an ID without
// its category's prefix and a number, no title, no doc, a severity that is
// none of Info to Critical.
func (r Rule) Validate() error {
	prefix, ok := Prefix(r.Category)
	if !ok {
		return fmt.Errorf("rule %q: unknown category %q", r.ID, r.Category)
	}
	num, ok := strings.CutPrefix(r.ID, prefix)
	if !ok || num == "" || strings.Trim(num, "0123456789") != "" {
		return fmt.Errorf("rule %q: category %s wants an ID %sNNN", r.ID, r.Category, prefix)
	}
	if r.Severity < Info || r.Severity > Critical {
		return fmt.Errorf("rule %s: severity %s out of range", r.ID, r.Severity)
	}
	if strings.TrimSpace(r.Title) == "" {
		return fmt.Errorf("rule %s: no title", r.ID)
	}
	if strings.TrimSpace(r.Doc) == "" {
		return fmt.Errorf("rule %s: no doc", r.ID)
	}
	return nil
}

// Registry holds rules by ID. The zero value is empty and ready to use;
// the package's own registry (Register, Rules, RuleOf) is the one every
// engine fills.
type Registry struct {
	mu   sync.RWMutex
	byID map[string]Rule
}

// Register adds rules, and panics on an invalid rule (Validate) or an ID
// already registered: both are programming errors, caught at init by every
// test run.
func (g *Registry) Register(rules ...Rule) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.byID == nil {
		g.byID = map[string]Rule{}
	}
	for _, r := range rules {
		if err := r.Validate(); err != nil {
			panic("finding: register: " + err.Error())
		}
		if old, dup := g.byID[r.ID]; dup {
			panic(fmt.Sprintf("finding: register: rule %s twice (%q and %q)", r.ID, old.Title, r.Title))
		}
		g.byID[r.ID] = r
	}
}

// Rules returns the registered rules sorted by ID.
func (g *Registry) Rules() []Rule {
	g.mu.RLock()
	defer g.mu.RUnlock()
	out := make([]Rule, 0, len(g.byID))
	for _, r := range g.byID {
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b Rule) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// RuleOf returns the rule registered under id.
func (g *Registry) RuleOf(id string) (Rule, bool) {
	g.mu.RLock()
	defer g.mu.RUnlock()
	r, ok := g.byID[id]
	return r, ok
}

var registry Registry

// Register adds rules to the registry every engine fills; it panics on an
// invalid rule or a duplicate ID. Engine packages call it from an init in
// their rules.go.
func Register(rules ...Rule) { registry.Register(rules...) }

// Rules returns the registered rules of the engines linked into the
// program, sorted by ID.
func Rules() []Rule { return registry.Rules() }

// RuleOf returns the registered rule with that ID.
func RuleOf(id string) (Rule, bool) { return registry.RuleOf(id) }

// Check returns the rule of a finding, or an error when its ID is not
// registered, it is emitted under another category than its rule's, or at
// another severity than that of its rule, which does not grade.
func (g *Registry) Check(f *Finding) (Rule, error) {
	r, ok := g.RuleOf(f.ID)
	switch {
	case !ok:
		return Rule{}, fmt.Errorf("finding %s: no such rule", f.ID)
	case r.Category != f.Category:
		return r, fmt.Errorf("finding %s: category %q, its rule's is %q", f.ID, f.Category, r.Category)
	case !r.Graded && f.Severity != r.Severity:
		return r, fmt.Errorf("finding %s: severity %s, its rule's is %s and does not grade", f.ID, f.Severity, r.Severity)
	}
	return r, nil
}

// Rule returns the registered rule of a finding (Registry.Check).
func (f *Finding) Rule() (Rule, error) { return registry.Check(f) }
