package rbac

import (
	"fmt"
	"sort"

	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/bulkhead-dev/bulkhead/internal/finding"
	"github.com/bulkhead-dev/bulkhead/internal/tenancy"
)

// JudgeBinding judges one RoleBinding or ClusterRoleBinding as Analyze
// judges each binding of the snapshot, against the roles the snapshot
// holds: the grants across tenants, to every tenant, to broad groups or of
// dangerous power that its subjects would hold, and a binding to a role
// that does not exist. Admission control asks it about a binding before
// it is stored. What depends on several bindings together (an identity
// bound in several tenants, chains of bind and escalate) is Analyze's; a
// person's tenant is the one the snapshot's bindings give them.
func (a *Authorizer) JudgeBinding(obj runtime.Object, ten *tenancy.Tenancy) ([]finding.Finding, error) {
	var b Binding
	switch o := obj.(type) {
	case *rbacv1.ClusterRoleBinding:
		b = Binding{Ref: finding.Ref{Kind: "ClusterRoleBinding", Name: o.Name}, Subjects: o.Subjects, RoleRef: o.RoleRef}
	case *rbacv1.RoleBinding:
		b = Binding{Ref: finding.Ref{Kind: "RoleBinding", Namespace: o.Namespace, Name: o.Name}, Namespace: o.Namespace, Subjects: o.Subjects, RoleRef: o.RoleRef}
	default:
		return nil, fmt.Errorf("%T is not a RoleBinding or ClusterRoleBinding", obj)
	}
	b.Role = a.resolve(b.RoleRef, b.Namespace)
	an := &analysis{a: a, ten: ten, byKey: map[string]int{}}
	an.judge(&b, a.homesOf(ten))
	for i := range an.out {
		f := &an.out[i]
		sort.Slice(f.Subjects, func(x, y int) bool { return f.Subjects[x].String() < f.Subjects[y].String() })
	}
	finding.Sort(an.out)
	return an.out, nil
}

// homesOf returns the tenants binding each person (personHomes), computed
// once for a tenancy however many bindings are judged against it. The
// map is only read.
func (a *Authorizer) homesOf(ten *tenancy.Tenancy) map[Subject][]string {
	a.homes.Lock()
	defer a.homes.Unlock()
	if a.homes.m == nil || a.homes.ten != ten {
		a.homes.m, _ = a.personHomes(ten)
		a.homes.ten = ten
	}
	return a.homes.m
}
