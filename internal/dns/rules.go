package dns

import "github.com/bulkhead-dev/bulkhead/internal/finding"

// Finding IDs of the DNS checks, category dns (docs/checks/network.md).
const (
	IDPodRecords      = "BH-DNS-001"
	IDReverseZones    = "BH-DNS-002"
	IDHeadlessService = "BH-DNS-003"
)

const dnsDoc = "docs/checks/network.md"

// The rules of the DNS checks. All take their rule's severity but
// BH-DNS-001 (low for `pods verified`).
var (
	rulePodRecords = finding.Rule{ID: IDPodRecords, Category: finding.DNS, Severity: finding.Medium, Graded: true, Doc: dnsDoc,
		Title: "CoreDNS answers pod A records"}
	ruleReverseZones = finding.Rule{ID: IDReverseZones, Category: finding.DNS, Severity: finding.Low, Doc: dnsDoc,
		Title: "CoreDNS serves reverse zones"}
	ruleHeadlessService = finding.Rule{ID: IDHeadlessService, Category: finding.DNS, Severity: finding.Low, Doc: dnsDoc,
		Title: "Headless Services publish a tenant's pods"}
)

func init() {
	finding.Register(rulePodRecords, ruleReverseZones, ruleHeadlessService)
}
