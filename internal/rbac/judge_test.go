package rbac

import (
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/bulkhead-dev/bulkhead/examples"
	"github.com/bulkhead-dev/bulkhead/internal/finding"
	"github.com/bulkhead-dev/bulkhead/internal/load"
	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
	"github.com/bulkhead-dev/bulkhead/internal/tenancy"
)

// A binding judged alone gets the findings Analyze gives it among the
// others, for every binding of the fixtures: the rules that judge one
// binding at a time.
func TestJudgeBindingAgreesWithAnalyze(t *testing.T) {
	perBinding := []string{IDCrossTenant, IDEveryTenant, IDBroadGroup, IDDangerous, IDLatentBinding}
	seed, err := load.FS(examples.SeedCluster, "demo")
	if err != nil {
		t.Fatal(err)
	}
	seed.Normalize()
	seedTen, err := tenancy.Resolve(seed, tenancy.Config{})
	if err != nil {
		t.Fatal(err)
	}
	tenantsSnap, tenantsTen := loadFixture(t, "tenants.yaml")
	for name, c := range map[string]struct {
		snap *snapshot.Snapshot
		ten  *tenancy.Tenancy
	}{"seed": {seed, seedTen}, "tenants": {tenantsSnap, tenantsTen}} {
		t.Run(name, func(t *testing.T) {
			a := NewAuthorizer(c.snap)
			all := a.Analyze(c.ten)
			var objs []runtime.Object
			for i := range c.snap.ClusterRoleBindings {
				objs = append(objs, &c.snap.ClusterRoleBindings[i])
			}
			for i := range c.snap.RoleBindings {
				objs = append(objs, &c.snap.RoleBindings[i])
			}
			judged := 0
			for _, obj := range objs {
				got, err := a.JudgeBinding(obj, c.ten)
				if err != nil {
					t.Fatal(err)
				}
				m := obj.(metav1.Object)
				ref := finding.Ref{Kind: "RoleBinding", Namespace: m.GetNamespace(), Name: m.GetName()}
				if _, ok := obj.(*rbacv1.ClusterRoleBinding); ok {
					ref = finding.Ref{Kind: "ClusterRoleBinding", Name: m.GetName()}
				}
				var want []finding.Finding
				for _, f := range all {
					if slices.Contains(perBinding, f.ID) && len(f.Objects) > 0 && f.Objects[0] == ref {
						want = append(want, f)
					}
				}
				judged += len(want)
				if d := cmp.Diff(want, got); d != "" {
					t.Errorf("%s (-Analyze +JudgeBinding):\n%s", ref, d)
				}
			}
			if judged == 0 {
				t.Error("no binding of the fixture has a finding: the test proves nothing")
			}
		})
	}
}

// Admission's question about a binding not stored yet: a RoleBinding in
// tenant b's namespace giving tenant a's service account edit is a grant
// across tenants; one to a role that does not exist is latent.
func TestJudgeNewBinding(t *testing.T) {
	snap, ten := loadFixture(t, "tenants.yaml")
	a := NewAuthorizer(snap)
	nss := ten.Tenants()
	var a1, b1 string
	for _, tt := range nss {
		if !tt.System && len(tt.Namespaces) > 0 {
			if a1 == "" {
				a1 = tt.Namespaces[0]
			} else if b1 == "" {
				b1 = tt.Namespaces[0]
			}
		}
	}
	for _, c := range []struct {
		role, want string
	}{{"edit", IDCrossTenant}, {"no-such-role", IDLatentBinding}} {
		rb := &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Namespace: b1, Name: "new"},
			RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: c.role},
			Subjects: []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: "default", Namespace: a1}}}
		fs, err := a.JudgeBinding(rb, ten)
		if err != nil {
			t.Fatal(err)
		}
		if len(fs) != 1 || fs[0].ID != c.want {
			t.Errorf("%s in %s for %s/default: %+v, want one %s", c.role, b1, a1, fs, c.want)
		}
	}
	if _, err := a.JudgeBinding(&rbacv1.Role{}, ten); err == nil {
		t.Error("a Role judged as a binding")
	}
}
