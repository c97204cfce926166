package rbac

import (
	"slices"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"

	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
)

func TestBindable(t *testing.T) {
	rbacGroup := l(rbacv1.GroupName)
	podAdmin := clusterRole("pod-admin", rule(l("create"), l(""), l("pods")), rule(l("get"), l(""), l("secrets")))
	view := clusterRole("view", rule(l("get"), l(""), l("pods")))
	nodes := clusterRole("node-reader", rule(l("get"), l(""), l("nodes")))
	binder := func(bindingRes string, names ...string) rbacv1.ClusterRole {
		return clusterRole("binder", rule(l("create"), rbacGroup, l(bindingRes)), rule(l("bind"), rbacGroup, l("clusterroles"), names...))
	}
	ci := sa("team-a", "ci")
	for _, tc := range []struct {
		name string
		snap *snapshot.Snapshot
		ns   string
		want []string
	}{
		{"bind in its namespace: the ClusterRoles it lacks, not those it holds or that give nothing there",
			&snapshot.Snapshot{
				ClusterRoles: []rbacv1.ClusterRole{binder("rolebindings"), podAdmin, view, nodes},
				RoleBindings: []rbacv1.RoleBinding{
					roleBinding("team-a", "binder", "ClusterRole", "binder", ci),
					roleBinding("team-a", "view", "ClusterRole", "view", ci),
				},
			}, "team-a", []string{"ClusterRole/pod-admin", "ClusterRole/cluster-admin"}},
		{"not in another namespace",
			&snapshot.Snapshot{
				ClusterRoles: []rbacv1.ClusterRole{binder("rolebindings"), podAdmin},
				RoleBindings: []rbacv1.RoleBinding{roleBinding("team-a", "binder", "ClusterRole", "binder", ci)},
			}, "team-b", nil},
		{"bind without create on bindings gives nothing",
			&snapshot.Snapshot{
				ClusterRoles: []rbacv1.ClusterRole{clusterRole("binder", rule(l("bind"), rbacGroup, l("clusterroles"))), podAdmin},
				RoleBindings: []rbacv1.RoleBinding{roleBinding("team-a", "binder", "ClusterRole", "binder", ci)},
			}, "team-a", nil},
		{"bind limited to view",
			&snapshot.Snapshot{
				ClusterRoles: []rbacv1.ClusterRole{binder("rolebindings", "view"), podAdmin, view},
				RoleBindings: []rbacv1.RoleBinding{roleBinding("team-a", "binder", "ClusterRole", "binder", ci)},
			}, "team-a", []string{"ClusterRole/view"}},
		{"cluster-wide: cluster-admin exists even when the snapshot lacks it",
			&snapshot.Snapshot{
				ClusterRoles:        []rbacv1.ClusterRole{binder("clusterrolebindings", "cluster-admin")},
				ClusterRoleBindings: []rbacv1.ClusterRoleBinding{clusterRoleBinding("binder", "ClusterRole", "binder", ci)},
			}, "", []string{"ClusterRole/cluster-admin"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, b := range NewAuthorizer(tc.snap).Bindable(ci1(ci), tc.ns) {
				got = append(got, b.Role.Ref.String())
				if b.Create.Binding.Name == "" || b.Bind.Binding.Name == "" {
					t.Errorf("%s: no evidence: %+v", b.Role.Ref, b)
				}
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("Bindable = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestEscalation(t *testing.T) {
	rbacGroup := l(rbacv1.GroupName)
	ci := sa("team-a", "ci")
	own := role("team-a", "own", rule(l("escalate", "update"), rbacGroup, l("roles")))
	for _, tc := range []struct {
		name string
		snap *snapshot.Snapshot
		want bool
	}{
		{"escalate and update a role bound to it", &snapshot.Snapshot{
			Roles:        []rbacv1.Role{own},
			RoleBindings: []rbacv1.RoleBinding{roleBinding("team-a", "own", "Role", "own", ci)},
		}, true},
		{"escalate and create roles and bindings", &snapshot.Snapshot{
			Roles: []rbacv1.Role{role("team-a", "maker",
				rule(l("escalate", "create"), rbacGroup, l("roles")), rule(l("create"), rbacGroup, l("rolebindings")))},
			RoleBindings: []rbacv1.RoleBinding{roleBinding("team-a", "maker", "Role", "maker", ci)},
		}, true},
		{"escalate alone", &snapshot.Snapshot{
			Roles:        []rbacv1.Role{role("team-a", "esc", rule(l("escalate"), rbacGroup, l("roles")))},
			RoleBindings: []rbacv1.RoleBinding{roleBinding("team-a", "esc", "Role", "esc", ci)},
		}, false},
		{"escalate and update roles, but none bound to it", &snapshot.Snapshot{
			ClusterRoles: []rbacv1.ClusterRole{clusterRole("own", own.Rules...)},
			RoleBindings: []rbacv1.RoleBinding{roleBinding("team-a", "own", "ClusterRole", "own", ci)},
		}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			xs, ok := NewAuthorizer(tc.snap).Escalation(ci1(ci), "team-a")
			if ok != tc.want || (ok && len(xs) != 3) {
				t.Errorf("Escalation = %v, %d accesses; want %v", ok, len(xs), tc.want)
			}
		})
	}
}

// ci1 is the Subject a binding's service-account subject names.
func ci1(s rbacv1.Subject) Subject {
	return Subject{Kind: s.Kind, Namespace: s.Namespace, Name: s.Name}
}
