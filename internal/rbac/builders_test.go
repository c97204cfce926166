package rbac

import (
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
)

// Builders for test objects, with tweak-free positional arguments: tests
// read as the YAML they stand for.

func rule(verbs, groups, resources []string, names ...string) rbacv1.PolicyRule {
	return rbacv1.PolicyRule{Verbs: verbs, APIGroups: groups, Resources: resources, ResourceNames: names}
}

func urlRule(verbs []string, urls ...string) rbacv1.PolicyRule {
	return rbacv1.PolicyRule{Verbs: verbs, NonResourceURLs: urls}
}

func l(xs ...string) []string { return xs }

func role(ns, name string, rules ...rbacv1.PolicyRule) rbacv1.Role {
	return rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}, Rules: rules}
}

func clusterRole(name string, rules ...rbacv1.PolicyRule) rbacv1.ClusterRole {
	return rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: name}, Rules: rules}
}

func user(name string) rbacv1.Subject {
	return rbacv1.Subject{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: name}
}

func group(name string) rbacv1.Subject {
	return rbacv1.Subject{Kind: rbacv1.GroupKind, APIGroup: rbacv1.GroupName, Name: name}
}

func sa(ns, name string) rbacv1.Subject {
	return rbacv1.Subject{Kind: rbacv1.ServiceAccountKind, Namespace: ns, Name: name}
}

func roleBinding(ns, name, kind, roleName string, subjects ...rbacv1.Subject) rbacv1.RoleBinding {
	return rbacv1.RoleBinding{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Subjects:   subjects,
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: kind, Name: roleName},
	}
}

func clusterRoleBinding(name, kind, roleName string, subjects ...rbacv1.Subject) rbacv1.ClusterRoleBinding {
	return rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Subjects:   subjects,
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: kind, Name: roleName},
	}
}

// seedSnapshot is examples/seed-cluster/30-rbac.yaml: alice reads pods in
// test-namespace, bob everywhere.
func seedSnapshot() *snapshot.Snapshot {
	return &snapshot.Snapshot{
		Roles: []rbacv1.Role{role("test-namespace", "test-master-role", rule(l("get", "list", "watch"), l(""), l("pods")))},
		RoleBindings: []rbacv1.RoleBinding{
			roleBinding("test-namespace", "test-master-binding", "Role", "test-master-role", user("alice")),
		},
		ClusterRoles: []rbacv1.ClusterRole{clusterRole("pod-reader", rule(l("get", "list", "watch"), l(""), l("pods")))},
		ClusterRoleBindings: []rbacv1.ClusterRoleBinding{
			clusterRoleBinding("pod-reader-binding", "ClusterRole", "pod-reader", user("bob")),
		},
	}
}
