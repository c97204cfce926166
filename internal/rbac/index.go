package rbac

import (
	"iter"
	"sort"
	"sync"

	rbacv1 "k8s.io/api/rbac/v1"

	"github.com/bulkhead-dev/bulkhead/internal/finding"
	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
	"github.com/bulkhead-dev/bulkhead/internal/tenancy"
)

// Role is a Role or ClusterRole as the authorizer sees it.
type Role struct {
	Ref   finding.Ref
	Rules []rbacv1.PolicyRule
	// Aggregated is true for a ClusterRole with an aggregationRule.
	Aggregated bool
}

// Binding is a RoleBinding or ClusterRoleBinding with its role resolved.
type Binding struct {
	Ref finding.Ref
	// Namespace is where the binding grants: its own namespace for a
	// RoleBinding, "" (every namespace and the cluster scope) for a
	// ClusterRoleBinding.
	Namespace string
	Subjects  []rbacv1.Subject
	RoleRef   rbacv1.RoleRef
	// Role is nil when the referenced role does not exist or the reference
	// is of a kind RBAC does not resolve (a ClusterRoleBinding to a Role):
	// the binding grants nothing, yet.
	Role *Role
}

// RoleRefObject names the object the binding references, whether or not it
// exists.
func (b *Binding) RoleRefObject() finding.Ref {
	if b.RoleRef.Kind == "Role" {
		return finding.Ref{Kind: "Role", Namespace: b.Namespace, Name: b.RoleRef.Name}
	}
	return finding.Ref{Kind: b.RoleRef.Kind, Name: b.RoleRef.Name}
}

// SubjectAt resolves a binding subject to the subject it names: a service
// account without a namespace in a RoleBinding is in the binding's
// namespace; in a ClusterRoleBinding it names nobody (ok false), as does an
// unknown kind.
func (b *Binding) SubjectAt(i int) (Subject, bool) {
	s := b.Subjects[i]
	switch s.Kind {
	case rbacv1.UserKind, rbacv1.GroupKind:
		return Subject{Kind: s.Kind, Name: s.Name}, true
	case rbacv1.ServiceAccountKind:
		ns := s.Namespace
		if ns == "" {
			ns = b.Namespace
		}
		if ns == "" {
			return Subject{}, false
		}
		return Subject{Kind: s.Kind, Name: s.Name, Namespace: ns}, true
	}
	return Subject{}, false
}

// Resolved yields the subjects the binding names, each as SubjectAt
// resolves it, passing over those that name nobody.
func (b *Binding) Resolved() iter.Seq[Subject] {
	return func(yield func(Subject) bool) {
		for i := range b.Subjects {
			if s, ok := b.SubjectAt(i); ok && !yield(s) {
				return
			}
		}
	}
}

// subjectRef is one subject of one binding.
type subjectRef struct {
	binding int32
	subject int32
}

// Authorizer answers RBAC questions about one snapshot. Build it once with
// NewAuthorizer; it is safe for concurrent use.
type Authorizer struct {
	// bindings holds every ClusterRoleBinding, sorted by name, then every
	// RoleBinding, sorted by namespace and name: kube-apiserver visits
	// cluster role bindings first.
	bindings []Binding
	nCluster int
	// byUser and byGroup index subjects; a service account is indexed by
	// the user name it authenticates as.
	byUser  map[string][]subjectRef
	byGroup map[string][]subjectRef
	// inNamespace lists the RoleBindings of each namespace.
	inNamespace map[string][]int32

	roles        map[string]*Role // "namespace/name"
	clusterRoles map[string]*Role
	// sortedClusterRoles are the ClusterRoles by name; rolesIn the Roles
	// of each namespace by name.
	sortedClusterRoles []*Role
	rolesIn            map[string][]*Role

	// roleFacts memoises what is found of one role in one scope
	// (Held, summaries): thousands of bindings share a few hundred roles,
	// and an authorizer kept across analyses keeps them.
	roleFacts struct {
		sync.Mutex
		m map[capKey]*roleFact
	}

	// homes memoises personHomes for the last tenancy JudgeBinding was
	// asked about: admission judges every binding against the same one.
	homes struct {
		sync.Mutex
		ten *tenancy.Tenancy
		m   map[Subject][]string
	}
}

// NewAuthorizer indexes the RBAC objects of a snapshot. ClusterRole
// aggregation must already be resolved (snapshot.Normalize does it).
func NewAuthorizer(snap *snapshot.Snapshot) *Authorizer {
	a := &Authorizer{
		byUser:       map[string][]subjectRef{},
		byGroup:      map[string][]subjectRef{},
		inNamespace:  map[string][]int32{},
		roles:        make(map[string]*Role, len(snap.Roles)),
		clusterRoles: make(map[string]*Role, len(snap.ClusterRoles)),
	}
	for i := range snap.Roles {
		r := &snap.Roles[i]
		a.roles[r.Namespace+"/"+r.Name] = &Role{Ref: finding.Ref{Kind: "Role", Namespace: r.Namespace, Name: r.Name}, Rules: r.Rules}
	}
	for i := range snap.ClusterRoles {
		r := &snap.ClusterRoles[i]
		a.clusterRoles[r.Name] = &Role{Ref: finding.Ref{Kind: "ClusterRole", Name: r.Name}, Rules: r.Rules, Aggregated: r.AggregationRule != nil}
	}

	a.sortedClusterRoles = make([]*Role, 0, len(a.clusterRoles))
	for _, r := range a.clusterRoles {
		a.sortedClusterRoles = append(a.sortedClusterRoles, r)
	}
	sort.Slice(a.sortedClusterRoles, func(i, j int) bool { return a.sortedClusterRoles[i].Ref.Name < a.sortedClusterRoles[j].Ref.Name })
	a.rolesIn = map[string][]*Role{}
	for _, r := range a.roles {
		a.rolesIn[r.Ref.Namespace] = append(a.rolesIn[r.Ref.Namespace], r)
	}
	for _, rs := range a.rolesIn {
		sort.Slice(rs, func(i, j int) bool { return rs[i].Ref.Name < rs[j].Ref.Name })
	}

	crbs := make([]int, len(snap.ClusterRoleBindings))
	for i := range crbs {
		crbs[i] = i
	}
	sort.SliceStable(crbs, func(i, j int) bool {
		return snap.ClusterRoleBindings[crbs[i]].Name < snap.ClusterRoleBindings[crbs[j]].Name
	})
	rbs := make([]int, len(snap.RoleBindings))
	for i := range rbs {
		rbs[i] = i
	}
	sort.SliceStable(rbs, func(i, j int) bool {
		x, y := &snap.RoleBindings[rbs[i]], &snap.RoleBindings[rbs[j]]
		if x.Namespace != y.Namespace {
			return x.Namespace < y.Namespace
		}
		return x.Name < y.Name
	})

	a.bindings = make([]Binding, 0, len(crbs)+len(rbs))
	for _, i := range crbs {
		b := &snap.ClusterRoleBindings[i]
		a.bindings = append(a.bindings, Binding{
			Ref:      finding.Ref{Kind: "ClusterRoleBinding", Name: b.Name},
			Subjects: b.Subjects,
			RoleRef:  b.RoleRef,
			Role:     a.resolve(b.RoleRef, ""),
		})
	}
	a.nCluster = len(a.bindings)
	for _, i := range rbs {
		b := &snap.RoleBindings[i]
		a.inNamespace[b.Namespace] = append(a.inNamespace[b.Namespace], int32(len(a.bindings)))
		a.bindings = append(a.bindings, Binding{
			Ref:       finding.Ref{Kind: "RoleBinding", Namespace: b.Namespace, Name: b.Name},
			Namespace: b.Namespace,
			Subjects:  b.Subjects,
			RoleRef:   b.RoleRef,
			Role:      a.resolve(b.RoleRef, b.Namespace),
		})
	}

	for bi := range a.bindings {
		b := &a.bindings[bi]
		for si := range b.Subjects {
			s, ok := b.SubjectAt(si)
			if !ok {
				continue
			}
			ref := subjectRef{binding: int32(bi), subject: int32(si)}
			if s.Kind == rbacv1.GroupKind {
				a.byGroup[s.Name] = append(a.byGroup[s.Name], ref)
			} else {
				a.byUser[s.User()] = append(a.byUser[s.User()], ref)
			}
		}
	}
	return a
}

// resolve finds the role a binding references, as
// DefaultRuleResolver.GetRoleReferenceRules does: "Role" is looked up in the
// binding's namespace (so never for a ClusterRoleBinding), "ClusterRole" by
// name, any other kind is an error that grants nothing.
func (a *Authorizer) resolve(ref rbacv1.RoleRef, namespace string) *Role {
	switch ref.Kind {
	case "Role":
		if namespace == "" {
			return nil
		}
		return a.roles[namespace+"/"+ref.Name]
	case "ClusterRole":
		return a.clusterRoles[ref.Name]
	}
	return nil
}

// Bindings returns every binding, cluster role bindings first. The slice is
// shared: do not modify it.
func (a *Authorizer) Bindings() []Binding { return a.bindings }

// ClusterRole returns the named ClusterRole, or nil.
func (a *Authorizer) ClusterRole(name string) *Role { return a.clusterRoles[name] }

// Role returns the named Role of a namespace, or nil.
func (a *Authorizer) Role(namespace, name string) *Role { return a.roles[namespace+"/"+name] }
