package node

import "github.com/bulkhead-dev/bulkhead/internal/finding"

/*
Host namespaces put the pod beside the node's own processes:

	spec.hostPID: every process of the node and of its pods is visible;
	  /proc/PID/environ and /proc/PID/root of processes running as the
	  same user with no more capabilities are readable (other pods'
	  environment secrets). With SYS_PTRACE it is root (capabilities check).
	spec.hostIPC: the node's System V and POSIX shared memory.
	spec.hostNetwork: the node's network identity: services bound to the
	  node's localhost, the kubelet's ports, cloud metadata with the node's
	  role; outside NetworkPolicy.
*/
var hostNamespacesCheck = check{name: "hostNamespaces", evaluate: checkHostNamespaces}

func checkHostNamespaces(p *podView) []Escape {
	spec := &p.pod.Spec
	var out []Escape
	if spec.HostPID {
		e := Escape{Check: "hostNamespaces", Reach: Host, Severity: finding.High,
			Field:  "spec.hostPID=true",
			Reason: "shares the node's process namespace: sees every process on the node and reads other pods' environments"}
		// /proc/PID/environ and mem need the process's UID or
		// CAP_SYS_PTRACE: a plain user sees command lines only.
		if pw := strongestPower(p.pod); pw.level == asUser {
			e.Severity = finding.Medium
			e.Reason = "shares the node's process namespace: sees every process on the node and its command line; as " + pw.who +
				" it reads no other process's environment or memory (that takes its UID or CAP_SYS_PTRACE)"
		}
		out = append(out, e)
	}
	if spec.HostIPC {
		out = append(out, Escape{Check: "hostNamespaces", Reach: Host, Severity: finding.High,
			Field:  "spec.hostIPC=true",
			Reason: "shares the node's IPC namespace: reads and writes the shared memory of the node's processes"})
	}
	if spec.HostNetwork {
		out = append(out, Escape{Check: "hostNamespaces", Reach: Host, Severity: finding.High,
			Field:  "spec.hostNetwork=true",
			Reason: "uses the node's network: its localhost services, the kubelet's ports and cloud metadata, outside NetworkPolicy"})
	}
	return out
}
