package rbac

import (
	"sort"

	"github.com/bulkhead-dev/bulkhead/internal/finding"
)

// WhoCan returns every binding subject that may do the request (User and
// Groups of req are ignored), each with the binding, role and first rule
// that grants it, sorted by subject, then binding. Groups stand for their
// members: system:serviceaccounts:NS means every service account of NS.
// Members of system:masters may do anything and are not listed.
func (a *Authorizer) WhoCan(req Request) []Access {
	ns := req.Namespace
	if !req.IsResource() {
		ns = ""
	}
	// allows memoises, per role, the first rule allowing the request (-1:
	// none), so that a role bound many times is checked once.
	allows := map[*Role]int{}
	first := func(r *Role) int {
		if i, ok := allows[r]; ok {
			return i
		}
		i := -1
		for j := range r.Rules {
			if RuleAllows(&req, &r.Rules[j]) {
				i = j
				break
			}
		}
		allows[r] = i
		return i
	}
	var out []Access
	visit := func(bi int) {
		b := &a.bindings[bi]
		if b.Role == nil {
			return
		}
		rule := first(b.Role)
		if rule < 0 {
			return
		}
		for s := range b.Resolved() {
			out = append(out, Access{Subject: s, Binding: b.Ref, Role: b.Role.Ref, Namespace: b.Namespace, RuleIndex: rule, Rule: b.Role.Rules[rule]})
		}
	}
	for bi := 0; bi < a.nCluster; bi++ {
		visit(bi)
	}
	if ns != "" {
		for _, bi := range a.inNamespace[ns] {
			visit(int(bi))
		}
	}
	SortAccess(out)
	return dedupe(out)
}

// SortAccess orders accesses by subject, then binding kind, namespace and
// name, then rule.
func SortAccess(xs []Access) {
	sort.SliceStable(xs, func(i, j int) bool {
		a, b := &xs[i], &xs[j]
		if a.Subject != b.Subject {
			return lessSubject(a.Subject, b.Subject)
		}
		if a.Binding != b.Binding {
			return lessRef(a.Binding, b.Binding)
		}
		return a.RuleIndex < b.RuleIndex
	})
}

// dedupe drops a subject listed twice in the same binding.
func dedupe(xs []Access) []Access {
	out := xs[:0]
	for i := range xs {
		if i > 0 && xs[i].Subject == xs[i-1].Subject && xs[i].Binding == xs[i-1].Binding {
			continue
		}
		out = append(out, xs[i])
	}
	return out
}

func lessRef(a, b finding.Ref) bool {
	if a.Kind != b.Kind {
		return a.Kind < b.Kind
	}
	if a.Namespace != b.Namespace {
		return a.Namespace < b.Namespace
	}
	return a.Name < b.Name
}

// Subjects returns the distinct subjects of a list of accesses, sorted.
func Subjects(xs []Access) []Subject {
	seen := map[Subject]bool{}
	var out []Subject
	for _, x := range xs {
		if !seen[x.Subject] {
			seen[x.Subject] = true
			out = append(out, x.Subject)
		}
	}
	sort.Slice(out, func(i, j int) bool { return lessSubject(out[i], out[j]) })
	return out
}

// SubjectRef converts a subject to a finding reference.
func SubjectRef(s Subject) finding.Ref {
	return finding.Ref{Kind: s.Kind, Namespace: s.Namespace, Name: s.Name}
}
