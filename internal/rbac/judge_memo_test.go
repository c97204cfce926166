package rbac

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/bulkhead-dev/bulkhead/internal/finding"
	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
	"github.com/bulkhead-dev/bulkhead/internal/tenancy"
)

// peopleBound is a cluster of n namespaces, each binding its own person
// to edit, and the person "shared" bound in the first two.
func peopleBound(n int) *snapshot.Snapshot {
	snap := &snapshot.Snapshot{Source: "test"}
	for i := range n {
		ns := fmt.Sprintf("ns-%04d", i)
		snap.Namespaces = append(snap.Namespaces, corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}})
		subjects := []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: "user-" + ns}}
		if i < 2 {
			subjects = append(subjects, rbacv1.Subject{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: "shared"})
		}
		snap.RoleBindings = append(snap.RoleBindings, rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "people"},
			RoleRef: rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "edit"}, Subjects: subjects})
	}
	snap.ClusterRoles = append(snap.ClusterRoles, rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: "edit"},
		Rules: []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"configmaps"}, Verbs: []string{"get"}}}})
	return snap
}

// bindPerson is a new binding of a person in namespace ns.
func bindPerson(ns, person string) *rbacv1.RoleBinding {
	return &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "new"},
		RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "edit"},
		Subjects: []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: person}}}
}

// TestJudgeBindingTenancies: an Authorizer judging bindings against one
// tenancy, then another, answers each as a fresh Authorizer would.
func TestJudgeBindingTenancies(t *testing.T) {
	snap := peopleBound(4)
	own, err := tenancy.Resolve(snap, tenancy.Config{})
	if err != nil {
		t.Fatal(err)
	}
	// The first two namespaces one tenant: "shared" is no longer bound
	// in two tenants.
	file, err := tenancy.ParseFile([]byte("tenants:\n- name: ab\n  namespaces: [ns-0000, ns-0001]\n"))
	if err != nil {
		t.Fatal(err)
	}
	grouped, err := tenancy.Resolve(snap, tenancy.Config{File: file})
	if err != nil {
		t.Fatal(err)
	}
	reused := NewAuthorizer(snap)
	for i, ten := range []*tenancy.Tenancy{own, grouped, own, grouped} {
		// The source of a cluster-wide grant is its person's home tenant:
		// none for "shared" in the first tenancy, ab in the second.
		everywhere := &rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "new"}, RoleRef: bindPerson("", "shared").RoleRef, Subjects: bindPerson("", "shared").Subjects}
		for _, b := range []runtime.Object{everywhere, bindPerson("ns-0002", "shared"), bindPerson("ns-0003", "user-ns-0000")} {
			m := b.(metav1.Object)
			t.Run(fmt.Sprintf("%d/%s/%s", i, m.GetNamespace(), m.GetName()), func(t *testing.T) {
				got, err := reused.JudgeBinding(b, ten)
				if err != nil {
					t.Fatal(err)
				}
				want, err := NewAuthorizer(snap).JudgeBinding(b, ten)
				if err != nil {
					t.Fatal(err)
				}
				if d := cmp.Diff(want, got); d != "" {
					t.Errorf("(-fresh +reused):\n%s", d)
				}
				if _, ok := b.(*rbacv1.ClusterRoleBinding); ok && (len(got) != 1 || got[0].SourceTenant != map[*tenancy.Tenancy]string{own: "", grouped: "ab"}[ten]) {
					t.Errorf("findings %+v, want one from the home tenant of shared", got)
				}
			})
		}
	}
}

// TestJudgeBindingCost: judging one binding does not walk every binding
// of the cluster again, so it costs the same among 50 bindings as among
// 2,000 once the Authorizer has judged one.
func TestJudgeBindingCost(t *testing.T) {
	allocs := func(n int) float64 {
		snap := peopleBound(n)
		ten, err := tenancy.Resolve(snap, tenancy.Config{})
		if err != nil {
			t.Fatal(err)
		}
		a := NewAuthorizer(snap)
		b := bindPerson("ns-0003", "user-ns-0000")
		return testing.AllocsPerRun(20, func() {
			if _, err := a.JudgeBinding(b, ten); err != nil {
				t.Fatal(err)
			}
		})
	}
	small, large := allocs(50), allocs(2000)
	if large > small+5 {
		t.Errorf("%v allocations a binding among 2,000, %v among 50: want the same", large, small)
	}
}

// Held and summary are Capabilities and summarise of a role in a scope,
// found once per authorizer however many ask at once (run with -race).
func TestHeldIsCapabilities(t *testing.T) {
	a := NewAuthorizer(seedSnapshot())
	roles := append([]*Role(nil), a.sortedClusterRoles...)
	for i, rules := range [][]rbacv1.PolicyRule{
		{{APIGroups: []string{"*"}, Resources: []string{"*"}, Verbs: []string{"*"}}},
		{{APIGroups: []string{""}, Resources: []string{"pods", "pods/exec"}, Verbs: []string{"create", "get"}}},
		{{APIGroups: []string{""}, Resources: []string{"secrets"}, Verbs: []string{"list"}}, {NonResourceURLs: []string{"/metrics"}, Verbs: []string{"get"}}},
		{{APIGroups: []string{rbacv1.GroupName}, Resources: []string{"clusterroles"}, Verbs: []string{"bind", "escalate"}}},
		{{APIGroups: []string{""}, Resources: []string{"users", "groups", "serviceaccounts"}, Verbs: []string{"impersonate"}}},
		{{APIGroups: []string{"apps"}, Resources: []string{"deployments"}, Verbs: []string{"create"}, ResourceNames: []string{"web"}}},
		nil,
	} {
		roles = append(roles, &Role{Ref: finding.Ref{Kind: "ClusterRole", Name: fmt.Sprint("r", i)}, Rules: rules})
	}
	done := make(chan struct{})
	for range 4 {
		go func() {
			defer func() { done <- struct{}{} }()
			for _, r := range roles {
				for _, cluster := range []bool{false, true} {
					if diff := cmp.Diff(Capabilities(r, cluster), a.Held(r, cluster)); diff != "" {
						t.Errorf("%s cluster=%v: Held differs from Capabilities (-want +got):\n%s", r.Ref, cluster, diff)
					}
					if got, want := a.summary(r, cluster), summarise(r.Rules, cluster); got != want {
						t.Errorf("%s cluster=%v: summary %q, want %q", r.Ref, cluster, got, want)
					}
				}
			}
		}()
	}
	for range 4 {
		<-done
	}
	for _, r := range roles {
		if x, y := a.Held(r, true), a.Held(r, true); len(x) > 0 && &x[0] != &y[0] {
			t.Errorf("%s: found twice, not once", r.Ref)
		}
	}
}
