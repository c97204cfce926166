package rbac

import (
	"fmt"
	"sort"
	"strings"

	rbacv1 "k8s.io/api/rbac/v1"

	"github.com/bulkhead-dev/bulkhead/internal/finding"
)

// maxEscalationExamples bounds how many roles an escalation finding names.
const maxEscalationExamples = 5

// bindEscalations reports subjects that may create bindings to roles whose
// rules they do not hold themselves. kube-apiserver lets a binding be
// created when its creator holds "bind" on the role (in the binding's
// namespace) or already holds every rule of it (validation.Covers, here
// covers); with
// "bind", the holder grants itself rules it lacks.
func (an *analysis) bindEscalations() {
	type scoped struct {
		s  Subject
		ns string
	}
	seen := map[scoped]bool{}
	for bi := range an.a.bindings {
		b := &an.a.bindings[bi]
		if b.Role == nil || !hasCapability(an.capabilities(b.Role, b.Namespace == ""), "bind") {
			continue
		}
		for si := range b.Subjects {
			s, ok := b.subject(si)
			if !ok {
				continue
			}
			if cls, _ := classify(s, an.ten); cls == classSystem || seen[scoped{s, b.Namespace}] {
				continue
			}
			seen[scoped{s, b.Namespace}] = true
			an.escalation(s, b)
		}
	}
}

// escalation checks one subject holding bind through binding b, in b's
// scope.
func (an *analysis) escalation(s Subject, b *Binding) {
	user, groups := identity(s)
	ns := b.Namespace
	bindingRes, where := "rolebindings", "in namespace "+ns
	if ns == "" {
		bindingRes, where = "clusterrolebindings", "cluster-wide"
	}
	if !an.a.Authorize(Request{User: user, Groups: groups, Verb: "create", APIGroup: rbacv1.GroupName, Resource: bindingRes, Namespace: ns}).Allowed {
		return // may bind, but may not create the binding
	}
	var own, bindRules []rbacv1.PolicyRule
	firstBinding := map[finding.Ref]finding.Ref{}
	for _, x := range an.a.RulesFor(user, groups, ns) {
		// A role bound many times contributes its rules once.
		if b, ok := firstBinding[x.Role]; !ok {
			firstBinding[x.Role] = x.Binding
		} else if b != x.Binding {
			continue
		}
		own = append(own, x.Rule)
		if verbMatches(&x.Rule, "bind") && apiGroupMatches(&x.Rule, rbacv1.GroupName) {
			bindRules = append(bindRules, x.Rule)
		}
	}
	own2 := newCoverer(own)
	var targets []*Role
	// try checks one role the subject may bind; it returns false when
	// enough examples are found.
	try := func(r *Role, resource string) bool {
		if r == nil || len(r.Rules) == 0 || (ns != "" && !namespacedAccess(r.Rules)) {
			return true // grants nothing in a RoleBinding's scope
		}
		req := Request{Verb: "bind", APIGroup: rbacv1.GroupName, Resource: resource, Name: r.Ref.Name, Namespace: ns}
		allowed := false
		for i := range bindRules {
			if RuleAllows(&req, &bindRules[i]) {
				allowed = true
				break
			}
		}
		if !allowed {
			return true
		}
		// covers is validation.Covers, the API server's own check, without
		// its allocations (TestCoversMatchesValidation holds them equal).
		if !own2.covers(r.Rules) {
			targets = append(targets, r)
		}
		return len(targets) < maxEscalationExamples
	}
	for _, r := range an.sortedClusterRoles() {
		if !try(r, "clusterroles") {
			break
		}
	}
	if ns != "" && len(targets) < maxEscalationExamples {
		for _, r := range an.sortedRoles(ns) {
			if !try(r, "roles") {
				break
			}
		}
	}
	if len(targets) == 0 {
		return
	}
	var names []string
	sev := finding.High
	objs := []finding.Ref{b.Ref, b.Role.Ref}
	for _, r := range targets {
		names = append(names, r.Ref.String())
		objs = append(objs, r.Ref)
		sev = maxSeverity(sev, capabilities(r, ns == ""))
	}
	target := "*"
	if ns != "" {
		target = an.ten.Of(ns)
	}
	_, home := classify(s, an.ten)
	held := capabilities(b.Role, ns == "")
	rule := 0
	for _, h := range held {
		if h.Capability.Name == "bind" {
			rule = h.RuleIndex
		}
	}
	x := Access{Subject: s, Binding: b.Ref, Role: b.Role.Ref, Namespace: ns, RuleIndex: rule, Rule: b.Role.Rules[rule]}
	an.out = append(an.out, finding.Finding{
		ID: IDBindEscalation, Severity: sev, Category: finding.API, SourceTenant: home, TargetTenant: target,
		Reason: fmt.Sprintf("%s can bind roles holding permissions it lacks %s, and so grant them to itself: %s", s, where, strings.Join(names, ", ")),
		Detail: fmt.Sprintf("It holds bind on these roles and may create %s, and its own rules do not cover theirs (the check kube-apiserver makes when no bind is held). At most %d roles are named.",
			bindingRes, maxEscalationExamples),
		Subjects:    []finding.Ref{SubjectRef(s)},
		Objects:     objs,
		Witness:     x.Witness(),
		Remediation: "Restrict bind with resourceNames to roles the subject may hand out, or remove it.",
	})
}

// identity returns the user and groups a binding subject authenticates
// with: a service account as itself with its implicit groups, a user as
// itself, a group as an anonymous member of it.
func identity(s Subject) (string, []string) {
	switch s.Kind {
	case rbacv1.GroupKind:
		return "", []string{s.Name}
	case rbacv1.ServiceAccountKind:
		u := ServiceAccountUser(s.Namespace, s.Name)
		return u, ImpersonatedGroups(u, nil)
	}
	return s.Name, ImpersonatedGroups(s.Name, nil)
}

func hasCapability(held []Held, name string) bool {
	for _, h := range held {
		if h.Capability.Name == name || h.Capability.Name == "*/*/*" {
			return true
		}
	}
	return false
}

func (an *analysis) sortedClusterRoles() []*Role {
	if an.clusterRoles == nil {
		an.clusterRoles = make([]*Role, 0, len(an.a.clusterRoles))
		for _, r := range an.a.clusterRoles {
			an.clusterRoles = append(an.clusterRoles, r)
		}
		sort.Slice(an.clusterRoles, func(i, j int) bool { return an.clusterRoles[i].Ref.Name < an.clusterRoles[j].Ref.Name })
	}
	return an.clusterRoles
}

func (an *analysis) sortedRoles(ns string) []*Role {
	if an.rolesIn == nil {
		an.rolesIn = map[string][]*Role{}
		for _, r := range an.a.roles {
			an.rolesIn[r.Ref.Namespace] = append(an.rolesIn[r.Ref.Namespace], r)
		}
		for _, rs := range an.rolesIn {
			sort.Slice(rs, func(i, j int) bool { return rs[i].Ref.Name < rs[j].Ref.Name })
		}
	}
	return an.rolesIn[ns]
}
