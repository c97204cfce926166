package node

import (
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/bulkhead-dev/bulkhead/internal/finding"
)

/*
Capabilities added beyond the runtime's default set that open the kernel to
the container:

	spec.containers[*].securityContext.capabilities.add
	spec.initContainers[*].securityContext.capabilities.add
	spec.ephemeralContainers[*].securityContext.capabilities.add

SYS_ADMIN (mount, cgroup release agent), SYS_MODULE (kernel modules), BPF
(kernel memory through eBPF), DAC_READ_SEARCH (open_by_handle_at reads any
host file, the "shocker" escape) and ALL are root on the node by
themselves. SYS_PTRACE is root on the node with hostPID (attach to a host
process) and stays inside the pod without it; NET_ADMIN rewrites the node's
routes and firewall with hostNetwork and only the pod's own network without.
NET_RAW has its own check.

Added capabilities are powers of root: Kubernetes sets no ambient
capabilities, so a container running as a non-root UID with
allowPrivilegeEscalation: false never holds them (see power.go), and gets
no escape from them.
*/
var capabilitiesCheck = check{name: "capabilities", evaluate: checkCapabilities}

func checkCapabilities(p *podView) []Escape {
	var out []Escape
	spec := &p.pod.Spec
	for _, c := range p.containers() {
		if nonRootLocked(p.pod, c.c) {
			continue
		}
		for _, capName := range addedCapabilities(c.c) {
			e := Escape{Check: "capabilities", Field: c.path + ".securityContext.capabilities.add=" + capName}
			switch capName {
			case "ALL":
				e.Reach, e.Severity, e.Reason = Node, finding.Critical, "every capability: root on the node"
			case "SYS_ADMIN":
				e.Reach, e.Severity, e.Reason = Node, finding.Critical, "SYS_ADMIN mounts filesystems and writes the cgroup release agent: root on the node"
			case "SYS_MODULE":
				e.Reach, e.Severity, e.Reason = Node, finding.Critical, "SYS_MODULE loads kernel modules: root on the node"
			case "BPF":
				e.Reach, e.Severity, e.Reason = Node, finding.Critical, "BPF reads and writes kernel memory through eBPF: root on the node"
			case "DAC_READ_SEARCH":
				e.Reach, e.Severity, e.Reason = Node, finding.Critical, "DAC_READ_SEARCH opens any host file by handle (open_by_handle_at): reads the node's files"
			case "SYS_PTRACE":
				if spec.HostPID {
					e.Reach, e.Severity, e.Reason = Node, finding.Critical, "SYS_PTRACE with hostPID attaches to the node's processes: root on the node"
				} else {
					e.Reach, e.Severity, e.Reason = Weakens, finding.Low, "SYS_PTRACE attaches to processes of the pod; with hostPID it would be root on the node"
				}
			case "NET_ADMIN":
				if spec.HostNetwork {
					e.Reach, e.Severity, e.Reason = Host, finding.High, "NET_ADMIN with hostNetwork rewrites the node's routes and firewall: intercepts every pod's traffic"
				} else {
					e.Reach, e.Severity, e.Reason = Weakens, finding.Low, "NET_ADMIN reconfigures the pod's network; with hostNetwork it would rewrite the node's"
				}
			default:
				continue
			}
			out = append(out, e)
		}
	}
	return out
}

// addedCapabilities returns the container's added capabilities, upper case
// without the CAP_ prefix, in the order given, without repeats.
func addedCapabilities(c *corev1.Container) []string {
	if c.SecurityContext == nil || c.SecurityContext.Capabilities == nil {
		return nil
	}
	var out []string
	seen := map[string]bool{}
	for _, a := range c.SecurityContext.Capabilities.Add {
		n := capabilityName(a)
		if !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	return out
}

func capabilityName(c corev1.Capability) string {
	return strings.TrimPrefix(strings.ToUpper(string(c)), "CAP_")
}

// drops reports whether the container drops the capability (or ALL).
func drops(c *corev1.Container, name string) bool {
	if c.SecurityContext == nil || c.SecurityContext.Capabilities == nil {
		return false
	}
	for _, d := range c.SecurityContext.Capabilities.Drop {
		if n := capabilityName(d); n == name || n == "ALL" {
			return true
		}
	}
	return false
}
