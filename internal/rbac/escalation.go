package rbac

import (
	"fmt"
	"strings"

	rbacv1 "k8s.io/api/rbac/v1"

	"github.com/bulkhead-dev/bulkhead/internal/finding"
)

// maxEscalationExamples bounds how many roles an escalation finding names.
const maxEscalationExamples = 5

// bindEscalations reports subjects that may create bindings to roles whose
// rules they do not hold themselves, and subjects that may write such rules
// into roles (roleEscalation). kube-apiserver lets a binding be
// created when its creator holds "bind" on the role (in the binding's
// namespace) or already holds every rule of it (validation.Covers, here
// covers); with
// "bind", the holder grants itself rules it lacks.
func (an *analysis) bindEscalations() {
	an.eachHolder("bind", an.escalation)
	an.eachHolder("escalate", an.roleEscalation)
}

// everything is the rule of cluster-admin.
var everything = []rbacv1.PolicyRule{{Verbs: []string{"*"}, APIGroups: []string{"*"}, Resources: []string{"*"}}}

// roleEscalation checks one subject holding escalate through binding b:
// kube-apiserver lets a role be written with rules its writer lacks when
// the writer holds escalate on it, so a holder who may also update roles
// writes any permission into them, for every subject bound to them.
func (an *analysis) roleEscalation(s Subject, b *Binding) {
	user, groups := identity(s)
	ns := b.Namespace
	own, _ := an.ownRules(user, groups, ns)
	if own.covers(everything) {
		return // holds everything already
	}
	resource, where, roles := "roles", "in namespace "+ns, an.sortedRoles(ns)
	if ns == "" {
		resource, where, roles = "clusterroles", "cluster-wide", an.sortedClusterRoles()
	}
	// The subject's rules that may update or patch some role of the scope.
	var writers []rbacv1.PolicyRule
	for _, x := range an.a.RulesFor(user, groups, ns) {
		for _, verb := range []string{"update", "patch"} {
			probe := Request{Verb: verb, APIGroup: rbacv1.GroupName, Resource: resource}
			if len(x.Rule.ResourceNames) > 0 {
				probe.Name = x.Rule.ResourceNames[0]
			}
			if RuleAllows(&probe, &x.Rule) {
				writers = append(writers, x.Rule)
				break
			}
		}
	}
	var targets []*Role
	for _, r := range roles {
		if len(writers) == 0 || len(targets) == maxEscalationExamples {
			break
		}
	writable:
		for i := range writers {
			for _, verb := range []string{"update", "patch"} {
				req := Request{Verb: verb, APIGroup: rbacv1.GroupName, Resource: resource, Name: r.Ref.Name, Namespace: ns}
				if RuleAllows(&req, &writers[i]) {
					targets = append(targets, r)
					break writable
				}
			}
		}
	}
	if len(targets) == 0 {
		return
	}
	var names []string
	objs := []finding.Ref{b.Ref, b.Role.Ref}
	for _, r := range targets {
		names = append(names, r.Ref.String())
		objs = append(objs, r.Ref)
	}
	sev, target := ruleBindEscalation.Severity, "*"
	if ns == "" {
		sev = finding.Critical
	} else {
		target = an.ten.Of(ns)
	}
	_, home := classify(s, an.ten)
	rule := 0
	for _, h := range an.capabilities(b.Role, ns == "") {
		if h.Capability.Name == "escalate" {
			rule = h.RuleIndex
		}
	}
	x := Access{Subject: s, Binding: b.Ref, Role: b.Role.Ref, Namespace: ns, RuleIndex: rule, Rule: b.Role.Rules[rule]}
	an.out = append(an.out, finding.Finding{
		ID: ruleBindEscalation.ID, Severity: sev, Category: ruleBindEscalation.Category, SourceTenant: home, TargetTenant: target,
		Reason:      fmt.Sprintf("%s holds escalate and may update roles %s, so it can write into them permissions it lacks, for everyone bound to them: %s", s, where, strings.Join(names, ", ")),
		Detail:      fmt.Sprintf("kube-apiserver accepts a role whose rules its writer does not hold when the writer has escalate on it. At most %d roles are named.", maxEscalationExamples),
		Subjects:    []finding.Ref{SubjectRef(s)},
		Objects:     objs,
		Witness:     x.Witness(),
		Remediation: "Remove escalate: it is only needed by controllers that manage roles.",
	})
}

// ownRules returns the rules a user with groups holds in a scope, in parts
// (its user's, and one per group, cached, since many subjects share
// groups), and those of them granting bind in the RBAC group.
func (an *analysis) ownRules(user string, groups []string, ns string) (coverage, []rbacv1.PolicyRule) {
	parts := []*ownerPart{an.part(an.a.byUser[user], ns)}
	for _, g := range groups {
		parts = append(parts, an.groupPart(g, ns))
	}
	var bindRules []rbacv1.PolicyRule
	own := make(coverage, len(parts))
	for i, p := range parts {
		own[i] = p.coverer
		bindRules = append(bindRules, p.bind...)
	}
	return own, bindRules
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
	own, bindRules := an.ownRules(user, groups, ns)
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
		if !an.covered(own, r) {
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
	sev := ruleBindEscalation.Severity
	objs := []finding.Ref{b.Ref, b.Role.Ref}
	for _, r := range targets {
		names = append(names, r.Ref.String())
		objs = append(objs, r.Ref)
		sev = maxSeverity(sev, an.capabilities(r, ns == ""))
	}
	target := "*"
	if ns != "" {
		target = an.ten.Of(ns)
	}
	_, home := classify(s, an.ten)
	held := an.capabilities(b.Role, ns == "")
	rule := 0
	for _, h := range held {
		if h.Capability.Name == "bind" {
			rule = h.RuleIndex
		}
	}
	x := Access{Subject: s, Binding: b.Ref, Role: b.Role.Ref, Namespace: ns, RuleIndex: rule, Rule: b.Role.Rules[rule]}
	an.out = append(an.out, finding.Finding{
		ID: ruleBindEscalation.ID, Severity: sev, Category: ruleBindEscalation.Category, SourceTenant: home, TargetTenant: target,
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

func (an *analysis) sortedClusterRoles() []*Role { return an.a.sortedClusterRoles }

func (an *analysis) sortedRoles(ns string) []*Role { return an.a.rolesIn[ns] }

// ownerPart is the rules one user or group holds through its own bindings
// in a scope, each role's once.
type ownerPart struct {
	coverer *coverer
	// bind are the rules granting the bind verb in the RBAC group.
	bind []rbacv1.PolicyRule
}

type groupScope struct{ group, namespace string }

func (an *analysis) groupPart(group, ns string) *ownerPart {
	k := groupScope{group, ns}
	if p, ok := an.groupParts[k]; ok {
		return p
	}
	p := an.part(an.a.byGroup[group], ns)
	if an.groupParts == nil {
		an.groupParts = map[groupScope]*ownerPart{}
	}
	an.groupParts[k] = p
	return p
}

// part collects the rules of the bindings among refs that apply in ns.
func (an *analysis) part(refs []subjectRef, ns string) *ownerPart {
	var rules []rbacv1.PolicyRule
	seen := map[*Role]bool{}
	for _, ref := range refs {
		b := &an.a.bindings[ref.binding]
		if b.Role == nil || seen[b.Role] || (b.Namespace != "" && b.Namespace != ns) {
			continue
		}
		seen[b.Role] = true
		rules = append(rules, b.Role.Rules...)
	}
	p := &ownerPart{coverer: newCoverer(rules)}
	for i := range rules {
		if verbMatches(&rules[i], "bind") && apiGroupMatches(&rules[i], rbacv1.GroupName) {
			p.bind = append(p.bind, rules[i])
		}
	}
	return p
}

type partRole struct {
	part *coverer
	role *Role
}

// covered reports whether the parts together cover a role's rules; own[0]
// is the user's part, the others its groups'. Whether one group's part
// alone covers a role is remembered: the parts of broad groups come back
// for subject after subject.
func (an *analysis) covered(own coverage, r *Role) bool {
	if an.partCovers == nil {
		an.partCovers = map[partRole]bool{}
	}
	for i, p := range own {
		if i == 0 {
			continue // the user's own part, seen once: not worth remembering
		}
		k := partRole{p, r}
		c, ok := an.partCovers[k]
		if !ok {
			c = p.covers(r.Rules)
			an.partCovers[k] = c
		}
		if c {
			return true
		}
	}
	return len(own) > 1 && own.covers(r.Rules)
}

// eachHolder calls f once per subject and scope (a binding's namespace)
// holding the capability, system identities aside.
func (an *analysis) eachHolder(capability string, f func(Subject, *Binding)) {
	type scoped struct {
		s  Subject
		ns string
	}
	seen := map[scoped]bool{}
	for bi := range an.a.bindings {
		b := &an.a.bindings[bi]
		if b.Role == nil || !hasCapability(an.capabilities(b.Role, b.Namespace == ""), capability) {
			continue
		}
		for s := range b.Resolved() {
			if cls, _ := classify(s, an.ten); cls == classSystem || seen[scoped{s, b.Namespace}] {
				continue
			}
			seen[scoped{s, b.Namespace}] = true
			f(s, b)
		}
	}
}
