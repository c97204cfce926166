package attackpath

import (
	"fmt"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/utils/ptr"

	"github.com/bulkhead-dev/bulkhead/internal/netpol/netgen"
	"github.com/bulkhead-dev/bulkhead/internal/rbac/rbacgen"
	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
)

// syntheticCluster is the scale target of the attack-path analysis:
// 25,000 pods in 1,000 single-namespace tenants (netgen: default deny,
// same-namespace, DNS and some cross-namespace allows), 50,000 RBAC
// bindings over the same namespaces (rbacgen), a privileged pod in every
// 50th namespace and no Pod Security enforcement in every 100th.
func syntheticCluster() *snapshot.Snapshot {
	const namespaces = 1000
	snap := netgen.Generate(netgen.Config{Namespaces: namespaces, Workloads: 5, Replicas: 5, PoliciesPerNamespace: 4, AdminPolicies: 10, NamespacesPerTenant: 1})
	rb := rbacgen.Generate(rbacgen.Config{Seed: 1, Namespaces: namespaces, Roles: 4000, ClusterRoles: 1000, Aggregated: 50,
		RoleBindings: 47000, ClusterRoleBindings: 3000, Users: 8000, Groups: 2000, ServiceAccounts: 10000, Missing: 0.01, Broad: 0.002, Rare: 0.05})
	rename := func(ns string) string {
		var i int
		if _, err := fmt.Sscanf(ns, "ns-%d", &i); err == nil {
			return fmt.Sprintf("tenant-%05d", i)
		}
		return ns
	}
	for i := range rb.Roles {
		rb.Roles[i].Namespace = rename(rb.Roles[i].Namespace)
	}
	for i := range rb.RoleBindings {
		b := &rb.RoleBindings[i]
		b.Namespace = rename(b.Namespace)
		for j := range b.Subjects {
			b.Subjects[j].Namespace = rename(b.Subjects[j].Namespace)
			if strings.HasPrefix(b.Subjects[j].Name, "system:serviceaccounts:ns-") {
				b.Subjects[j].Name = "system:serviceaccounts:" + rename(strings.TrimPrefix(b.Subjects[j].Name, "system:serviceaccounts:"))
			}
		}
	}
	for i := range rb.ClusterRoleBindings {
		for j := range rb.ClusterRoleBindings[i].Subjects {
			s := &rb.ClusterRoleBindings[i].Subjects[j]
			s.Namespace = rename(s.Namespace)
		}
	}
	for i := range rb.ServiceAccounts {
		rb.ServiceAccounts[i].Namespace = rename(rb.ServiceAccounts[i].Namespace)
	}
	snap.Roles, snap.RoleBindings, snap.ClusterRoles, snap.ClusterRoleBindings = rb.Roles, rb.RoleBindings, rb.ClusterRoles, rb.ClusterRoleBindings
	snap.ServiceAccounts = append(snap.ServiceAccounts, rb.ServiceAccounts...)
	for i := range snap.Namespaces {
		ns := &snap.Namespaces[i]
		if i%100 != 1 {
			if ns.Labels == nil {
				ns.Labels = map[string]string{}
			}
			ns.Labels["pod-security.kubernetes.io/enforce"] = "privileged"
			if i%100 != 0 {
				ns.Labels["pod-security.kubernetes.io/enforce"] = "baseline"
			}
		}
	}
	for i := 0; i < len(snap.Pods); i += 50 * 25 {
		p := &snap.Pods[i]
		p.Spec.Containers[0].SecurityContext = &corev1.SecurityContext{Privileged: ptr.To(true)}
	}
	return snap
}

// BenchmarkMatrix builds the attack graph of the synthetic cluster from
// the engines' facts and decides every tenant pair.
func BenchmarkMatrix(b *testing.B) {
	snap := syntheticCluster()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		m := build(b, snap)
		x := m.MatrixExplained(100) // as an audit does: every pair decided, the worst explained
		if i == 0 {
			breached := 0
			for _, c := range x.Cells {
				if !c.Isolated {
					breached++
				}
			}
			b.ReportMetric(float64(len(x.Tenants)), "tenants")
			b.ReportMetric(float64(len(snap.Pods)), "pods")
			b.ReportMetric(float64(len(snap.RoleBindings)+len(snap.ClusterRoleBindings)), "bindings")
			b.ReportMetric(float64(m.g.Len()), "vertices")
			b.ReportMetric(float64(m.g.Edges()), "edges")
			b.ReportMetric(float64(m.g.ReachEdges()), "reach-pairs")
			b.ReportMetric(float64(breached), "breached-pairs")
		}
	}
}
