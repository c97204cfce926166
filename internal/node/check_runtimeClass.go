package node

import "strings"

/*
A sandboxed runtime (gVisor, Kata Containers) puts the pod behind its own
kernel: escapes that go through the kernel (privileged, capabilities,
ptrace of host processes) reach the sandbox, not the node. Escapes through
what the node hands the pod (hostPath, host namespaces, node ports, host
probes) are unchanged.

	spec.runtimeClassName

RuntimeClass objects are not in the snapshot, so the sandbox is recognised
by the class name only: gvisor, runsc, kata and names starting with them.
A kernel escape in such a pod is graded host, and its reason says why.
*/
var sandboxRuntimePrefixes = []string{"gvisor", "runsc", "kata"}

// kernelChecks are the checks whose escapes go through the container's
// kernel.
var kernelChecks = map[string]bool{"privileged": true, "capabilities": true}

func sandboxRuntime(name string) bool {
	n := strings.ToLower(name)
	for _, p := range sandboxRuntimePrefixes {
		if strings.HasPrefix(n, p) {
			return true
		}
	}
	return false
}

// applyRuntimeClass lowers kernel escapes of a sandboxed pod to host reach.
func applyRuntimeClass(p *podView, es []Escape) []Escape {
	rc := p.pod.Spec.RuntimeClassName
	if rc == nil || !sandboxRuntime(*rc) {
		return es
	}
	for i := range es {
		if kernelChecks[es[i].Check] && es[i].Reach == Node {
			es[i].Reach = Host
			es[i].Severity--
			es[i].Reason += " (runtime class " + *rc + " is a sandbox: the escape reaches its kernel, not the node's)"
		}
	}
	return es
}
