package audit

import (
	"github.com/bulkhead-dev/bulkhead/internal/exposure"
	"github.com/bulkhead-dev/bulkhead/internal/finding"
	"github.com/bulkhead-dev/bulkhead/internal/netpol"
	"github.com/bulkhead-dev/bulkhead/internal/rbac"
	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
	"github.com/bulkhead-dev/bulkhead/internal/tenancy"
	"github.com/bulkhead-dev/bulkhead/internal/workload"
)

// Engines lists the analyses of this build, in report order.
func Engines() []Engine {
	return []Engine{
		{Name: "api", Category: finding.API,
			Needs: []string{"namespaces", "serviceaccounts", "roles.rbac.authorization.k8s.io", "rolebindings.rbac.authorization.k8s.io", "clusterroles.rbac.authorization.k8s.io", "clusterrolebindings.rbac.authorization.k8s.io"},
			Run:   rbac.Analyze},
		{Name: "network", Category: finding.Network,
			Needs: []string{"namespaces", "nodes", "pods", "networkpolicies.networking.k8s.io", "adminnetworkpolicies.policy.networking.k8s.io", "baselineadminnetworkpolicies.policy.networking.k8s.io"},
			Run: func(s *snapshot.Snapshot, t *tenancy.Tenancy) []finding.Finding {
				return netpol.Analyze(s, t, netpol.DefaultOptions())
			}},
		{Name: "dns", Category: finding.DNS,
			Needs: []string{"configmaps/kube-system/coredns", "services", "pods", "endpointslices.discovery.k8s.io"},
			Run:   exposure.Analyze},
		{Name: "node", Category: finding.Node,
			Needs: []string{"namespaces", "nodes", "pods", "persistentvolumes", "persistentvolumeclaims", "serviceaccounts"},
			Run: func(s *snapshot.Snapshot, t *tenancy.Tenancy) []finding.Finding {
				return workload.Analyze(s, t).Findings
			}},
	}
}
