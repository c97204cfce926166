package node

import "github.com/bulkhead-dev/bulkhead/internal/finding"

/*
A privileged container runs with every capability, no seccomp or AppArmor
confinement and the host's devices: it can mount the node's disk, load
kernel modules and write the cgroup release agent. It is root on the node.

	spec.containers[*].securityContext.privileged
	spec.initContainers[*].securityContext.privileged
	spec.ephemeralContainers[*].securityContext.privileged
*/
var privilegedCheck = check{name: "privileged", evaluate: checkPrivileged}

func checkPrivileged(p *podView) []Escape {
	var out []Escape
	for _, c := range p.containers() {
		if isPrivileged(c.c) {
			out = append(out, Escape{
				Check: "privileged", Reach: Node, Severity: finding.Critical, Admin: true,
				Field:  c.path + ".securityContext.privileged=true",
				Reason: "privileged container: all capabilities and the node's devices, root on the node",
			})
		}
	}
	return out
}
