package admission

import (
	"fmt"
	"slices"
	"strings"
)

// Mode is what the webhook does when a rule is broken.
type Mode string

const (
	// Enforce denies the request.
	Enforce Mode = "enforce"
	// Warn admits it with an admission warning, which kubectl prints.
	Warn Mode = "warn"
	// Audit admits it silently and records the violation in the API
	// server's audit log (an audit annotation) and the webhook's log.
	Audit Mode = "audit"
)

var modes = []Mode{Enforce, Warn, Audit}

// ParseMode reads a mode name.
func ParseMode(s string) (Mode, error) {
	m := Mode(strings.ToLower(strings.TrimSpace(s)))
	if !slices.Contains(modes, m) {
		return "", fmt.Errorf("unknown mode %q (want enforce, warn or audit)", s)
	}
	return m, nil
}

func sortRules(rs []Rule) {
	slices.SortFunc(rs, func(a, b Rule) int { return strings.Compare(a.ID, b.ID) })
}
