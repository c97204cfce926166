package node

import (
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/bulkhead-dev/bulkhead/internal/finding"
	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
	"github.com/bulkhead-dev/bulkhead/internal/tenancy"
)

// Whoever may edit a namespace's labels may lift its Pod Security level.
func TestRelabelFindings(t *testing.T) {
	ref := func(name string) rbacv1.RoleRef {
		return rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: name}
	}
	snap := &snapshot.Snapshot{
		Namespaces: []corev1.Namespace{namespace("a", enforce("baseline")), namespace("b", enforce("restricted")), namespace("c", enforce("baseline")),
			namespace("d", enforce("baseline"))},
		ClusterRoles: []rbacv1.ClusterRole{{ObjectMeta: metav1.ObjectMeta{Name: "ns-editor"}, Rules: []rbacv1.PolicyRule{
			{APIGroups: []string{""}, Resources: []string{"namespaces"}, Verbs: []string{"patch"}},
		}}},
		RoleBindings: []rbacv1.RoleBinding{
			// a's own service account may patch namespace a
			{ObjectMeta: metav1.ObjectMeta{Namespace: "a", Name: "self"}, Subjects: []rbacv1.Subject{{Kind: "ServiceAccount", Name: "ci"}}, RoleRef: ref("ns-editor")},
			// a user bound in d alone is d's, as the API findings say
			{ObjectMeta: metav1.ObjectMeta{Namespace: "d", Name: "dora"}, Subjects: []rbacv1.Subject{{Kind: "User", Name: "dora"}}, RoleRef: ref("ns-editor")},
		},
		ClusterRoleBindings: []rbacv1.ClusterRoleBinding{
			// the platform team, cluster-wide: not a tenant
			{ObjectMeta: metav1.ObjectMeta{Name: "platform"}, Subjects: []rbacv1.Subject{{Kind: "Group", Name: "platform-admins"}}, RoleRef: ref("ns-editor")},
			// every service account of tenant c, cluster-wide: b can be relabelled by c
			{ObjectMeta: metav1.ObjectMeta{Name: "c-sas"}, Subjects: []rbacv1.Subject{{Kind: "Group", Name: "system:serviceaccounts:c"}}, RoleRef: ref("ns-editor")},
		},
	}
	r := analyze(t, snap)
	var got []summary
	for _, s := range summarizeFindings(r.Findings) {
		if s.ID == IDRelabel {
			got = append(got, s)
		}
	}
	want := []summary{
		{IDRelabel, finding.High, "*", "a", "Namespace/a"},
		{IDRelabel, finding.High, "*", "d", "Namespace/d"}, // c's accounts and dora, d's
		{IDRelabel, finding.High, "c", "b", "Namespace/b"},
		{IDRelabel, finding.High, "c", "c", "Namespace/c"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	// Two tenants relabel d: the finding names them, not every tenant
	// (which would breach a → d and b → d).
	for _, f := range r.Findings {
		if f.ID == IDRelabel && f.TargetTenant == "d" && !slices.Equal(f.SourceTenants, []string{"c", "d"}) {
			t.Errorf("sources of d's finding %q %v, want * of c and d", f.SourceTenant, f.SourceTenants)
		}
	}
}

// The platform's and the control plane's service accounts are operators,
// not tenants: their right to relabel a tenant namespace is not reported,
// as the users and groups bound cluster-wide are not. A tenant's own
// account in the same namespace still is.
func TestRelabelOperators(t *testing.T) {
	ref := rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: "ns-editor"}
	snap := &snapshot.Snapshot{
		Namespaces: []corev1.Namespace{namespace("a", enforce("baseline")), namespace("b", enforce("baseline")),
			namespace("capsule-system", nil), namespace("kube-system", nil)},
		ClusterRoles: []rbacv1.ClusterRole{{ObjectMeta: metav1.ObjectMeta{Name: "ns-editor"}, Rules: []rbacv1.PolicyRule{
			{APIGroups: []string{""}, Resources: []string{"namespaces"}, Verbs: []string{"patch"}},
		}}},
		RoleBindings: []rbacv1.RoleBinding{
			// a RoleBinding in a naming the platform's account: still the platform
			{ObjectMeta: metav1.ObjectMeta{Namespace: "a", Name: "capsule"}, Subjects: []rbacv1.Subject{{Kind: "ServiceAccount", Namespace: "capsule-system", Name: "capsule"}}, RoleRef: ref},
			// b's own service account may patch namespace b
			{ObjectMeta: metav1.ObjectMeta{Namespace: "b", Name: "self"}, Subjects: []rbacv1.Subject{{Kind: "ServiceAccount", Name: "ci"}}, RoleRef: ref},
		},
		ClusterRoleBindings: []rbacv1.ClusterRoleBinding{
			{ObjectMeta: metav1.ObjectMeta{Name: "capsule"}, Subjects: []rbacv1.Subject{{Kind: "ServiceAccount", Namespace: "capsule-system", Name: "capsule"}}, RoleRef: ref},
			{ObjectMeta: metav1.ObjectMeta{Name: "capsule-sas"}, Subjects: []rbacv1.Subject{{Kind: "Group", Name: "system:serviceaccounts:capsule-system"}}, RoleRef: ref},
			{ObjectMeta: metav1.ObjectMeta{Name: "controller"}, Subjects: []rbacv1.Subject{{Kind: "ServiceAccount", Namespace: "kube-system", Name: "ns-controller"}}, RoleRef: ref},
		},
	}
	ten, err := tenancy.Resolve(snap, tenancy.Config{PlatformNamespaces: []string{"capsule-system"}})
	if err != nil {
		t.Fatal(err)
	}
	var got []summary
	var subjects [][]finding.Ref
	for _, f := range Analyze(snap, ten).Findings {
		if f.ID == IDRelabel {
			got = append(got, summarizeFindings([]finding.Finding{f})...)
			subjects = append(subjects, f.Subjects)
		}
	}
	want := []summary{{IDRelabel, finding.High, "b", "b", "Namespace/b"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	wantSubjects := [][]finding.Ref{{{Kind: "ServiceAccount", Namespace: "b", Name: "ci"}}}
	if diff := cmp.Diff(wantSubjects, subjects); diff != "" {
		t.Errorf("subjects (-want +got):\n%s", diff)
	}
}
