package rbac

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	rbacv1 "k8s.io/api/rbac/v1"

	"github.com/bulkhead-dev/bulkhead/internal/finding"
	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
	"github.com/bulkhead-dev/bulkhead/internal/tenancy"
)

// Analyze reports the grants of a snapshot that break tenant isolation.
func Analyze(snap *snapshot.Snapshot, ten *tenancy.Tenancy) []finding.Finding {
	return NewAuthorizer(snap).Analyze(ten)
}

// Analyze reports the grants that break tenant isolation, one finding per
// check, binding and source tenant, its subjects listed together.
func (a *Authorizer) Analyze(ten *tenancy.Tenancy) []finding.Finding {
	an := &analysis{a: a, ten: ten, byKey: map[string]int{}}
	homes, bound := a.personHomes(ten)
	for bi := range a.bindings {
		an.binding(bi, homes)
	}
	an.sharedIdentities(homes, bound)
	an.bindEscalations()
	for i := range an.out {
		f := &an.out[i]
		sort.Slice(f.Subjects, func(x, y int) bool { return f.Subjects[x].String() < f.Subjects[y].String() })
	}
	finding.Sort(an.out)
	return an.out
}

type capKey struct {
	role    *Role
	cluster bool
}

type analysis struct {
	a     *Authorizer
	ten   *tenancy.Tenancy
	out   []finding.Finding
	byKey map[string]int

	groupParts map[groupScope]*ownerPart
	partCovers map[partRole]bool
}

func (an *analysis) capabilities(r *Role, cluster bool) []Held { return an.a.Held(r, cluster) }

// binding judges every subject of one binding of the snapshot.
func (an *analysis) binding(bi int, homes map[Subject][]string) {
	an.judge(&an.a.bindings[bi], homes)
}

// judge judges every subject of one binding.
func (an *analysis) judge(b *Binding, homes map[Subject][]string) {
	if b.Role == nil {
		an.latent(b)
		return
	}
	cluster := b.Namespace == ""
	target, where := "*", "in every namespace of every tenant"
	if !cluster {
		target, where = an.ten.Of(b.Namespace), "in namespace "+b.Namespace+" (tenant "+an.ten.Of(b.Namespace)+")"
	}
	held := an.capabilities(b.Role, cluster)
	boundary := boundaryOnly(held)
	summary := an.a.summary(b.Role, cluster)
	if summary == "" {
		return // the role grants nothing a request could match
	}
	for s := range b.Resolved() {
		cls, home := classify(s, an.ten)
		if cls == classPerson {
			home = homeOf(homes[s])
		}
		switch {
		case cls == classSystem:
		case cls == classBroad:
			if benign(b.Role.Rules) {
				continue
			}
			sev := maxSeverity(ruleBroadGroup.Severity, held)
			if s.Name == AllUnauthenticated || s.Name == AnonymousUser {
				sev = finding.Critical
			}
			an.add(ruleBroadGroup, sev, b, s, "*", target, held,
				fmt.Sprintf("%s (%s) can %s %s", s, broadMeaning(s.Name), summary, where),
				"Bind the role to the identities that need it instead of a group every identity of a kind is in.")
		case cluster && namespacedAccess(b.Role.Rules):
			an.add(ruleEveryTenant, maxSeverity(ruleEveryTenant.Severity, held), b, s, home, "*", held,
				fmt.Sprintf("%s can %s %s", s, summary, where),
				"Replace the ClusterRoleBinding with RoleBindings in the namespaces of the tenant the subject belongs to.")
		case cluster && len(held) > 0:
			an.add(ruleDangerous, maxSeverity(ruleDangerous.Severity, held), b, s, home, "*", held,
				fmt.Sprintf("%s can %s", s, effects(held)),
				"Remove the dangerous permissions from the role, or bind it only to cluster operators.")
		case cluster:
			// Cluster-scoped reads (nodes, nodes/metrics, /metrics) and the
			// review APIs: no access to any tenant's namespace.
		case cls == classTenant && home != target:
			sev := maxSeverity(ruleCrossTenant.Severity, held)
			if len(held) == 0 && coordinationOnly(b.Role.Rules) {
				sev = finding.Low
			}
			an.add(ruleCrossTenant, sev, b, s, home, target, held,
				fmt.Sprintf("%s of tenant %s can %s %s", s, home, summary, where),
				"Delete the subject from the binding, or move the workload into the tenant it acts on.")
		case len(boundary) > 0:
			an.add(ruleDangerous, maxSeverity(ruleDangerous.Severity, boundary), b, s, home, target, boundary,
				fmt.Sprintf("%s can %s", s, effects(boundary)),
				"Remove the dangerous permissions from the role: they let a tenant break out of its own namespaces.")
		}
	}
}

// add records a finding of rule check at severity sev, or adds the subject to
// the finding of the same rule, binding and source tenant.
func (an *analysis) add(check finding.Rule, sev finding.Severity, b *Binding, s Subject, source, target string, held []Held, reason, remediation string) {
	key := check.ID + "|" + b.Ref.String() + "|" + source
	if i, ok := an.byKey[key]; ok {
		an.out[i].Subjects = append(an.out[i].Subjects, SubjectRef(s))
		return
	}
	rule := 0
	if len(held) > 0 {
		rule = held[0].RuleIndex
	}
	x := Access{Subject: s, Binding: b.Ref, Role: b.Role.Ref, Namespace: b.Namespace, RuleIndex: rule, Rule: b.Role.Rules[rule]}
	detail := "Rules of " + b.Role.Ref.String() + ":\n"
	for i, r := range b.Role.Rules {
		detail += fmt.Sprintf("  %d: %s\n", i, RuleString(r))
	}
	for _, h := range held {
		detail += fmt.Sprintf("Dangerous: %s (rule %d): can %s.\n", h.Capability.Name, h.RuleIndex, h.Capability.Effect)
	}
	an.byKey[key] = len(an.out)
	an.out = append(an.out, finding.Finding{
		ID: check.ID, Severity: sev, Category: check.Category,
		SourceTenant: source, TargetTenant: target,
		Reason: reason, Detail: strings.TrimRight(detail, "\n"),
		Subjects:    []finding.Ref{SubjectRef(s)},
		Objects:     []finding.Ref{b.Ref, b.Role.Ref},
		Witness:     x.Witness(),
		Remediation: remediation,
	})
}

// latent reports a binding whose role does not exist.
func (an *analysis) latent(b *Binding) {
	ref := b.RoleRefObject()
	target := "*"
	if b.Namespace != "" {
		target = an.ten.Of(b.Namespace)
	}
	var subjects []finding.Ref
	for s := range b.Resolved() {
		subjects = append(subjects, SubjectRef(s))
	}
	why := "does not exist"
	if ref.Kind != "Role" && ref.Kind != "ClusterRole" || (ref.Kind == "Role" && b.Namespace == "") {
		why = "can never be resolved (a " + b.Ref.Kind + " cannot reference a " + ref.Kind + ")"
	}
	an.out = append(an.out, finding.Finding{
		ID: ruleLatentBinding.ID, Severity: ruleLatentBinding.Severity, Category: ruleLatentBinding.Category, TargetTenant: target,
		Reason:      fmt.Sprintf("%s binds %d subject(s) to %s, which %s: whoever creates that role grants them its rules", b.Ref, len(subjects), ref, why),
		Subjects:    subjects,
		Objects:     []finding.Ref{b.Ref, ref},
		Witness:     []finding.Step{{Object: b.Ref, Fact: "references " + ref.String()}, {Object: ref, Fact: "missing"}},
		Remediation: "Delete the binding, or create the role it expects with the permissions you intend.",
	})
}

// sharedIdentities reports users and groups bound in the namespaces of
// several tenants: one identity that joins them.
func (an *analysis) sharedIdentities(homes map[Subject][]string, bound map[Subject][]int) {
	for s, ts := range homes {
		var tenants []string
		for _, t := range ts {
			if t != "*" && t != tenancy.Cluster {
				tenants = append(tenants, t)
			}
		}
		if len(tenants) < 2 || contains(ts, "*") {
			continue
		}
		sort.Strings(tenants)
		var objs []finding.Ref
		for _, bi := range bound[s] {
			if b := &an.a.bindings[bi]; an.ten.Of(b.Namespace) != tenancy.Cluster {
				objs = append(objs, b.Ref)
			}
		}
		an.out = append(an.out, finding.Finding{
			ID: ruleSharedIdentity.ID, Severity: ruleSharedIdentity.Severity, Category: ruleSharedIdentity.Category, SourceTenant: "*", TargetTenant: "*",
			// The identity joins the tenants it is bound in, and those only.
			SourceTenants: tenants, TargetTenants: tenants,
			Reason:      fmt.Sprintf("%s is bound in the namespaces of %d tenants (%s): whoever holds it acts in all of them", s, len(tenants), strings.Join(tenants, ", ")),
			Subjects:    []finding.Ref{SubjectRef(s)},
			Objects:     objs,
			Remediation: "Use one identity per tenant.",
		})
	}
}

// homeOf returns the tenant of a user or group: the one tenant whose
// namespaces bind it, ClusterRoleBindings aside; "" when none or several.
func homeOf(tenants []string) string {
	home := ""
	for _, t := range tenants {
		switch {
		case t == "*":
		case home == "":
			home = t
		default:
			return ""
		}
	}
	return home
}

func boundaryOnly(held []Held) []Held {
	var out []Held
	for _, h := range held {
		if h.Capability.Boundary {
			out = append(out, h)
		}
	}
	return out
}

func maxSeverity(base finding.Severity, held []Held) finding.Severity {
	for _, h := range held {
		if h.Capability.Severity > base {
			base = h.Capability.Severity
		}
	}
	return base
}

func effects(held []Held) string {
	var parts []string
	for _, h := range held {
		parts = append(parts, h.Capability.Effect+" ("+h.Capability.Name+")")
	}
	return strings.Join(parts, "; ")
}

func broadMeaning(group string) string {
	switch group {
	case AllAuthenticated:
		return "every authenticated user and service account"
	case AllUnauthenticated, AnonymousUser:
		return "anyone, without credentials"
	}
	return "every service account of every namespace"
}

// benign reports whether rules grant only what gives no access to any
// tenant: reading non-resource URLs (discovery, /metrics) and the review
// APIs (scope.go), which answer questions and touch no object.
func benign(rules []rbacv1.PolicyRule) bool {
	for i := range rules {
		r := &rules[i]
		if len(r.NonResourceURLs) > 0 {
			for _, v := range r.Verbs {
				if v != "get" && v != "head" {
					return false
				}
			}
			continue
		}
		if len(r.Resources) == 0 || len(r.Verbs) == 0 || len(r.APIGroups) == 0 || reviewOnly(r) {
			continue
		}
		return false
	}
	return true
}

// coordinationOnly reports whether namespaced rules touch nothing but
// events and leader-election leases, whose writes beyond create name the
// leases they may take: what a controller's chart grants it in another
// namespace to elect its leader there (cert-manager's in kube-system). Such
// a grant can disturb the namespace, not read its data or run code in it.
// A lease written by any name could take the leadership of the
// namespace's own controllers, and is not.
func coordinationOnly(rules []rbacv1.PolicyRule) bool {
	for i := range rules {
		r := &rules[i]
		if len(r.Resources) == 0 || len(r.Verbs) == 0 || len(r.APIGroups) == 0 {
			continue // non-resource URLs, which a namespace's grant cannot give, or nothing
		}
		for _, g := range r.APIGroups {
			for _, res := range r.Resources {
				switch {
				case res == "events" && (g == "" || g == "events.k8s.io"):
				case res == "leases" && g == "coordination.k8s.io":
					if len(r.ResourceNames) == 0 && slices.ContainsFunc(r.Verbs, func(v string) bool {
						return v != "create" && v != "get" && v != "list" && v != "watch"
					}) {
						return false
					}
				default:
					return false
				}
			}
		}
	}
	return true
}

// summarise describes what rules grant, compactly: "get, list, watch pods;
// create pods/exec". In a RoleBinding's scope, non-resource rules grant
// nothing and are left out.
func summarise(rules []rbacv1.PolicyRule, cluster bool) string {
	var parts []string
	for _, r := range rules {
		if len(r.Verbs) == 0 {
			continue
		}
		verbs := strings.Join(r.Verbs, ", ")
		if len(r.NonResourceURLs) > 0 && cluster {
			parts = append(parts, verbs+" "+strings.Join(r.NonResourceURLs, ", "))
		}
		if len(r.Resources) == 0 || len(r.APIGroups) == 0 {
			continue
		}
		var res []string
		for _, x := range r.Resources {
			for _, g := range r.APIGroups {
				if g == "" {
					res = append(res, x)
				} else {
					res = append(res, x+"."+g)
				}
			}
		}
		p := verbs + " " + strings.Join(res, ", ")
		if len(r.ResourceNames) > 0 {
			p += " named " + strings.Join(r.ResourceNames, ", ")
		}
		parts = append(parts, p)
	}
	if len(parts) > 4 {
		parts = append(parts[:4], fmt.Sprintf("%d more rules", len(parts)-4))
	}
	return strings.Join(parts, "; ")
}
