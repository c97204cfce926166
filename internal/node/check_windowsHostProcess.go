package node

import "github.com/bulkhead-dev/bulkhead/internal/finding"

/*
A Windows HostProcess container is not a container: it runs as a process
of the Windows node, with the node's network and file system and the
account it names (SYSTEM by default). It is the node.

	spec.securityContext.windowsOptions.hostProcess
	spec.containers[*].securityContext.windowsOptions.hostProcess
	spec.initContainers[*].securityContext.windowsOptions.hostProcess
*/
var windowsHostProcessCheck = check{name: "windowsHostProcess", evaluate: checkWindowsHostProcess}

func checkWindowsHostProcess(p *podView) []Escape {
	podLevel := false
	if sc := p.pod.Spec.SecurityContext; sc != nil && sc.WindowsOptions != nil && sc.WindowsOptions.HostProcess != nil {
		podLevel = *sc.WindowsOptions.HostProcess
	}
	var out []Escape
	if podLevel {
		out = append(out, Escape{Check: "windowsHostProcess", Reach: Node, Severity: finding.Critical, Admin: true,
			Field:  "spec.securityContext.windowsOptions.hostProcess=true",
			Reason: "HostProcess containers run as processes of the Windows node: the node itself"})
	}
	for _, c := range p.containers() {
		sc := c.c.SecurityContext
		if sc == nil || sc.WindowsOptions == nil || sc.WindowsOptions.HostProcess == nil {
			continue
		}
		if *sc.WindowsOptions.HostProcess && !podLevel {
			out = append(out, Escape{Check: "windowsHostProcess", Reach: Node, Severity: finding.Critical, Admin: true,
				Field:  c.path + ".securityContext.windowsOptions.hostProcess=true",
				Reason: "a HostProcess container runs as a process of the Windows node: the node itself"})
		}
	}
	return out
}
