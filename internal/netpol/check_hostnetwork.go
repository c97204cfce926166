package netpol

import (
	"fmt"

	"github.com/bulkhead-dev/bulkhead/internal/finding"
	"github.com/bulkhead-dev/bulkhead/internal/tenancy"
)

// hostNetwork reports tenant pods on the host network: outside pod policy.
func (m *Model) hostNetwork(ten *tenancy.Tenancy) []finding.Finding {
	var out []finding.Finding
	for i := range m.pods {
		p := &m.pods[i]
		if !p.host || ten.IsSystem(p.ns) {
			continue
		}
		ref := m.podObject(p.id())
		out = append(out, finding.Finding{
			ID: ruleHostNetwork.ID, Severity: ruleHostNetwork.Severity, Category: ruleHostNetwork.Category,
			// Posture: what it really reaches is the network model's (and
			// BH-NET-001's).
			SourceTenant: ten.Of(p.ns),
			Reason:       fmt.Sprintf("pod %s uses the host network: NetworkPolicy neither restricts nor protects it", p.id()),
			Detail:       "Pod policy does not apply to host-network pods: their egress is unrestricted, their ports are the node's, and their traffic carries the node's address, which pod selectors cannot tell apart from the node's other pods.",
			Subjects:     []finding.Ref{ref},
			Witness:      []finding.Step{{Object: ref, Fact: "spec.hostNetwork: true"}},
			Remediation:  "Run the pod without hostNetwork, or enforce the Pod Security baseline level in its namespace.",
		})
	}
	return out
}
