package netpol

import (
	"fmt"
	"net/netip"

	networkingv1 "k8s.io/api/networking/v1"

	"github.com/bulkhead-dev/bulkhead/internal/finding"
	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
	"github.com/bulkhead-dev/bulkhead/internal/tenancy"
)

// openRules reports NetworkPolicy rules of tenant namespaces that admit
// every namespace or every address.
func (m *Model) openRules(snap *snapshot.Snapshot, ten *tenancy.Tenancy) []finding.Finding {
	var out []finding.Finding
	excepted := exceptsClusterOf(snap)
	for i := range snap.NetworkPolicies {
		np := &snap.NetworkPolicies[i]
		if ten.IsSystem(np.Namespace) {
			continue
		}
		in, eg := policyDirections(np)
		ref := finding.Ref{Kind: "NetworkPolicy", Namespace: np.Namespace, Name: np.Name}
		check := func(dir string, idx int, peers []networkingv1.NetworkPolicyPeer, ports []networkingv1.NetworkPolicyPort) {
			where := fmt.Sprintf("%s[%d]", dir, idx)
			portText, sev, sevA := "on every port", ruleAllNamespaces.Severity, ruleAnyAddress.Severity
			if len(ports) > 0 {
				portText, sev, sevA = "on the ports it lists", finding.Low, finding.Low
			}
			if dir == "egress" {
				sevA = finding.Low
			}
			// A rule is posture: it names the tenant whose policy it is, on
			// its side; who really connects is BH-NET-001.
			src, dst := "", ten.Of(np.Namespace)
			if dir == "egress" {
				src, dst = dst, ""
			}
			peerWord := map[string]string{"ingress": "from", "egress": "to"}[dir]
			if len(peers) == 0 {
				out = append(out, finding.Finding{
					ID: ruleAllNamespaces.ID, Severity: sev, Category: ruleAllNamespaces.Category, SourceTenant: src, TargetTenant: dst,
					Reason:      fmt.Sprintf("NetworkPolicy %s/%s %s admits every peer %s", np.Namespace, np.Name, where, portText),
					Detail:      fmt.Sprintf("The rule has no %s: it matches pods of every namespace and every address outside the cluster.", peerWord),
					Objects:     []finding.Ref{ref},
					Witness:     []finding.Step{{Object: ref, Fact: where + " has no " + peerWord}},
					Remediation: "List the peers the rule is meant for (podSelector, namespaceSelector by kubernetes.io/metadata.name, or ipBlock).",
				})
				return
			}
			for j, p := range peers {
				switch {
				case p.NamespaceSelector != nil && len(p.NamespaceSelector.MatchLabels) == 0 && len(p.NamespaceSelector.MatchExpressions) == 0:
					pods := "every pod"
					if p.PodSelector != nil && (len(p.PodSelector.MatchLabels) > 0 || len(p.PodSelector.MatchExpressions) > 0) {
						pods = "pods matching " + describeSelector(p.PodSelector)
					}
					out = append(out, finding.Finding{
						ID: ruleAllNamespaces.ID, Severity: sev, Category: ruleAllNamespaces.Category, SourceTenant: src, TargetTenant: dst,
						Reason:      fmt.Sprintf("NetworkPolicy %s/%s %s admits %s of every namespace %s", np.Namespace, np.Name, where, pods, portText),
						Detail:      fmt.Sprintf("Peer %d has namespaceSelector: {}, which selects all namespaces, those of every tenant included.", j),
						Objects:     []finding.Ref{ref},
						Witness:     []finding.Step{{Object: ref, Fact: fmt.Sprintf("%s.%s[%d].namespaceSelector: {}", where, peerWord, j)}},
						Remediation: "Select the namespaces by name (kubernetes.io/metadata.name) or by a label only the cluster admin sets.",
					})
				case p.IPBlock != nil:
					blk, err := parseIPBlock(p.IPBlock.CIDR, p.IPBlock.Except)
					if err != nil || blk.cidr.Bits() != 0 || excepted(blk) {
						continue
					}
					out = append(out, finding.Finding{
						ID: ruleAnyAddress.ID, Severity: sevA, Category: ruleAnyAddress.Category, SourceTenant: src, TargetTenant: dst,
						Reason:      fmt.Sprintf("NetworkPolicy %s/%s %s admits %s %s", np.Namespace, np.Name, where, p.IPBlock.CIDR, portText),
						Detail:      fmt.Sprintf("Peer %d is ipBlock %s (except %v): every address, and with ipBlock matching pod IPs, the pods of every tenant not excepted.", j, p.IPBlock.CIDR, p.IPBlock.Except),
						Objects:     []finding.Ref{ref},
						Witness:     []finding.Step{{Object: ref, Fact: fmt.Sprintf("%s.%s[%d].ipBlock.cidr: %s", where, peerWord, j, p.IPBlock.CIDR)}},
						Remediation: "Narrow the CIDR, and except the pod and service networks and 169.254.169.254/32.",
					})
				}
			}
		}
		if in {
			for j, r := range np.Spec.Ingress {
				check("ingress", j, r.From, r.Ports)
			}
		}
		if eg {
			for j, r := range np.Spec.Egress {
				check("egress", j, r.To, r.Ports)
			}
		}
	}
	return out
}

// exceptsClusterOf returns exceptsCluster over snap, with the cluster's
// addresses read once and each ipBlock's answer kept: a big cluster's
// policies repeat the same few blocks, and it has a hundred thousand pod
// addresses.
func exceptsClusterOf(snap *snapshot.Snapshot) func(ipBlock) bool {
	var addrs []netip.Addr
	read := false
	known := map[string]bool{}
	return func(b ipBlock) bool {
		key := fmt.Sprint(b.cidr, b.except)
		if v, ok := known[key]; ok {
			return v
		}
		if !read {
			addrs, read = clusterAddresses(snap), true
		}
		v := exceptsCluster(b, addrs)
		known[key] = v
		return v
	}
}

// clusterAddresses are the addresses the snapshot holds of pods off the
// host network and of Services, and the metadata services'
// (169.254.169.254, fd00:ec2::254).
func clusterAddresses(snap *snapshot.Snapshot) []netip.Addr {
	out := []netip.Addr{metadataIP, netip.MustParseAddr("fd00:ec2::254")}
	add := func(s string) {
		if a, err := netip.ParseAddr(s); err == nil {
			out = append(out, a.Unmap())
		}
	}
	for i := range snap.Pods {
		p := &snap.Pods[i]
		if p.Spec.HostNetwork {
			continue
		}
		add(p.Status.PodIP)
		for _, ip := range p.Status.PodIPs {
			add(ip.IP)
		}
	}
	for i := range snap.Services {
		sp := &snap.Services[i].Spec
		add(sp.ClusterIP)
		for _, ip := range sp.ClusterIPs {
			add(ip)
		}
	}
	return out
}

// exceptsCluster reports whether an ipBlock of every address excepts all
// the remediation asks for: every address of the cluster (addrs, of its
// family). What it admits is then outside the cluster, which a rule may
// mean to allow.
func exceptsCluster(b ipBlock, addrs []netip.Addr) bool {
	for _, a := range addrs {
		if b.cidr.Addr().Is4() == a.Is4() && b.contains(a) {
			return false
		}
	}
	return true
}
