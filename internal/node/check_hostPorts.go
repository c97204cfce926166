package node

import (
	"fmt"

	"github.com/bulkhead-dev/bulkhead/internal/finding"
)

/*
A hostPort binds a port of the node's address to the container: the pod
receives connections meant for the node, and most CNI plugins forward them
before NetworkPolicy sees the original source.

	spec.containers[*].ports[*].hostPort
	spec.initContainers[*].ports[*].hostPort
	spec.ephemeralContainers[*].ports[*].hostPort
*/
var hostPortsCheck = check{name: "hostPorts", evaluate: checkHostPorts}

func checkHostPorts(p *podView) []Escape {
	var out []Escape
	for _, c := range p.containers() {
		for _, port := range c.c.Ports {
			if port.HostPort == 0 {
				continue
			}
			proto := port.Protocol
			if proto == "" {
				proto = "TCP"
			}
			out = append(out, Escape{Check: "hostPorts", Reach: Host, Severity: finding.Medium,
				Field:  fmt.Sprintf("%s.ports.hostPort=%d/%s", c.path, port.HostPort, proto),
				Reason: fmt.Sprintf("binds the node's port %d/%s: takes traffic meant for the node", port.HostPort, proto)})
		}
	}
	return out
}
