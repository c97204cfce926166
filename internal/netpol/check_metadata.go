package netpol

import (
	"fmt"
	"strings"

	"github.com/bulkhead-dev/bulkhead/internal/finding"
	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
	"github.com/bulkhead-dev/bulkhead/internal/tenancy"
)

// metadata reports tenant namespaces whose pods reach the cloud metadata
// address on TCP 80, when the nodes run on a cloud that serves it there
// (or Options.Cloud says so).
func (m *Model) metadata(snap *snapshot.Snapshot, ten *tenancy.Tenancy) []finding.Finding {
	j := findIPAtom(m.ext, metadataIP)
	a := m.ports.find(0, 80)
	if j < 0 || a < 0 {
		return nil
	}
	cloud, ok := m.cloud(snap)
	if !ok {
		return nil
	}
	md := m.nPod + j
	var out []finding.Finding
	done := map[string]bool{}
	for c := 0; c < m.nPod; c++ {
		cl := &m.classes[c]
		if cl.HostNetwork || done[cl.Namespace] || ten.IsSystem(cl.Namespace) || !m.reach[a].row(c).has(md) {
			continue
		}
		done[cl.Namespace] = true
		src := &m.pods[cl.podIdx[0]]
		v := m.verdict(resolved{class: c, pod: src, name: src.id()}, resolved{class: md, name: metadataIP.String()}, 0, 80)
		steps, objs := m.witness(v)
		steps = append([]finding.Step{cloud.step()}, steps...)
		out = append(out, finding.Finding{
			ID: ruleMetadata.ID, Severity: ruleMetadata.Severity, Category: ruleMetadata.Category,
			SourceTenant: ten.Of(cl.Namespace), TargetTenant: tenancy.Cluster,
			Reason:      fmt.Sprintf("pods of namespace %s can reach the cloud metadata service (169.254.169.254)", cl.Namespace),
			Detail:      fmt.Sprintf("%s reaches 169.254.169.254 on TCP 80 (%s). %s Its metadata service hands out the node's cloud credentials unless the provider blocks pods from it.\n%s", src.id(), v.Summary, cloud.text(), strings.Join(v.Explain(), "\n")),
			Subjects:    []finding.Ref{m.podObject(src.id())},
			Objects:     objs,
			Witness:     steps,
			Remediation: "Deny egress to 169.254.169.254/32 (an AdminNetworkPolicy Deny to that network covers every tenant), or except it from ipBlock rules.",
		})
	}
	return out
}
