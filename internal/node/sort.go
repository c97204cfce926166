package node

import (
	"sort"

	"github.com/bulkhead-dev/bulkhead/internal/finding"
)

// sortFindings orders findings exactly as finding.Sort does, computing each
// finding's Key once instead of at every comparison.
func sortFindings(fs []finding.Finding) {
	keys := make([]string, len(fs))
	idx := make([]int, len(fs))
	for i := range fs {
		keys[i] = fs[i].Key()
		idx[i] = i
	}
	sort.SliceStable(idx, func(i, j int) bool {
		a, b := &fs[idx[i]], &fs[idx[j]]
		if a.Severity != b.Severity {
			return a.Severity > b.Severity
		}
		if a.ID != b.ID {
			return a.ID < b.ID
		}
		return keys[idx[i]] < keys[idx[j]]
	})
	sorted := make([]finding.Finding, len(fs))
	for i, j := range idx {
		sorted[i] = fs[j]
	}
	copy(fs, sorted)
}
