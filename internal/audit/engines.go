package audit

import (
	"github.com/bulkhead-dev/bulkhead/internal/exposure"
	"github.com/bulkhead-dev/bulkhead/internal/finding"
	"github.com/bulkhead-dev/bulkhead/internal/netpol"
	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
	"github.com/bulkhead-dev/bulkhead/internal/tenancy"
)

// Engines lists the analyses of this build, in report order.
func Engines() []Engine {
	return []Engine{
		{Name: "api", Category: finding.API, Absent: "RBAC analysis is not part of this build"},
		{Name: "network", Category: finding.Network,
			Needs: []string{"namespaces", "nodes", "pods", "networkpolicies.networking.k8s.io", "adminnetworkpolicies.policy.networking.k8s.io", "baselineadminnetworkpolicies.policy.networking.k8s.io"},
			Run: func(s *snapshot.Snapshot, t *tenancy.Tenancy) []finding.Finding {
				return netpol.Analyze(s, t, netpol.DefaultOptions())
			}},
		{Name: "dns", Category: finding.DNS,
			Needs: []string{"configmaps/kube-system/coredns", "services", "pods", "endpointslices.discovery.k8s.io"},
			Run:   exposure.Analyze},
		{Name: "node", Category: finding.Node, Absent: "node analysis is not part of this build"},
	}
}
