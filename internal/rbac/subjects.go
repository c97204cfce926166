package rbac

import (
	"strings"

	rbacv1 "k8s.io/api/rbac/v1"

	"github.com/bulkhead-dev/bulkhead/internal/tenancy"
)

// class is what a subject stands for, relative to tenants.
type class int

const (
	// classSystem: the control plane's own identities (system:kube-scheduler,
	// system:nodes, service accounts of system namespaces): privileged by
	// design, judged elsewhere.
	classSystem class = iota
	// classBroad: everyone authenticated, everyone unauthenticated, or every
	// service account of the cluster.
	classBroad
	// classTenant: a service account of a tenant namespace, or the group of
	// all service accounts of one.
	classTenant
	// classPerson: any other user or group; its tenant, if any, is where it
	// is bound.
	classPerson
)

// broadGroups are the groups every identity of a kind is in.
var broadGroups = []string{AllAuthenticated, AllUnauthenticated, AllServiceAccounts}

// classify returns the subject's class and, for classTenant, its tenant.
func classify(s Subject, ten *tenancy.Tenancy) (class, string) {
	switch s.Kind {
	case rbacv1.ServiceAccountKind:
		if ten.IsSystem(s.Namespace) {
			return classSystem, tenancy.Cluster
		}
		return classTenant, ten.Of(s.Namespace)
	case rbacv1.GroupKind:
		if contains(broadGroups, s.Name) {
			return classBroad, ""
		}
		if ns, ok := strings.CutPrefix(s.Name, ServiceAccountsPrefix); ok && ns != "" {
			if ten.IsSystem(ns) {
				return classSystem, tenancy.Cluster
			}
			return classTenant, ten.Of(ns)
		}
	case rbacv1.UserKind:
		if s.Name == AnonymousUser {
			return classBroad, ""
		}
		if ns, _, ok := SplitServiceAccountUser(s.Name); ok {
			if ten.IsSystem(ns) {
				return classSystem, tenancy.Cluster
			}
			return classTenant, ten.Of(ns)
		}
	}
	if strings.HasPrefix(s.Name, "system:") {
		return classSystem, tenancy.Cluster
	}
	return classPerson, ""
}

// SubjectTenants returns whose power a subject's is: the tenant of a
// service account or of the group of a namespace's accounts, the cluster
// for system identities, the home of a user or group (the one tenant
// whose namespaces its RoleBindings are in; "" when it has none), and every tenant (every = true) for the broad groups and
// the anonymous user.
func (a *Authorizer) SubjectTenants(ten *tenancy.Tenancy) func(Subject) (tenant string, every bool) {
	homes, _ := a.personHomes(ten)
	return func(s Subject) (string, bool) {
		switch cls, t := classify(s, ten); cls {
		case classBroad:
			return "", true
		case classPerson:
			return homeOf(homes[s]), false
		default:
			return t, false
		}
	}
}

// personHomes returns, for every user and group of classPerson, the tenants
// whose namespaces bind it ("*" for a ClusterRoleBinding) and the bindings
// that name it.
func (a *Authorizer) personHomes(ten *tenancy.Tenancy) (map[Subject][]string, map[Subject][]int) {
	homes := map[Subject][]string{}
	bound := map[Subject][]int{}
	for bi := range a.bindings {
		b := &a.bindings[bi]
		t := "*"
		if b.Namespace != "" {
			t = ten.Of(b.Namespace)
		}
		for s := range b.Resolved() {
			if c, _ := classify(s, ten); c != classPerson {
				continue
			}
			if !contains(homes[s], t) {
				homes[s] = append(homes[s], t)
			}
			if bs := bound[s]; len(bs) == 0 || bs[len(bs)-1] != bi {
				bound[s] = append(bs, bi)
			}
		}
	}
	return homes, bound
}
