package attackpath

import (
	"slices"
	"strings"

	"github.com/bulkhead-dev/bulkhead/internal/finding"
	"github.com/bulkhead-dev/bulkhead/internal/rbac"
)

// RBAC adds up across bindings: creating secrets through one and reading
// them through another mints tokens as surely as one role holding both
// (the capability "secrets create+read"), and so does a subject's own
// binding beside one of the groups it is in. secretsHalves gathers, by
// subject vertex, the create and the read of secrets each binding gives;
// mintEdges joins them.

// secretsHalf is create or read of secrets held through one binding, in
// a namespace ("" for cluster-wide).
type secretsHalf struct {
	create bool
	ns     string
	access rbac.Access
}

type secretsHalves map[int32][]secretsHalf

var (
	secretsCreate = rbac.Probe{Verb: "create", Resource: "secrets"}
	secretsReads  = []rbac.Probe{{Verb: "get", Resource: "secrets"}, {Verb: "list", Resource: "secrets"}, {Verb: "watch", Resource: "secrets"}}
)

// collect records what binding b gives each of its subjects of create and
// read of secrets. Create is never limited by names; a read limited to a
// name counts, since the creator picks the name.
func (h secretsHalves) collect(m *Model, b *rbac.Binding) {
	create := rbac.FirstRule(b.Role, secretsCreate, true)
	read := -1
	for _, p := range secretsReads {
		if read = rbac.FirstRule(b.Role, p, false); read >= 0 {
			break
		}
	}
	if create < 0 && read < 0 {
		return
	}
	for si := range b.Subjects {
		s, ok := b.SubjectAt(si)
		if !ok {
			continue
		}
		v := m.subjectVertex(s)
		for _, half := range []struct {
			create bool
			rule   int
		}{{true, create}, {false, read}} {
			if half.rule >= 0 {
				h[v] = append(h[v], secretsHalf{create: half.create, ns: b.Namespace,
					access: rbac.Access{Subject: s, Binding: b.Ref, Role: b.Role.Ref, Namespace: b.Namespace, RuleIndex: half.rule, Rule: b.Role.Rules[half.rule]}})
			}
		}
	}
}

// mintEdges gives each subject that creates secrets where it, or a group
// it is in, reads them (or reads where it, or a group, creates) the edge
// "secrets create+read" to the accounts of that namespace, or of every
// namespace when both halves are cluster-wide. A pair held through groups
// alone is the group's own: its members follow their edge to it.
func (m *Model) mintEdges(h secretsHalves) {
	subjects := make([]int32, 0, len(h))
	for v := range h {
		subjects = append(subjects, v)
	}
	slices.Sort(subjects)
	for _, v := range subjects {
		own := h[v]
		all := slices.Clone(own)
		for _, g := range m.groupsOfVertex(v) {
			if id, ok := m.g.Lookup(Vertex{Kind: Group, Name: g}); ok {
				all = append(all, h[id]...)
			}
		}
		for i := range all {
			c := &all[i]
			if !c.create {
				continue
			}
			for j := range all {
				r := &all[j]
				if r.create || (i >= len(own) && j >= len(own)) || c.access.Binding == r.access.Binding {
					continue // one binding's pair is its capability's (or */*/*'s) edge
				}
				ns, ok := commonScope(c.ns, r.ns)
				if !ok {
					continue
				}
				m.g.Add(Edge{From: v, To: m.hub(hubAccounts, ns), Type: MintsToken, Layer: finding.API, Severity: finding.High,
					Detail: "secrets create+read", explain: func() []finding.Step { return append(c.access.Witness(), r.access.Witness()...) }})
			}
		}
	}
}

// commonScope is where two grants both hold: a namespace, or every one
// ("") when both are cluster-wide.
func commonScope(a, b string) (string, bool) {
	switch {
	case a == b:
		return a, true
	case a == "":
		return b, true
	case b == "":
		return a, true
	}
	return "", false
}

// groupsOfVertex names the groups every member of a subject vertex is in
// beside itself: a service account's, anyone authenticated's.
func (m *Model) groupsOfVertex(v int32) []string {
	x := m.g.At(v)
	switch {
	case x.Kind == ServiceAccount:
		return groupsOf(x.Namespace)
	case x.Kind == User:
		return []string{rbac.AllAuthenticated}
	case x.Kind == Group && x.Name == rbac.AllAuthenticated, x.Kind == Group && x.Name == rbac.AllUnauthenticated:
		return nil
	case x.Kind == Group && x.Name == rbac.AllServiceAccounts:
		return []string{rbac.AllAuthenticated}
	case x.Kind == Group && strings.HasPrefix(x.Name, rbac.ServiceAccountsPrefix):
		return []string{rbac.AllServiceAccounts, rbac.AllAuthenticated}
	case x.Kind == Group:
		return []string{rbac.AllAuthenticated}
	}
	return nil
}
