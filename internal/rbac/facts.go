package rbac

// Facts for other engines (the attack graph): what a binding grants, to
// whom.

// Capabilities returns the dangerous capabilities of the catalogue a role
// grants through a binding: cluster is true for a ClusterRoleBinding.
func Capabilities(r *Role, cluster bool) []Held { return capabilities(r, cluster) }

// SubjectAt resolves the i-th subject of the binding: a service account
// without a namespace in a RoleBinding is in the binding's namespace. ok is
// false for a subject that names nobody (such a service account in a
// ClusterRoleBinding, or an unknown kind).
func (b *Binding) SubjectAt(i int) (s Subject, ok bool) { return b.subject(i) }
