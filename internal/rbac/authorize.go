package rbac

import (
	"fmt"
	"sort"

	rbacv1 "k8s.io/api/rbac/v1"

	"github.com/bulkhead-dev/bulkhead/internal/finding"
)

// Access is one fact: a subject may do what a rule says, where a binding
// says, because the binding references a role holding the rule.
type Access struct {
	Subject Subject     `json:"subject"`
	Binding finding.Ref `json:"binding"`
	Role    finding.Ref `json:"role"`
	// Namespace is where the rule applies: the RoleBinding's namespace, or
	// "" for a ClusterRoleBinding (every namespace and the cluster scope).
	Namespace string            `json:"namespace,omitempty"`
	RuleIndex int               `json:"ruleIndex"`
	Rule      rbacv1.PolicyRule `json:"rule"`
}

// Witness is the binding → role → rule chain of an access.
func (x *Access) Witness() []finding.Step {
	scope := "in every namespace and cluster-wide"
	if x.Namespace != "" {
		scope = "in namespace " + x.Namespace
	}
	return []finding.Step{
		{Object: x.Binding, Fact: fmt.Sprintf("binds %s to %s %s", x.Subject, x.Role, scope)},
		{Object: x.Role, Fact: fmt.Sprintf("rule %d: %s", x.RuleIndex, RuleString(x.Rule))},
	}
}

// Reason describes the access as kube-apiserver's RBAC authorizer does
// ("RBAC: allowed by ...").
func (x *Access) Reason() string {
	return fmt.Sprintf("RBAC: allowed by %s %q of %s %q to %s", x.Binding.Kind, bindingName(x.Binding), x.Role.Kind, x.Role.Name, describeSubject(x.Subject))
}

func bindingName(r finding.Ref) string {
	if r.Namespace == "" {
		return r.Name
	}
	return r.Name + "/" + r.Namespace
}

func describeSubject(s Subject) string {
	if s.Kind == rbacv1.ServiceAccountKind {
		return fmt.Sprintf("%s %q", s.Kind, s.Name+"/"+s.Namespace)
	}
	return fmt.Sprintf("%s %q", s.Kind, s.Name)
}

// Decision is the answer to one request.
type Decision struct {
	Allowed bool
	// Superuser is true when the request was allowed because the user is in
	// system:masters, which kube-apiserver authorizes before RBAC.
	Superuser bool
	// By is the first rule that allows the request, in kube-apiserver's
	// visiting order; nil when denied or allowed as superuser.
	By *Access
}

// Reason explains the decision in kube-apiserver's words.
func (d Decision) Reason() string {
	switch {
	case d.Superuser:
		return "member of " + SystemMasters
	case d.By != nil:
		return d.By.Reason()
	}
	return ""
}

// Authorize decides a request as kube-apiserver does with RBAC
// authorization: system:masters is allowed everything; otherwise the request
// is allowed if a rule of a role bound to the user (or one of its groups) by
// any ClusterRoleBinding, or by a RoleBinding in the request's namespace,
// allows it.
func (a *Authorizer) Authorize(req Request) Decision {
	if contains(req.Groups, SystemMasters) {
		return Decision{Allowed: true, Superuser: true}
	}
	ns := req.Namespace
	if !req.IsResource() {
		ns = "" // non-resource requests have no namespace
	}
	return a.decide(&req, a.applicable(req.User, req.Groups, ns))
}

// decide is Authorize's answer from the bindings that apply to the
// request's user in its namespace.
func (a *Authorizer) decide(req *Request, refs []subjectRef) Decision {
	for _, m := range refs {
		b := &a.bindings[m.binding]
		if b.Role == nil {
			continue
		}
		for i := range b.Role.Rules {
			if RuleAllows(req, &b.Role.Rules[i]) {
				x := a.access(m, i)
				return Decision{Allowed: true, By: &x}
			}
		}
	}
	return Decision{}
}

// Scoped is the Authorizer for the requests of one user, with its groups,
// in one namespace ("" for the cluster scope): the bindings that apply are
// found once, not once a request. A service account's dangerous
// permissions are tens of requests in each namespace it is bound in, and
// a big cluster has tens of thousands of accounts.
type Scoped struct {
	a               *Authorizer
	user, namespace string
	groups          []string
	refs            []subjectRef
}

// Scoped returns the Authorizer of user's requests in namespace.
func (a *Authorizer) Scoped(user string, groups []string, namespace string) *Scoped {
	return &Scoped{a: a, user: user, groups: groups, namespace: namespace, refs: a.applicable(user, groups, namespace)}
}

// Authorize is the Authorizer's Authorize of a request of the user in the
// namespace (its User, Groups and Namespace are the Scoped's): the same
// decision, by the same rule.
func (s *Scoped) Authorize(req Request) Decision {
	req.User, req.Groups, req.Namespace = s.user, s.groups, s.namespace
	if contains(req.Groups, SystemMasters) || (!req.IsResource() && s.namespace != "") {
		return s.a.Authorize(req) // decided before RBAC, or in no namespace
	}
	return s.a.decide(&req, s.refs)
}

// RulesFor is the Authorizer's RulesFor of the user in the namespace.
func (s *Scoped) RulesFor() []Access {
	var out []Access
	for _, m := range s.refs {
		b := &s.a.bindings[m.binding]
		if b.Role == nil {
			continue
		}
		for i := range b.Role.Rules {
			out = append(out, s.a.access(m, i))
		}
	}
	return out
}

// RulesFor returns every rule that applies to a user with these groups in a
// namespace ("" for cluster-scoped rules only), in kube-apiserver's order:
// what a SubjectRulesReview reports. Membership in system:masters is not
// reflected, as in kube-apiserver.
func (a *Authorizer) RulesFor(user string, groups []string, namespace string) []Access {
	return a.Scoped(user, groups, namespace).RulesFor()
}

func (a *Authorizer) access(m subjectRef, rule int) Access {
	b := &a.bindings[m.binding]
	s, _ := b.SubjectAt(int(m.subject))
	return Access{Subject: s, Binding: b.Ref, Role: b.Role.Ref, Namespace: b.Namespace, RuleIndex: rule, Rule: b.Role.Rules[rule]}
}

// applicable returns the bindings that apply to the user in the namespace,
// each with the first of its subjects that names the user, in binding order.
func (a *Authorizer) applicable(user string, groups []string, namespace string) []subjectRef {
	var refs []subjectRef
	add := func(rs []subjectRef) {
		for _, r := range rs {
			if int(r.binding) >= a.nCluster && (namespace == "" || a.bindings[r.binding].Namespace != namespace) {
				continue
			}
			refs = append(refs, r)
		}
	}
	add(a.byUser[user])
	for i, g := range groups {
		if contains(groups[:i], g) {
			continue
		}
		add(a.byGroup[g])
	}
	sort.Slice(refs, func(i, j int) bool {
		if refs[i].binding != refs[j].binding {
			return refs[i].binding < refs[j].binding
		}
		return refs[i].subject < refs[j].subject
	})
	out := refs[:0]
	for i, r := range refs {
		if i > 0 && refs[i-1].binding == r.binding {
			continue
		}
		out = append(out, r)
	}
	return out
}

// RuleString prints a rule compactly, as kube-apiserver's error messages do:
// {APIGroups:["apps"], Resources:["deployments"], Verbs:["get"]}.
func RuleString(r rbacv1.PolicyRule) string {
	var parts []string
	add := func(name string, xs []string) {
		if len(xs) > 0 {
			parts = append(parts, fmt.Sprintf("%s:%q", name, xs))
		}
	}
	add("APIGroups", r.APIGroups)
	add("Resources", r.Resources)
	add("NonResourceURLs", r.NonResourceURLs)
	add("ResourceNames", r.ResourceNames)
	add("Verbs", r.Verbs)
	s := "{"
	for i, p := range parts {
		if i > 0 {
			s += ", "
		}
		s += p
	}
	return s + "}"
}
