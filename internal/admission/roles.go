package admission

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/bulkhead-dev/bulkhead/internal/finding"
	"github.com/bulkhead-dev/bulkhead/internal/rbac"
	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
)

// role judges a Role or ClusterRole by what it changes in the bindings
// that already reference it: a role's rules are granted to every subject
// of those bindings, and a ClusterRole's labels feed the ClusterRoles
// whose aggregationRule selects them, and so the bindings of those. The
// role is applied to a store of the snapshot's RBAC objects, the
// aggregation recomputed as the normalised view does it, and every
// binding of a role whose rules change is judged again, before and
// after, with the binding checks (JudgeBinding): what a binding newly
// grants across tenants, to every tenant, to broad groups or of dangerous
// power is the role's violation, under the binding rule's ID. What the
// bindings granted before the change is not held against it.
func (a *Admission) role(obj runtime.Object) []Violation {
	after, err := a.rbacWith(obj)
	if err != nil {
		return nil // not a role: object only passes roles here
	}
	changed := changedRoles(a.snap, after)
	if len(changed) == 0 {
		return nil
	}
	var authz *rbac.Authorizer // made for the first binding of a changed role
	var found []roleFinding
	for _, b := range a.authz.Bindings() {
		if !changed[b.RoleRefObject()] {
			continue
		}
		if authz == nil {
			authz = rbac.NewAuthorizer(after)
		}
		bobj := bindingObject(&b)
		before, _ := a.authz.JudgeBinding(bobj, a.ten)
		now, _ := authz.JudgeBinding(bobj, a.ten)
		had := map[string]bool{}
		for i := range before {
			had[findingKey(&before[i])] = true
		}
		ref := b.RoleRefObject()
		for i := range now {
			if !had[findingKey(&now[i])] {
				f := now[i]
				f.Reason = newlyGranted(f.Reason, rulesOf(a.authz, ref), rulesOf(authz, ref), b.Namespace == "")
				found = append(found, roleFinding{binding: b, f: f})
			}
		}
	}
	return roleViolations(roleName(obj), found)
}

// rulesOf returns the rules of a Role or ClusterRole, nil when it does
// not exist.
func rulesOf(authz *rbac.Authorizer, ref finding.Ref) []rbacv1.PolicyRule {
	var r *rbac.Role
	switch ref.Kind {
	case "ClusterRole":
		r = authz.ClusterRole(ref.Name)
	case "Role":
		r = authz.Role(ref.Namespace, ref.Name)
	}
	if r == nil {
		return nil
	}
	return r.Rules
}

// newlyGranted rewrites the reason of a binding's finding, made with its
// role's rules after a change, to say only what the binding grants that
// it does not grant with the rules before: the engine's summary of the
// rules (or of the dangerous permissions they hold) is replaced by that
// of the new grants (rbac.NewGrants). A reason that names neither is
// left whole.
func newlyGranted(reason string, before, after []rbacv1.PolicyRule, cluster bool) string {
	added := rbac.NewGrants(before, after)
	if len(added) == 0 {
		return reason
	}
	if all, some := rbac.Summary(after, cluster), rbac.Summary(added, cluster); all != "" && some != "" && strings.Contains(reason, all) {
		return strings.Replace(reason, all, some, 1)
	}
	had := map[string]bool{}
	for _, h := range rbac.Capabilities(&rbac.Role{Rules: before}, cluster) {
		had[h.Capability.Name] = true
	}
	var held, boundary, newHeld, newBoundary []rbac.Held
	for _, h := range rbac.Capabilities(&rbac.Role{Rules: after}, cluster) {
		held = append(held, h)
		if h.Capability.Boundary {
			boundary = append(boundary, h)
		}
		if had[h.Capability.Name] {
			continue
		}
		newHeld = append(newHeld, h)
		if h.Capability.Boundary {
			newBoundary = append(newBoundary, h)
		}
	}
	for _, c := range [][2][]rbac.Held{{held, newHeld}, {boundary, newBoundary}} {
		if all, some := rbac.Effects(c[0]), rbac.Effects(c[1]); all != "" && some != "" && strings.Contains(reason, all) {
			return strings.Replace(reason, all, some, 1)
		}
	}
	return reason
}

// rbacWith returns the snapshot's RBAC objects with obj, a Role or
// ClusterRole, applied as server-side apply would store it, ClusterRole
// aggregation recomputed: the view of a clone of the RBAC store.
func (a *Admission) rbacWith(obj runtime.Object) (*snapshot.Snapshot, error) {
	switch obj.(type) {
	case *rbacv1.Role, *rbacv1.ClusterRole:
	default:
		return nil, fmt.Errorf("%T is not a Role or ClusterRole", obj)
	}
	a.rbacOnce.Do(func() {
		a.rbacStore = snapshot.NewStore(&snapshot.Snapshot{
			Roles:               slices.Clone(a.snap.Roles),
			ClusterRoles:        slices.Clone(a.snap.ClusterRoles),
			RoleBindings:        slices.Clone(a.snap.RoleBindings),
			ClusterRoleBindings: slices.Clone(a.snap.ClusterRoleBindings),
		})
		// A first view, from which the view of each request's clone
		// derives what its one object changes.
		a.rbacStore.View()
	})
	st := a.rbacStore.Clone()
	if _, _, err := st.ServerSideApply(obj); err != nil {
		return nil, err
	}
	return st.View(), nil
}

// changedRoles returns the roles whose rules differ between two
// snapshots, or that only one holds.
func changedRoles(before, after *snapshot.Snapshot) map[finding.Ref]bool {
	rules := func(s *snapshot.Snapshot) map[finding.Ref][]rbacv1.PolicyRule {
		m := make(map[finding.Ref][]rbacv1.PolicyRule, len(s.Roles)+len(s.ClusterRoles))
		for i := range s.Roles {
			r := &s.Roles[i]
			m[finding.Ref{Kind: "Role", Namespace: r.Namespace, Name: r.Name}] = r.Rules
		}
		for i := range s.ClusterRoles {
			r := &s.ClusterRoles[i]
			m[finding.Ref{Kind: "ClusterRole", Name: r.Name}] = r.Rules
		}
		return m
	}
	b, a := rules(before), rules(after)
	out := map[finding.Ref]bool{}
	for ref, ra := range a {
		rb, ok := b[ref]
		if !ok || !snapshot.SameRules(rb, ra) {
			out[ref] = true
		}
	}
	for ref := range b {
		if _, ok := a[ref]; !ok {
			out[ref] = true
		}
	}
	return out
}

// bindingObject is the RoleBinding or ClusterRoleBinding an indexed
// binding was read from, as JudgeBinding takes it.
func bindingObject(b *rbac.Binding) runtime.Object {
	if b.Ref.Kind == "ClusterRoleBinding" {
		o := &rbacv1.ClusterRoleBinding{Subjects: b.Subjects, RoleRef: b.RoleRef}
		o.Name = b.Ref.Name
		return o
	}
	o := &rbacv1.RoleBinding{Subjects: b.Subjects, RoleRef: b.RoleRef}
	o.Name, o.Namespace = b.Ref.Name, b.Ref.Namespace
	return o
}

// findingKey is what a binding grants in a finding: the same key before
// and after a change means the change grants nothing new through it.
func findingKey(f *finding.Finding) string {
	subjects := make([]string, len(f.Subjects))
	for i, s := range f.Subjects {
		subjects[i] = s.String()
	}
	return strings.Join([]string{f.ID, f.Severity.String(), f.SourceTenant, f.TargetTenant, f.Reason, strings.Join(subjects, ",")}, "\x00")
}

// roleFinding is what one binding newly grants.
type roleFinding struct {
	binding rbac.Binding
	f       finding.Finding
}

// maxBindings bounds the bindings a role's reason names.
const maxBindings = 3

// roleViolations makes one violation per rule and tenant pair of the
// findings, naming the role and the bindings through which it grants.
func roleViolations(role string, found []roleFinding) []Violation {
	type pairKey struct{ id, source, target string }
	var order []pairKey
	groups := map[pairKey][]roleFinding{}
	for _, rf := range found {
		k := pairKey{rf.f.ID, rf.f.SourceTenant, rf.f.TargetTenant}
		if _, ok := groups[k]; !ok {
			order = append(order, k)
		}
		groups[k] = append(groups[k], rf)
	}
	sort.SliceStable(order, func(i, j int) bool {
		x, y := order[i], order[j]
		if x.id != y.id {
			return x.id < y.id
		}
		if x.source != y.source {
			return x.source < y.source
		}
		return x.target < y.target
	})
	out := make([]Violation, 0, len(order))
	for _, k := range order {
		g := groups[k]
		var names, fields []string
		for _, rf := range g {
			bref := rf.binding.Ref.Kind + " " + refName(rf.binding.Ref)
			if !slices.Contains(names, bref) {
				names = append(names, bref)
			}
			for _, f := range subjectFields(rf.binding.Subjects, rf.f.Subjects) {
				fields = append(fields, bref+" "+f)
			}
		}
		through := names[0]
		if len(names) > 1 {
			shown := names[:min(len(names), maxBindings)]
			through = strings.Join(shown, ", ")
			if more := len(names) - len(shown); more > 0 {
				through += fmt.Sprintf(" and %d more bindings", more)
			}
		}
		first := g[0].f
		out = append(out, Violation{
			Rule:   k.id,
			Source: k.source, Target: k.target,
			Object: role,
			Fields: fields,
			Reason: fmt.Sprintf("%s would grant through %s what it does not grant now: %s", role, through, strings.TrimSuffix(first.Reason, ".")),
			Fix:    fmt.Sprintf("leave these rules (or the labels an aggregated ClusterRole selects) out of %s, or first take the subjects out of %s", role, through),
		})
	}
	return out
}

// roleName names a Role or ClusterRole as messages do.
func roleName(obj runtime.Object) string {
	switch o := obj.(type) {
	case *rbacv1.Role:
		return "Role " + o.Namespace + "/" + o.Name
	case *rbacv1.ClusterRole:
		return "ClusterRole " + o.Name
	}
	return ""
}
