package bootstrap

import (
	"sort"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
)

// Assume adds the bootstrap policy of a version (as ParseVersion reads it)
// to an offline snapshot, before it is normalised. See Policy.AddTo.
func Assume(snap *snapshot.Snapshot, version string) error {
	p, err := Load(version)
	if err != nil {
		return err
	}
	p.AddTo(snap)
	return nil
}

// AddTo adds every object of the policy the snapshot does not have, by kind,
// namespace and name: the input wins, object by object, as it would on a
// real cluster where it was applied over the bootstrap policy, and, when
// it added any, the kube-system service accounts the bindings name. It records
// what it added in snap.Assumed. A snapshot that already carries an
// assumption (read back from a written snapshot) keeps it when nothing is
// added.
func (p *Policy) AddTo(snap *snapshot.Snapshot) {
	roles, bindings := 0, 0
	snap.ClusterRoles, roles = addMissing(snap.ClusterRoles, p.ClusterRoles, roles, func(x *rbacv1.ClusterRole) string { return x.Name })
	snap.Roles, roles = addMissing(snap.Roles, p.Roles, roles, func(x *rbacv1.Role) string { return x.Namespace + "/" + x.Name })
	snap.ClusterRoleBindings, bindings = addMissing(snap.ClusterRoleBindings, p.ClusterRoleBindings, bindings, func(x *rbacv1.ClusterRoleBinding) string { return x.Name })
	snap.RoleBindings, bindings = addMissing(snap.RoleBindings, p.RoleBindings, bindings, func(x *rbacv1.RoleBinding) string { return x.Namespace + "/" + x.Name })
	if roles+bindings == 0 {
		// The input holds the whole policy: a dump of a cluster, whose
		// service accounts are what it lists.
		return
	}
	accounts := 0
	snap.ServiceAccounts, accounts = addMissing(snap.ServiceAccounts, p.serviceAccounts(), 0, func(x *corev1.ServiceAccount) string { return x.Namespace + "/" + x.Name })
	if snap.Assumed.Version != p.Version {
		snap.Assumed = snapshot.Assumed{Version: p.Version}
	}
	snap.Assumed.Roles += roles
	snap.Assumed.Bindings += bindings
	snap.Assumed.ServiceAccounts += accounts
}

// serviceAccounts returns the service accounts the policy's bindings name:
// kube-controller-manager's controllers and the other kube-system accounts
// that kubeadm-style clusters run as (--use-service-account-credentials),
// sorted. Whoever runs pods as one of them holds its role.
func (p *Policy) serviceAccounts() []corev1.ServiceAccount {
	seen := map[string]bool{}
	var out []corev1.ServiceAccount
	add := func(subjects []rbacv1.Subject, namespace string) {
		for _, s := range subjects {
			if s.Kind != rbacv1.ServiceAccountKind {
				continue
			}
			ns := s.Namespace
			if ns == "" {
				ns = namespace
			}
			if key := ns + "/" + s.Name; ns != "" && !seen[key] {
				seen[key] = true
				out = append(out, corev1.ServiceAccount{
					TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ServiceAccount"},
					ObjectMeta: metav1.ObjectMeta{Name: s.Name, Namespace: ns}})
			}
		}
	}
	for i := range p.ClusterRoleBindings {
		add(p.ClusterRoleBindings[i].Subjects, "")
	}
	for i := range p.RoleBindings {
		add(p.RoleBindings[i].Subjects, p.RoleBindings[i].Namespace)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Namespace != out[j].Namespace {
			return out[i].Namespace < out[j].Namespace
		}
		return out[i].Name < out[j].Name
	})
	return out
}

// addMissing appends the built-in objects whose key the input lacks, and
// adds their number to n.
func addMissing[T any](have, builtin []T, n int, key func(*T) string) ([]T, int) {
	seen := make(map[string]bool, len(have))
	for i := range have {
		seen[key(&have[i])] = true
	}
	for i := range builtin {
		if !seen[key(&builtin[i])] {
			have = append(have, builtin[i])
			n++
		}
	}
	return have, n
}
