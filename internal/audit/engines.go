package audit

import (
	"github.com/bulkhead-dev/bulkhead/internal/finding"
	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
)

// Engines lists the analyses of this build, in report order.
func Engines() []Engine {
	return []Engine{
		{Name: "api", Category: finding.API,
			Needs: []string{"namespaces", "serviceaccounts", "roles.rbac.authorization.k8s.io", "rolebindings.rbac.authorization.k8s.io", "clusterroles.rbac.authorization.k8s.io", "clusterrolebindings.rbac.authorization.k8s.io"},
			Run:   func(f *Facts) []finding.Finding { return f.RBAC().Analyze(f.Tenancy) }},
		{Name: "network", Category: finding.Network,
			Needs: append([]string{"namespaces", "nodes", "pods", "networkpolicies.networking.k8s.io", "adminnetworkpolicies.policy.networking.k8s.io", "baselineadminnetworkpolicies.policy.networking.k8s.io"},
				snapshot.ConnectivityResources()...),
			Run: func(f *Facts) []finding.Finding { return f.NetworkModel().Findings(f.Snapshot, f.Tenancy) }},
		{Name: "dns", Category: finding.DNS,
			Needs: []string{"configmaps/kube-system/coredns", "services", "pods", "endpointslices.discovery.k8s.io"},
			Run:   (*Facts).Exposure},
		{Name: "node", Category: finding.Node,
			Needs: []string{"namespaces", "nodes", "pods", "persistentvolumes", "persistentvolumeclaims", "serviceaccounts"},
			Run:   func(f *Facts) []finding.Finding { return f.Workload().Findings }},
	}
}
