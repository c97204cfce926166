package rbacgen

import (
	"fmt"
	"math/rand"
	"strings"

	rbacv1 "k8s.io/api/rbac/v1"

	"github.com/bulkhead-dev/bulkhead/internal/rbac"
	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
)

// Queries returns n random requests against a configuration made by
// Generate: half aimed at what some binding grants (a subject of the binding,
// a rule of its role, wildcards instantiated, then sometimes one field
// changed), half drawn blindly from the vocabulary, so that both answers are
// common. Requests never use the Node authorizer's identities.
func Queries(snap *snapshot.Snapshot, cfg Config, seed int64, n int) []rbac.Request {
	g := &gen{r: rand.New(rand.NewSource(seed)), cfg: cfg}
	rules := map[string][]rbacv1.PolicyRule{}
	for _, r := range snap.Roles {
		rules["Role/"+r.Namespace+"/"+r.Name] = r.Rules
	}
	for _, r := range snap.ClusterRoles {
		rules["ClusterRole/"+r.Name] = r.Rules
	}
	out := make([]rbac.Request, 0, n)
	for len(out) < n {
		var q rbac.Request
		if g.r.Intn(2) == 0 && len(snap.RoleBindings)+len(snap.ClusterRoleBindings) > 0 {
			q = g.aimed(snap, rules)
		} else {
			q = g.blind()
		}
		out = append(out, q)
	}
	return out
}

func (g *gen) blind() rbac.Request {
	user, groups := g.identity()
	q := rbac.Request{User: user, Groups: groups, Verb: g.pick(append(Verbs, "*", "frobnicate"))}
	if g.r.Intn(6) == 0 {
		q.Path = g.pick(Paths)
		return q
	}
	q.APIGroup = g.pick(APIGroups)
	q.Resource = g.pick(Resources)
	if g.r.Intn(3) == 0 {
		q.Subresource = g.pick(Subresources)
	}
	if g.r.Intn(2) == 0 {
		q.Name = g.pick(Names)
	}
	if g.r.Intn(5) != 0 {
		q.Namespace = g.namespace()
	}
	return q
}

// identity returns a random user with the groups authentication would give
// it, sometimes with extra or missing groups.
func (g *gen) identity() (string, []string) {
	var user string
	var groups []string
	switch g.r.Intn(4) {
	case 0, 1:
		user = fmt.Sprintf("user-%d", g.r.Intn(g.cfg.Users))
	case 2:
		i := g.r.Intn(g.cfg.ServiceAccounts)
		ns := Namespace(i % g.cfg.Namespaces)
		if g.r.Intn(5) == 0 {
			ns = g.namespace()
		}
		user = rbac.ServiceAccountUser(ns, fmt.Sprintf("sa-%d", i))
	default:
		user = rbac.AnonymousUser
	}
	if g.r.Intn(5) != 0 {
		groups = rbac.ImpersonatedGroups(user, nil)
	}
	for i := g.r.Intn(3); i > 0; i-- {
		groups = append(groups, fmt.Sprintf("group-%d", g.r.Intn(g.cfg.Groups)))
	}
	if g.r.Intn(200) == 0 {
		groups = append(groups, rbac.SystemMasters)
	}
	return user, groups
}

// aimed derives a request from a random binding.
func (g *gen) aimed(snap *snapshot.Snapshot, rules map[string][]rbacv1.PolicyRule) rbac.Request {
	var subjects []rbacv1.Subject
	var ref rbacv1.RoleRef
	var ns string
	if i := g.r.Intn(len(snap.RoleBindings) + len(snap.ClusterRoleBindings)); i < len(snap.RoleBindings) {
		b := snap.RoleBindings[i]
		subjects, ref, ns = b.Subjects, b.RoleRef, b.Namespace
	} else {
		b := snap.ClusterRoleBindings[i-len(snap.RoleBindings)]
		subjects, ref = b.Subjects, b.RoleRef
	}
	key := "ClusterRole/" + ref.Name
	if ref.Kind == "Role" {
		key = "Role/" + ns + "/" + ref.Name
	}
	q := rbac.Request{}
	s := subjects[g.r.Intn(len(subjects))]
	switch s.Kind {
	case rbacv1.UserKind:
		q.User = s.Name
		q.Groups = rbac.ImpersonatedGroups(s.Name, nil)
	case rbacv1.GroupKind:
		q.User = fmt.Sprintf("user-%d", g.r.Intn(g.cfg.Users))
		q.Groups = append(rbac.ImpersonatedGroups(q.User, nil), s.Name)
	default:
		sns := s.Namespace
		if sns == "" {
			sns = ns
		}
		q.User = rbac.ServiceAccountUser(sns, s.Name)
		q.Groups = rbac.ImpersonatedGroups(q.User, nil)
	}
	q.Namespace = ns
	if ns == "" && g.r.Intn(3) != 0 {
		q.Namespace = g.namespace()
	}
	rs := rules[key]
	if len(rs) == 0 {
		b := g.blind()
		b.User, b.Groups, b.Namespace = q.User, q.Groups, q.Namespace
		return b
	}
	rule := rs[g.r.Intn(len(rs))]
	q.Verb = g.instantiate(rule.Verbs, Verbs)
	if len(rule.NonResourceURLs) > 0 {
		u := g.pick(rule.NonResourceURLs)
		switch {
		case u == "*":
			u = g.pick(Paths)
		case strings.HasSuffix(u, "*"):
			u = strings.TrimRight(u, "*") + g.pick([]string{"", "x", "/y"})
		}
		q.Path, q.Namespace = u, ""
	} else {
		q.APIGroup = g.instantiate(rule.APIGroups, APIGroups)
		res := g.instantiate(rule.Resources, Resources)
		if r, sub, ok := strings.Cut(res, "/"); ok {
			if r == "*" {
				r = g.pick(Resources)
			}
			res, q.Subresource = r, sub
		}
		q.Resource = res
		if len(rule.ResourceNames) > 0 && g.r.Intn(4) != 0 {
			q.Name = g.pick(rule.ResourceNames)
		} else if g.r.Intn(3) == 0 {
			q.Name = g.pick(Names)
		}
	}
	// Change one field sometimes, to probe the edges of the rule.
	switch g.r.Intn(8) {
	case 0:
		q.Verb = g.pick(Verbs)
	case 1:
		q.Namespace = g.namespace()
	case 2:
		if q.Path == "" {
			q.Subresource = g.pick(Subresources)
		}
	case 3:
		q.Groups = nil
	}
	return q
}

func (g *gen) instantiate(xs, vocabulary []string) string {
	x := g.pick(xs)
	if x == "*" && g.r.Intn(4) != 0 {
		return g.pick(vocabulary)
	}
	return x
}
