package render

import (
	"github.com/bulkhead-dev/bulkhead/internal/analysis"
)

// IncompleteNotes says, a line each, what the analyses a reach or paths
// answer rests on could not read or do not model (analysis.Coverage):
// "network: ciliumnetworkpolicies.cilium.io present (1 CiliumNetworkPolicy
// object), not modelled: ...". Nil when they are complete.
func IncompleteNotes(analyses []analysis.Analysis) []string {
	var out []string
	for _, a := range analyses {
		if len(a.Notes) == 0 {
			out = append(out, a.Name+": "+a.Status)
		}
		for _, n := range a.Notes {
			out = append(out, a.Name+": "+n)
		}
	}
	return out
}

// warnIncomplete writes a warning line for each note of IncompleteNotes:
// the answer (what) stands on incomplete input, and may be wrong either way.
func (p *printer) warnIncomplete(what string, notes []string) {
	for _, n := range notes {
		p.printf("warning: incomplete input, %s may be wrong either way (%s)\n", what, n)
	}
}
