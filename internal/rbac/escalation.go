package rbac

import (
	"fmt"
	"sort"
	"strings"

	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/component-helpers/auth/rbac/validation"

	"github.com/bulkhead-dev/bulkhead/internal/finding"
)

// maxEscalationExamples bounds how many roles an escalation finding names.
const maxEscalationExamples = 5

// bindEscalations reports subjects that may create bindings to roles whose
// rules they do not hold themselves. kube-apiserver lets a binding be
// created when its creator holds "bind" on the role (in the binding's
// namespace) or already holds every rule of it (validation.Covers); with
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
	var own []rbacv1.PolicyRule
	for _, x := range an.a.RulesFor(user, groups, ns) {
		own = append(own, x.Rule)
	}
	var targets []*Role
	try := func(r *Role, resource string) bool {
		if len(r.Rules) == 0 || (ns != "" && !namespacedAccess(r.Rules)) {
			return true // grants nothing in a RoleBinding's scope
		}
		req := Request{User: user, Groups: groups, Verb: "bind", APIGroup: rbacv1.GroupName, Resource: resource, Name: r.Ref.Name, Namespace: ns}
		if !an.a.Authorize(req).Allowed {
			return true
		}
		if covers, _ := validation.Covers(own, r.Rules); !covers {
			targets = append(targets, r)
		}
		return len(targets) < maxEscalationExamples
	}
	for _, name := range sortedKeys(an.a.clusterRoles) {
		if !try(an.a.clusterRoles[name], "clusterroles") {
			break
		}
	}
	if ns != "" && len(targets) < maxEscalationExamples {
		for _, key := range sortedKeys(an.a.roles) {
			if strings.HasPrefix(key, ns+"/") && !try(an.a.roles[key], "roles") {
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

func sortedKeys(m map[string]*Role) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
