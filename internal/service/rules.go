package service

import "github.com/bulkhead-dev/bulkhead/internal/finding"

// Finding IDs of the Service and Ingress checks, category network
// (docs/checks/network.md).
const (
	IDExternalIPs      = "BH-NET-009"
	IDExternalName     = "BH-NET-010"
	IDNodePort         = "BH-NET-011"
	IDForeignEndpoints = "BH-NET-012"
	IDIngressHost      = "BH-NET-013"
)

const serviceDoc = "docs/checks/network.md"

// The rules of the Service and Ingress checks. Services and Ingresses open
// network paths, so their findings are of category network. All take
// their rule's severity but BH-NET-013 (medium when a wildcard host covers
// another tenant's host).
var (
	ruleExternalIPs = finding.Rule{ID: IDExternalIPs, Category: finding.Network, Severity: finding.High, Doc: serviceDoc,
		Title: "A Service sets externalIPs (CVE-2020-8554)"}
	ruleExternalName = finding.Rule{ID: IDExternalName, Category: finding.Network, Severity: finding.Medium, Doc: serviceDoc,
		Title: "An ExternalName Service points into another tenant's namespace"}
	ruleNodePort = finding.Rule{ID: IDNodePort, Category: finding.Network, Severity: finding.Medium, Doc: serviceDoc,
		Title: "A NodePort or LoadBalancer Service opens node ports"}
	ruleForeignEndpoints = finding.Rule{ID: IDForeignEndpoints, Category: finding.Network, Severity: finding.High, Doc: serviceDoc,
		Title: "Endpoints name a pod of another tenant (CVE-2021-25740)"}
	ruleIngressHost = finding.Rule{ID: IDIngressHost, Category: finding.Network, Severity: finding.High, Graded: true, Doc: serviceDoc,
		Title: "Ingresses of different tenants claim the same host"}
)

func init() {
	finding.Register(ruleExternalIPs, ruleExternalName, ruleNodePort, ruleForeignEndpoints, ruleIngressHost)
}
