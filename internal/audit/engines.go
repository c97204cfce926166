package audit

import "github.com/bulkhead-dev/bulkhead/internal/finding"

// Engines lists the analyses of this build, in report order.
func Engines() []Engine {
	return []Engine{
		{Name: "api", Category: finding.API, Absent: "RBAC analysis is not part of this build"},
		{Name: "network", Category: finding.Network, Absent: "network analysis is not part of this build"},
		{Name: "dns", Category: finding.DNS, Absent: "DNS and Service analysis is not part of this build"},
		{Name: "node", Category: finding.Node, Absent: "node analysis is not part of this build"},
	}
}
