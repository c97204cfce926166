package audit

import "github.com/bulkhead-dev/bulkhead/internal/finding"

// knownChecks are the rule IDs --checks and --skip-checks accept: every
// registered rule (docs/checks/ lists them; a test keeps the two in step).
// IDs that a report emits are accepted too.
func knownChecks() []string {
	var ids []string
	for _, r := range finding.Rules() {
		ids = append(ids, r.ID)
	}
	return ids
}
