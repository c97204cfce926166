package analysis

import (
	"slices"

	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
)

// Coverage returns, for the engines named (every engine when none is), each
// analysis that would not run complete on snap, as Run reports it in
// Report.Analyses: "incomplete" with a note per gap in what it needs
// ("ciliumnetworkpolicies.cilium.io present (1 CiliumNetworkPolicy
// object), not modelled: ..."), or "not run". It runs no engine, so that a
// command answering from one analysis's facts (reach, paths) can say its
// answer stands on incomplete input as the audit would. Empty when every
// analysis is complete.
func Coverage(snap *snapshot.Snapshot, engines []Engine, names ...string) []Analysis {
	var out []Analysis
	for _, e := range engines {
		if len(names) > 0 && !slices.Contains(names, e.Name) {
			continue
		}
		a := Analysis{Name: e.Name, Category: e.Category, Status: Ran}
		if e.Run == nil {
			a.Status, a.Notes = NotRun, []string{e.Absent}
		}
		for _, need := range e.Needs {
			for _, g := range snap.Gaps {
				if g.Resource == need && e.Run != nil {
					a.Status = Incomplete
					a.Notes = append(a.Notes, g.Resource+" "+g.Reason)
				}
			}
		}
		if a.Status != Ran {
			out = append(out, a)
		}
	}
	return out
}

// Coverage is Coverage of the facts' snapshot with the engines' caveats
// (Engine.Caveats), which need the facts: what Run reports of each.
func (f *Facts) Coverage(engines []Engine, names ...string) []Analysis {
	out := Coverage(f.Snapshot, engines, names...)
	for _, e := range engines {
		if e.Caveats == nil || e.Run == nil || (len(names) > 0 && !slices.Contains(names, e.Name)) {
			continue
		}
		notes := e.Caveats(f)
		if len(notes) == 0 {
			continue
		}
		i := slices.IndexFunc(out, func(a Analysis) bool { return a.Name == e.Name })
		if i < 0 {
			out = append(out, Analysis{Name: e.Name, Category: e.Category, Status: Incomplete})
			i = len(out) - 1
		}
		out[i].Notes = append(out[i].Notes, notes...)
	}
	return out
}
