package netpol

import (
	"fmt"

	"github.com/bulkhead-dev/bulkhead/internal/finding"
	"github.com/bulkhead-dev/bulkhead/internal/tenancy"
)

// dnsBlocked reports tenant namespaces whose egress policies leave some
// pods unable to reach any cluster DNS server on UDP 53.
func (m *Model) dnsBlocked(ten *tenancy.Tenancy) []finding.Finding {
	dns := newBitset(len(m.classes))
	for c := 0; c < m.nPod; c++ {
		for _, i := range m.classes[c].podIdx {
			if m.pods[i].labels["k8s-app"] == "kube-dns" {
				dns.set(c)
				break
			}
		}
	}
	a := m.ports.find(1, 53)
	if dns.empty() || a < 0 {
		return nil
	}
	var out []finding.Finding
	done := map[string]bool{}
	for c := 0; c < m.nPod; c++ {
		cl := &m.classes[c]
		if cl.HostNetwork || done[cl.Namespace] || ten.IsSystem(cl.Namespace) || len(m.npEg[c]) == 0 || intersects(m.reach[a].row(c), dns) {
			continue
		}
		done[cl.Namespace] = true
		src := &m.pods[cl.podIdx[0]]
		var refs []finding.Ref
		var steps []finding.Step
		for _, p := range m.npEg[c] {
			r := finding.Ref{Kind: "NetworkPolicy", Namespace: p.namespace, Name: p.name}
			refs = append(refs, r)
			steps = append(steps, finding.Step{Object: r, Fact: "isolates " + src.id() + " for egress"})
		}
		out = append(out, finding.Finding{
			ID: IDDNSBlocked, Severity: finding.Low, Category: finding.Network,
			SourceTenant: ten.Of(cl.Namespace),
			Reason:       fmt.Sprintf("egress policy in namespace %s blocks DNS", cl.Namespace),
			Detail:       fmt.Sprintf("%s is isolated for egress and no rule lets it reach a cluster DNS pod (k8s-app=kube-dns) on UDP 53; name resolution fails, which tends to get policies deleted rather than fixed.", src.id()),
			Subjects:     []finding.Ref{m.podObject(src.id())},
			Objects:      refs,
			Witness:      steps,
			Remediation:  "Allow egress to the DNS pods: to namespaceSelector kubernetes.io/metadata.name=kube-system with podSelector k8s-app=kube-dns, ports UDP 53 and TCP 53.",
		})
	}
	return out
}
