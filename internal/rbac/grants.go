package rbac

import (
	"slices"
	"sort"

	"github.com/bulkhead-dev/bulkhead/internal/finding"

	rbacv1 "k8s.io/api/rbac/v1"
)

/*
Granting oneself more: the two ways kube-apiserver lets a subject hold
rules that no binding gives it yet (the RBAC escalation checks of
k8s.io/kubernetes/pkg/registry/rbac, with
k8s.io/component-helpers/auth/rbac/validation's Covers).

	create rolebindings in NS + bind on a role R in NS   → R's rules in NS
	create clusterrolebindings + bind on ClusterRole R  → R's rules everywhere
	escalate on roles of a scope + a way to be bound to one it may write
	                                                    → any rule in the scope

A RoleBinding may reference any ClusterRole: bind on clusterroles in NS
(the check is made in the binding's namespace) hands out the ClusterRole's
rules in NS, so a RoleBinding to admin or cluster-admin gives everything in
the namespace. Without bind, a binding is accepted only when its creator
already holds every rule of the role (Covers): nothing new.
*/

// clusterAdmin is the bootstrap ClusterRole cluster-admin, which
// kube-apiserver recreates at every start: a snapshot without it still
// has it.
var clusterAdmin = &Role{Ref: finding.Ref{Kind: "ClusterRole", Name: "cluster-admin"}, Rules: everything}

// Bindable is a role a subject may bind in a scope, whose rules it does not
// all hold there: binding it to itself gives it more.
type Bindable struct {
	Role *Role
	// Create allows creating the binding; Bind allows binding the role.
	Create, Bind Access
}

// Bindable returns the roles the subject may bind in a namespace (""
// for a ClusterRoleBinding's scope, every namespace and the cluster) and
// does not cover there, ClusterRoles first, each sorted by name
// (cluster-admin, when the snapshot lacks it, last of them). Roles that
// give nothing in the scope (no rules; only cluster-scoped rules, for a
// namespace) are left out.
func (a *Authorizer) Bindable(s Subject, ns string) []Bindable {
	user, groups := identity(s)
	bindingRes := "rolebindings"
	if ns == "" {
		bindingRes = "clusterrolebindings"
	}
	create := a.Authorize(Request{User: user, Groups: groups, Verb: "create", APIGroup: rbacv1.GroupName, Resource: bindingRes, Namespace: ns})
	if create.By == nil {
		return nil
	}
	// The subject's rules that may grant bind, to try roles against
	// before asking the authorizer for the evidence.
	var bindRules []rbacv1.PolicyRule
	for _, x := range a.RulesFor(user, groups, ns) {
		if verbMatches(&x.Rule, "bind") && apiGroupMatches(&x.Rule, rbacv1.GroupName) {
			bindRules = append(bindRules, x.Rule)
		}
	}
	if len(bindRules) == 0 {
		return nil
	}
	an := &analysis{a: a}
	var own coverage
	var out []Bindable
	try := func(r *Role, resource string) {
		if len(r.Rules) == 0 || (ns != "" && !namespacedAccess(r.Rules)) {
			return
		}
		req := Request{Verb: "bind", APIGroup: rbacv1.GroupName, Resource: resource, Name: r.Ref.Name, Namespace: ns}
		if !slices.ContainsFunc(bindRules, func(rule rbacv1.PolicyRule) bool { return RuleAllows(&req, &rule) }) {
			return
		}
		bind := a.Authorize(Request{User: user, Groups: groups, Verb: "bind", APIGroup: rbacv1.GroupName, Resource: resource, Name: r.Ref.Name, Namespace: ns})
		if bind.By == nil {
			return
		}
		if own == nil {
			own, _ = an.ownRules(user, groups, ns)
		}
		if an.covered(own, r) {
			return
		}
		out = append(out, Bindable{Role: r, Create: *create.By, Bind: *bind.By})
	}
	for _, r := range an.sortedClusterRoles() {
		try(r, "clusterroles")
	}
	if a.clusterRoles[clusterAdmin.Ref.Name] == nil {
		try(clusterAdmin, "clusterroles")
	}
	if ns != "" {
		for _, r := range an.sortedRoles(ns) {
			try(r, "roles")
		}
	}
	return out
}

// Escalation says whether a subject holding escalate on the roles of a
// scope (a namespace, or "" for ClusterRoles) can give itself any rule
// there, and the accesses that prove it: escalate, and either update (or
// patch) of a role bound to the subject in the scope, or create of roles
// and of bindings (an empty role is covered, so it may be bound, then
// escalated). Grants limited by resourceNames do not count.
func (a *Authorizer) Escalation(s Subject, ns string) ([]Access, bool) {
	user, groups := identity(s)
	roleRes, bindingRes := "roles", "rolebindings"
	if ns == "" {
		roleRes, bindingRes = "clusterroles", "clusterrolebindings"
	}
	ask := func(verb, resource, name string) *Access {
		return a.Authorize(Request{User: user, Groups: groups, Verb: verb, APIGroup: rbacv1.GroupName, Resource: resource, Name: name, Namespace: ns}).By
	}
	esc := ask("escalate", roleRes, "")
	if esc == nil {
		return nil, false
	}
	if cr, cb := ask("create", roleRes, ""), ask("create", bindingRes, ""); cr != nil && cb != nil {
		return []Access{*esc, *cr, *cb}, true
	}
	// Roles of the scope already bound to the subject there, by name.
	bound := map[string]Access{}
	for _, x := range a.RulesFor(user, groups, ns) {
		if (ns == "" && x.Namespace == "" && x.Role.Kind == "ClusterRole") || (ns != "" && x.Role.Kind == "Role" && x.Role.Namespace == ns) {
			if _, ok := bound[x.Role.Name]; !ok {
				bound[x.Role.Name] = x
			}
		}
	}
	names := make([]string, 0, len(bound))
	for n := range bound {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		for _, verb := range []string{"update", "patch"} {
			if w := ask(verb, roleRes, n); w != nil {
				return []Access{*esc, *w, bound[n]}, true
			}
		}
	}
	return nil, false
}

// Identity returns the user and groups a binding subject authenticates
// with: a service account as itself with its implicit groups, a user as
// itself in system:authenticated, a group as an anonymous member of it.
func Identity(s Subject) (user string, groups []string) { return identity(s) }

// ClusterAdmin returns the ClusterRole cluster-admin: the snapshot's, or
// the bootstrap one kube-apiserver recreates at every start.
func (a *Authorizer) ClusterAdmin() *Role {
	if r := a.clusterRoles[clusterAdmin.Ref.Name]; r != nil {
		return r
	}
	return clusterAdmin
}

// BindableRole says whether the subject may bind one ClusterRole in a
// scope (see Bindable) without holding its rules there.
func (a *Authorizer) BindableRole(s Subject, ns string, r *Role) (Bindable, bool) {
	user, groups := identity(s)
	bindingRes := "rolebindings"
	if ns == "" {
		bindingRes = "clusterrolebindings"
	}
	create := a.Authorize(Request{User: user, Groups: groups, Verb: "create", APIGroup: rbacv1.GroupName, Resource: bindingRes, Namespace: ns})
	bind := a.Authorize(Request{User: user, Groups: groups, Verb: "bind", APIGroup: rbacv1.GroupName, Resource: "clusterroles", Name: r.Ref.Name, Namespace: ns})
	if create.By == nil || bind.By == nil {
		return Bindable{}, false
	}
	an := &analysis{a: a}
	own, _ := an.ownRules(user, groups, ns)
	if an.covered(own, r) {
		return Bindable{}, false
	}
	return Bindable{Role: r, Create: *create.By, Bind: *bind.By}, true
}
