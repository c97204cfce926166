package attackpath

import (
	"fmt"

	rbacv1 "k8s.io/api/rbac/v1"

	"github.com/bulkhead-dev/bulkhead/internal/finding"
	"github.com/bulkhead-dev/bulkhead/internal/rbac"
)

// Grant is an internal vertex: "holds role R in namespace N" (or
// cluster-wide), which a subject reaches by binding R to itself
// (binds-role) or by writing any rule into a role it is bound to
// (escalates-role). Its edges are those a binding of R would give.
const Grant Kind = "Grant"

// anyRules names the Grant of every rule of a scope, reached by escalate.
const anyRules = "(any rules)"

// everything is the role of whoever may write any rule into its own role.
var everything = &rbac.Role{Ref: finding.Ref{Kind: "Role", Name: anyRules},
	Rules: []rbacv1.PolicyRule{{Verbs: []string{"*"}, APIGroups: []string{"*"}, Resources: []string{"*"}}}}

// grantEdges adds, for a subject holding bind or escalate in a scope (a
// namespace, or "" for cluster-wide), the edges to the roles it may hand
// itself there (rbac.Authorizer.Bindable and Escalation decide, with
// kube-apiserver's escalation checks).
func (m *Model) grantEdges(from int32, s rbac.Subject, ns string) {
	a := m.in.RBAC
	scope := "in namespace " + ns
	if ns == "" {
		scope = "cluster-wide"
	}
	// Whoever may bind cluster-admin may bind anything: one Grant says it.
	bindable := a.Bindable
	if br, ok := a.BindableRole(s, ns, a.ClusterAdmin()); ok {
		bindable = func(rbac.Subject, string) []rbac.Bindable { return []rbac.Bindable{br} }
	}
	for _, br := range bindable(s, ns) {
		held := heldFor(br.Role, ns)
		if len(held) == 0 && readsPods(br.Role) < 0 {
			continue // binding it gives no step
		}
		evidence := append(br.Create.Witness(), br.Bind.Witness()...)
		evidence = append(evidence, finding.Step{Object: br.Role.Ref,
			Fact: fmt.Sprintf("%s does not hold all of its rules %s: binding it to itself grants them", s, scope)})
		gv, isNew := m.grantVertex(br.Role.Ref.String(), ns)
		m.g.Add(Edge{From: from, To: gv, Type: BindsRole, Layer: finding.API, Severity: finding.High, Detail: br.Role.Ref.String(), Evidence: evidence})
		if isNew {
			m.roleEdges(gv, rbac.Subject{}, br.Role, finding.Ref{Kind: grantBindingKind(ns), Namespace: ns, Name: "(its own)"}, ns, held, []finding.Step{})
		}
	}
	if xs, ok := a.Escalation(s, ns); ok {
		var evidence []finding.Step
		for i := range xs {
			evidence = append(evidence, xs[i].Witness()...)
		}
		evidence = append(evidence, finding.Step{Object: finding.Ref{Kind: "Role", Namespace: ns, Name: anyRules},
			Fact: fmt.Sprintf("escalate lets %s write rules it does not hold into a role it is bound to %s: it may give itself any permission there", s, scope)})
		gv, isNew := m.grantVertex(anyRules, ns)
		m.g.Add(Edge{From: from, To: gv, Type: EscalatesRole, Layer: finding.API, Severity: finding.High, Detail: "escalate", Evidence: evidence})
		if isNew {
			m.roleEdges(gv, rbac.Subject{}, everything, finding.Ref{Kind: grantBindingKind(ns), Namespace: ns, Name: "(its own)"}, ns, heldFor(everything, ns), []finding.Step{})
		}
	}
}

// heldFor is what a role gives in a scope, less bind and escalate: what
// they lead to is already the holder's.
func heldFor(r *rbac.Role, ns string) []rbac.Held {
	var out []rbac.Held
	for _, h := range rbac.Capabilities(r, ns == "") {
		if h.Capability.Name != "bind" && h.Capability.Name != "escalate" {
			out = append(out, h)
		}
	}
	return out
}

func grantBindingKind(ns string) string {
	if ns == "" {
		return "ClusterRoleBinding"
	}
	return "RoleBinding"
}

// grantVertex returns the Grant of a role in a scope, and whether it is new
// (its edges are then still to be added).
func (m *Model) grantVertex(role, ns string) (int32, bool) {
	v := Vertex{Kind: Grant, Namespace: ns, Name: role}
	if id, ok := m.g.Lookup(v); ok {
		return id, false
	}
	return m.g.Vertex(v), true
}
