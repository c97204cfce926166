package attackpath

import (
	"slices"
	"strings"

	"github.com/bulkhead-dev/bulkhead/internal/finding"
	"github.com/bulkhead-dev/bulkhead/internal/rbac"
)

// RBAC adds up across bindings: creating secrets through one binding and
// reading them through another mints tokens as surely as one role holding
// both (the capability "secrets create+read"), and so does a subject's own
// binding beside one of the groups it is in; creating certificate
// requests, approving them and approving for the client signer
// ("csr create+approve") add up the same way. grantParts gathers, by
// subject vertex, the parts each binding gives; partEdges joins them.

// part is one part of a capability held through one binding, in a
// namespace ("" for cluster-wide).
type part struct {
	kind   partKind
	ns     string
	access rbac.Access
}

type partKind int

const (
	secretsCreate partKind = iota
	secretsRead
	csrCreate
	csrApproval
	csrSigner
	csrNodeSigner
)

type grantParts map[int32][]part

// partProbes are the requests that hold each part but a signer's: the
// catalogue's, a capability's Probes and the With beside them.
var partProbes = func() map[partKind][]rbac.Probe {
	mint, csr := rbac.CapabilityNamed("secrets create+read"), rbac.CapabilityNamed("csr create+approve")
	return map[partKind][]rbac.Probe{secretsCreate: mint.Probes, secretsRead: mint.With, csrCreate: csr.Probes, csrApproval: csr.With}
}()

// collect records the parts binding b gives each of its subjects. The
// certificate parts are cluster-scoped: only a ClusterRoleBinding grants
// them.
func (h grantParts) collect(m *Model, b *rbac.Binding) {
	type held struct {
		kind partKind
		rule int
	}
	var parts []held
	for kind := secretsCreate; kind <= csrNodeSigner; kind++ {
		if kind >= csrCreate && b.Namespace != "" {
			break
		}
		rule := -1
		switch kind {
		case csrSigner:
			rule = rbac.ApprovesSigner(b.Role, rbac.ClientSigner)
		case csrNodeSigner:
			rule = rbac.ApprovesSigner(b.Role, rbac.NodeClientSigner)
		}
		for _, p := range partProbes[kind] {
			if rule >= 0 {
				break
			}
			rule = rbac.FirstRule(b.Role, p, false) // a create is never limited by names
		}
		if rule >= 0 {
			parts = append(parts, held{kind, rule})
		}
	}
	if len(parts) == 0 {
		return
	}
	for s := range b.Resolved() {
		v := m.subjectVertex(s)
		for _, p := range parts {
			h[v] = append(h[v], part{kind: p.kind, ns: b.Namespace,
				access: rbac.Access{Subject: s, Binding: b.Ref, Role: b.Role.Ref, Namespace: b.Namespace, RuleIndex: p.rule, Rule: b.Role.Rules[p.rule]}})
		}
	}
}

// partEdges gives each subject the edges of the capabilities it holds
// through several bindings, its own or those of a group it is in: where it
// creates secrets and reads them, "secrets create+read" to the accounts of
// that namespace (of every namespace when both parts are cluster-wide);
// where it creates certificate requests, approves them and approves for
// the client signer, "csr create+approve" to cluster-admin. A capability
// held through groups alone is the group's own: its members follow their
// edge to it; one held through a single binding is its capability's edge.
func (m *Model) partEdges(h grantParts) {
	subjects := make([]int32, 0, len(h))
	for v := range h {
		subjects = append(subjects, v)
	}
	slices.Sort(subjects)
	for _, v := range subjects {
		own := h[v]
		all := slices.Clone(own)
		for _, g := range impliedGroups(m.g.At(v)) {
			if id, ok := m.g.Lookup(Vertex{Kind: Group, Name: g}); ok {
				all = append(all, h[id]...)
			}
		}
		m.mintEdges(v, all, len(own))
		m.csrEdges(v, all, len(own))
	}
}

// mintEdges adds v's "secrets create+read" edges from its parts, of which
// the first own are its own. Reads are indexed by namespace, so that a
// subject bound in many namespaces costs its parts, not their square.
func (m *Model) mintEdges(v int32, all []part, own int) {
	reads := map[string][]int{}
	for j := range all {
		if all[j].kind == secretsRead {
			reads[all[j].ns] = append(reads[all[j].ns], j)
		}
	}
	if len(reads) == 0 {
		return
	}
	for i := range all {
		c := &all[i]
		if c.kind != secretsCreate {
			continue
		}
		var with []int // the reads that hold where c does
		if c.ns == "" {
			for _, js := range reads {
				with = append(with, js...)
			}
			slices.Sort(with)
		} else {
			with = append(slices.Clone(reads[c.ns]), reads[""]...)
		}
		for _, j := range with {
			r := &all[j]
			if (i >= own && j >= own) || c.access.Binding == r.access.Binding {
				continue
			}
			ns := commonScope(c.ns, r.ns)
			m.g.Add(Edge{From: v, To: m.hub(hubAccounts, ns), Type: MintsToken, Layer: finding.API, Severity: finding.High,
				Detail: "secrets create+read", explain: func() []finding.Step { return append(c.access.Witness(), r.access.Witness()...) }})
		}
	}
}

// csrEdges adds v's certificate edge when its parts, of which the first
// own are its own, hold a request, its approval and a signer's approval,
// not all through one binding: "csr create+approve" to cluster-admin for
// the client signer, else "node csr create+approve" to the accounts the
// pods run as for the nodes' client signer.
func (m *Model) csrEdges(v int32, all []part, own int) {
	var first [4]*part // create, approval, client signer, node client signer
	var at [4]int
	for i := range all {
		p := &all[i]
		k := int(p.kind - csrCreate)
		if k < 0 || first[k] != nil {
			continue
		}
		first[k], at[k] = p, i
	}
	for _, signer := range []int{2, 3} {
		parts := []int{0, 1, signer}
		fromOwn, bindings := false, map[finding.Ref]bool{}
		held := true
		for _, k := range parts {
			if first[k] == nil {
				held = false
				break
			}
			fromOwn = fromOwn || at[k] < own
			bindings[first[k].access.Binding] = true
		}
		if !held {
			continue
		}
		if fromOwn && len(bindings) >= 2 {
			evidence := func() []finding.Step {
				var steps []finding.Step
				for _, k := range parts {
					steps = append(steps, first[k].access.Witness()...)
				}
				return steps
			}
			if signer == 2 {
				m.g.Add(Edge{From: v, To: m.admin, Type: IsClusterAdmin, Layer: finding.API, Severity: finding.Critical,
					Detail: "csr create+approve", explain: evidence})
			} else {
				m.g.Add(Edge{From: v, To: m.hub(hubPodUsers, ""), Type: MintsToken, Layer: finding.API, Severity: finding.High,
					Detail: "node csr create+approve", explain: evidence})
			}
		}
		return // the client signer's certificates say more than a node's
	}
}

// commonScope is where two grants that overlap both hold: a namespace,
// or every one ("") when both are cluster-wide.
func commonScope(a, b string) string {
	if a == "" {
		return b
	}
	return a
}

// impliedGroups names the groups every member of a subject vertex is in
// beside itself, as the API server authenticates them: a service
// account's; anyone's but the anonymous user's system:authenticated, its
// system:unauthenticated; a group's members are authenticated, and those
// of a namespace's service-account group are service accounts.
func impliedGroups(x Vertex) []string {
	switch x.Kind {
	case ServiceAccount:
		return groupsOf(x.Namespace)
	case User:
		if strings.HasPrefix(x.Name, rbac.AnonymousUser) {
			return []string{rbac.AllUnauthenticated}
		}
		return []string{rbac.AllAuthenticated}
	case Group:
		switch {
		case x.Name == rbac.AllAuthenticated || x.Name == rbac.AllUnauthenticated:
			return nil
		case strings.HasPrefix(x.Name, rbac.ServiceAccountsPrefix):
			return []string{rbac.AllServiceAccounts, rbac.AllAuthenticated}
		}
		return []string{rbac.AllAuthenticated}
	}
	return nil
}
