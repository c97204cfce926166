package netpol

import (
	"fmt"

	"github.com/bulkhead-dev/bulkhead/internal/finding"
	"github.com/bulkhead-dev/bulkhead/internal/tenancy"
)

// dnsBlocked reports tenant namespaces whose egress policies leave some
// pods unable to reach any cluster DNS pod on a UDP DNS port.
func (m *Model) dnsBlocked(ten *tenancy.Tenancy) []finding.Finding {
	dns := newBitset(len(m.classes))
	dnsNS := ""
	for c := 0; c < m.nPod; c++ {
		if m.classes[c].dns {
			dns.set(c)
			if dnsNS == "" {
				dnsNS = m.classes[c].Namespace
			}
		}
	}
	var atoms []int
	var udp []PortRange
	for _, r := range m.dnsPorts {
		if r.proto == 1 {
			atoms = append(atoms, m.ports.find(r.proto, r.lo))
			udp = append(udp, PortRange{Protocol: Protocols[1], Start: r.lo, End: r.hi})
		}
	}
	if dns.empty() || len(atoms) == 0 {
		return nil
	}
	reaches := func(c int) bool {
		for _, a := range atoms {
			if intersects(m.reach[a].row(c), dns) {
				return true
			}
		}
		return false
	}
	ports := FormatPorts(udp)
	var out []finding.Finding
	done := map[string]bool{}
	for c := 0; c < m.nPod; c++ {
		cl := &m.classes[c]
		if cl.HostNetwork || done[cl.Namespace] || ten.IsSystem(cl.Namespace) || len(m.npEg[c]) == 0 || reaches(c) {
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
			ID: ruleDNSBlocked.ID, Severity: ruleDNSBlocked.Severity, Category: ruleDNSBlocked.Category,
			SourceTenant: ten.Of(cl.Namespace),
			Reason:       fmt.Sprintf("egress policy in namespace %s blocks DNS", cl.Namespace),
			Detail:       fmt.Sprintf("%s is isolated for egress and no rule lets it reach a cluster DNS pod on %s, the port the DNS pods answer on (policies see the pod's port, not the DNS Service's port 53); name resolution fails, which tends to get policies deleted rather than fixed.", src.id(), ports),
			Subjects:     []finding.Ref{m.podObject(src.id())},
			Objects:      refs,
			Witness:      steps,
			Remediation:  fmt.Sprintf("Allow egress to the DNS pods on %s and the same TCP ports: to namespaceSelector kubernetes.io/metadata.name=%s with a podSelector matching the DNS pods (k8s-app=kube-dns on most clusters).", ports, dnsNS),
		})
	}
	return out
}
