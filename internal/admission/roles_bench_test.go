package admission

import (
	"bytes"
	"testing"

	"github.com/bulkhead-dev/bulkhead/internal/bootstrap"
	"github.com/bulkhead-dev/bulkhead/internal/load"
	"github.com/bulkhead-dev/bulkhead/internal/scalegen"
	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
	"github.com/bulkhead-dev/bulkhead/internal/tenancy"
)

// BenchmarkRoleEdit is the cost of judging a ClusterRole edit in a
// generated 10,000-pod cluster: one that the edit aggregation (bound in
// many tenant namespaces) selects, and one no binding references.
func BenchmarkRoleEdit(b *testing.B) {
	var buf bytes.Buffer
	if _, err := scalegen.Write(&buf, scalegen.Config{Tenants: scalegen.Tenants(10_000), Seed: 1, Format: scalegen.JSON}); err != nil {
		b.Fatal(err)
	}
	l := load.New("bench", load.Options{})
	l.Bytes("cluster.json", buf.Bytes())
	snap, _, err := l.Result()
	if err != nil {
		b.Fatal(err)
	}
	if err := bootstrap.Assume(snap, ""); err != nil {
		b.Fatal(err)
	}
	a, err := New(snapshot.NewStore(snap).View(), tenancy.Config{Label: "tenant"}, Config{})
	if err != nil {
		b.Fatal(err)
	}
	bound := 0
	for _, bd := range a.authz.Bindings() {
		if bd.RoleRef.Name == "edit" || bd.RoleRef.Name == "admin" {
			bound++
		}
	}
	b.Logf("%d bindings of edit and admin among %d", bound, len(a.authz.Bindings()))
	for _, c := range []struct{ name, role string }{
		{"aggregated into edit", clusterRole("exec-extras", `{rbac.authorization.k8s.io/aggregate-to-edit: "true"}`, `[{apiGroups: [""], resources: [pods/exec], verbs: [create]}]`)},
		{"bound nowhere", clusterRole("lonely", "{}", getSecrets)},
	} {
		req := request(Create, decode(b, c.role), nil)
		b.Run(c.name, func(b *testing.B) {
			for range b.N {
				a.Decide(req)
			}
		})
	}
}
