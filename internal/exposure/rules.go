package exposure

import "github.com/bulkhead-dev/bulkhead/internal/finding"

// Finding IDs of the Service and Ingress checks, category network, and of
// the DNS checks, category dns (docs/checks/network.md).
const (
	IDExternalIPs      = "BH-NET-009"
	IDExternalName     = "BH-NET-010"
	IDNodePort         = "BH-NET-011"
	IDForeignEndpoints = "BH-NET-012"
	IDIngressHost      = "BH-NET-013"

	IDPodRecords      = "BH-DNS-001"
	IDReverseZones    = "BH-DNS-002"
	IDHeadlessService = "BH-DNS-003"
)

const exposureDoc = "docs/checks/network.md"

// The rules of the Service, Ingress and DNS checks. Services and Ingresses
// open network paths, so their findings are of category network though
// the engine also judges DNS. All take their rule's severity but
// BH-NET-013 (medium when a wildcard host covers another tenant's host)
// and BH-DNS-001 (low for `pods verified`).
var (
	ruleExternalIPs = finding.Rule{ID: IDExternalIPs, Category: finding.Network, Severity: finding.High, Doc: exposureDoc,
		Title: "A Service sets externalIPs (CVE-2020-8554)"}
	ruleExternalName = finding.Rule{ID: IDExternalName, Category: finding.Network, Severity: finding.Medium, Doc: exposureDoc,
		Title: "An ExternalName Service points into another tenant's namespace"}
	ruleNodePort = finding.Rule{ID: IDNodePort, Category: finding.Network, Severity: finding.Medium, Doc: exposureDoc,
		Title: "A NodePort or LoadBalancer Service opens node ports"}
	ruleForeignEndpoints = finding.Rule{ID: IDForeignEndpoints, Category: finding.Network, Severity: finding.High, Doc: exposureDoc,
		Title: "Endpoints name a pod of another tenant (CVE-2021-25740)"}
	ruleIngressHost = finding.Rule{ID: IDIngressHost, Category: finding.Network, Severity: finding.High, Graded: true, Doc: exposureDoc,
		Title: "Ingresses of different tenants claim the same host"}

	rulePodRecords = finding.Rule{ID: IDPodRecords, Category: finding.DNS, Severity: finding.Medium, Graded: true, Doc: exposureDoc,
		Title: "CoreDNS answers pod A records"}
	ruleReverseZones = finding.Rule{ID: IDReverseZones, Category: finding.DNS, Severity: finding.Low, Doc: exposureDoc,
		Title: "CoreDNS serves reverse zones"}
	ruleHeadlessService = finding.Rule{ID: IDHeadlessService, Category: finding.DNS, Severity: finding.Low, Doc: exposureDoc,
		Title: "Headless Services publish a tenant's pods"}
)

func init() {
	finding.Register(ruleExternalIPs, ruleExternalName, ruleNodePort, ruleForeignEndpoints, ruleIngressHost,
		rulePodRecords, ruleReverseZones, ruleHeadlessService)
}
