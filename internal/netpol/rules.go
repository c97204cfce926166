package netpol

import "github.com/bulkhead-dev/bulkhead/internal/finding"

// Finding IDs of the network checks (docs/checks/network.md).
const (
	IDCrossTenant      = "BH-NET-001"
	IDNoDefaultIngress = "BH-NET-002"
	IDNoDefaultEgress  = "BH-NET-003"
	IDAllNamespaces    = "BH-NET-004"
	IDAnyAddress       = "BH-NET-005"
	IDMetadata         = "BH-NET-006"
	IDDNSBlocked       = "BH-NET-007"
	IDHostNetwork      = "BH-NET-008"
)

const networkDoc = "docs/checks/network.md"

// The rules of the network checks, each beside its check_*.go. All take
// their rule's severity but BH-NET-004 and BH-NET-005, which grade a rule
// that lists ports (and, for BH-NET-005, an egress rule) low.
var (
	ruleCrossTenant = finding.Rule{ID: IDCrossTenant, Category: finding.Network, Severity: finding.High, Doc: networkDoc,
		Title: "Pods of one tenant can connect to pods of another"}
	ruleNoDefaultIngress = finding.Rule{ID: IDNoDefaultIngress, Category: finding.Network, Severity: finding.Medium, Doc: networkDoc,
		Title: "A tenant namespace has no default-deny ingress policy"}
	ruleNoDefaultEgress = finding.Rule{ID: IDNoDefaultEgress, Category: finding.Network, Severity: finding.Low, Doc: networkDoc,
		Title: "A tenant namespace has no default-deny egress policy"}
	ruleAllNamespaces = finding.Rule{ID: IDAllNamespaces, Category: finding.Network, Severity: finding.Medium, Graded: true, Doc: networkDoc,
		Title: "A NetworkPolicy rule admits every namespace"}
	ruleAnyAddress = finding.Rule{ID: IDAnyAddress, Category: finding.Network, Severity: finding.Medium, Graded: true, Doc: networkDoc,
		Title: "A NetworkPolicy rule admits every address"}
	ruleMetadata = finding.Rule{ID: IDMetadata, Category: finding.Network, Severity: finding.High, Doc: networkDoc,
		Title: "Tenant pods can reach the cloud metadata service"}
	ruleDNSBlocked = finding.Rule{ID: IDDNSBlocked, Category: finding.Network, Severity: finding.Low, Doc: networkDoc,
		Title: "Egress isolation blocks cluster DNS"}
	ruleHostNetwork = finding.Rule{ID: IDHostNetwork, Category: finding.Network, Severity: finding.Medium, Doc: networkDoc,
		Title: "A tenant pod uses the host network"}
)

func init() {
	finding.Register(ruleCrossTenant, ruleNoDefaultIngress, ruleNoDefaultEgress, ruleAllNamespaces,
		ruleAnyAddress, ruleMetadata, ruleDNSBlocked, ruleHostNetwork)
}
