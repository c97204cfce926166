package rbac_test

import (
	"sync"
	"testing"

	"github.com/bulkhead-dev/bulkhead/internal/rbac"
	"github.com/bulkhead-dev/bulkhead/internal/rbac/rbacgen"
	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
	"github.com/bulkhead-dev/bulkhead/internal/tenancy"
)

// The benchmarks run at issue 3's size (rbacgen.Large): 50,000 bindings,
// 5,000 roles, 20,000 subjects. Targets: can-i under 1 ms after load,
// who-can under 50 ms, the full analysis under 5 s and 1 GiB.

var (
	largeOnce sync.Once
	largeSnap *snapshot.Snapshot
	largeTen  *tenancy.Tenancy
)

func large(b *testing.B) (*snapshot.Snapshot, *tenancy.Tenancy) {
	b.Helper()
	largeOnce.Do(func() {
		largeSnap = rbacgen.Generate(rbacgen.Large)
		largeSnap.Aggregate()
		var err error
		largeTen, err = tenancy.Resolve(largeSnap, tenancy.Config{})
		if err != nil {
			panic(err)
		}
	})
	return largeSnap, largeTen
}

func BenchmarkNewAuthorizer(b *testing.B) {
	snap, _ := large(b)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		rbac.NewAuthorizer(snap)
	}
}

func BenchmarkCanI(b *testing.B) {
	snap, _ := large(b)
	authz := rbac.NewAuthorizer(snap)
	queries := rbacgen.Queries(snap, rbacgen.Large, 3, 1000)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		authz.Authorize(queries[i%len(queries)])
	}
}

func BenchmarkWhoCan(b *testing.B) {
	snap, _ := large(b)
	authz := rbac.NewAuthorizer(snap)
	queries := rbacgen.Queries(snap, rbacgen.Large, 4, 100)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		authz.WhoCan(queries[i%len(queries)])
	}
}

func BenchmarkAnalyze(b *testing.B) {
	snap, ten := large(b)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		rbac.Analyze(snap, ten)
	}
}

// TestLargeSize keeps rbacgen.Large at the size the benchmarks promise.
func TestLargeSize(t *testing.T) {
	c := rbacgen.Large
	if n := c.RoleBindings + c.ClusterRoleBindings; n != 50000 {
		t.Errorf("Large has %d bindings, want 50,000", n)
	}
	if n := c.Roles + c.ClusterRoles; n != 5000 {
		t.Errorf("Large has %d roles, want 5,000", n)
	}
	if n := c.Users + c.Groups + c.ServiceAccounts; n != 20000 {
		t.Errorf("Large draws from %d subjects, want 20,000", n)
	}
}
