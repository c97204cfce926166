package audit

import (
	"github.com/bulkhead-dev/bulkhead/internal/exposure"
	"github.com/bulkhead-dev/bulkhead/internal/netpol"
	"github.com/bulkhead-dev/bulkhead/internal/rbac"
	"github.com/bulkhead-dev/bulkhead/internal/workload"
)

// knownChecks are the rule IDs --checks and --skip-checks accept, as
// docs/checks/ lists them (a test keeps the two in step). IDs that a report
// emits are accepted too.
var knownChecks = []string{
	rbac.IDCrossTenant, rbac.IDEveryTenant, rbac.IDBroadGroup, rbac.IDDangerous,
	rbac.IDLatentBinding, rbac.IDBindEscalation, rbac.IDSharedIdentity,
	netpol.IDCrossTenant, netpol.IDNoDefaultIngress, netpol.IDNoDefaultEgress, netpol.IDAllNamespaces,
	netpol.IDAnyAddress, netpol.IDMetadata, netpol.IDDNSBlocked, netpol.IDHostNetwork,
	exposure.IDExternalIPs, exposure.IDExternalName, exposure.IDNodePort, exposure.IDForeignEndpoints,
	exposure.IDIngressHost,
	exposure.IDPodRecords, exposure.IDReverseZones, exposure.IDHeadlessService,
	workload.IDNodeEscape, workload.IDHostAccess, workload.IDWeakened, workload.IDUnenforced,
	workload.IDViolatesEnforced, workload.IDViolatesBaseline, workload.IDToken, workload.IDRelabel,
}
