package node

import "github.com/bulkhead-dev/bulkhead/internal/finding"

/*
NET_RAW is in container runtimes' default capability set, and baseline
allows it; only restricted makes containers drop it. It opens raw and
packet sockets: on the pod network that is ARP and DNS spoofing of the
pods on the same node bridge (and IPv6 router advertisements,
CVE-2020-10749); with hostNetwork it sniffs and forges the traffic of every
pod on the node.

	spec.containers[*].securityContext.capabilities.drop must hold NET_RAW or ALL

Privileged containers have their own check. A container running as a
non-root UID with allowPrivilegeEscalation: false never holds NET_RAW (no
ambient capabilities, see power.go), dropped or not.
*/
var netRawCheck = check{name: "netRaw", evaluate: checkNetRaw}

func checkNetRaw(p *podView) []Escape {
	var out []Escape
	for _, c := range p.containers() {
		if isPrivileged(c.c) || drops(c.c, "NET_RAW") {
			continue
		}
		if nonRootLocked(p.pod, c.c) {
			continue
		}
		e := Escape{Check: "netRaw", Field: c.path + ".securityContext.capabilities.drop lacks NET_RAW"}
		if p.pod.Spec.HostNetwork {
			e.Reach, e.Severity, e.Reason = Host, finding.High, "NET_RAW with hostNetwork sniffs and forges the traffic of every pod on the node"
		} else {
			e.Reach, e.Severity, e.Reason = Weakens, finding.Low, "NET_RAW kept: ARP and DNS spoofing against pods on the same node"
		}
		out = append(out, e)
	}
	return out
}
