package node

import "github.com/bulkhead-dev/bulkhead/internal/finding"

/*
With a shared process namespace the containers of a pod see each other's
processes, and each other's filesystems through /proc/PID/root: a
sidecar's credentials are readable from the application container. It
stays inside the pod (one tenant), so it only weakens the pod.

	spec.shareProcessNamespace
*/
var shareProcessNamespaceCheck = check{name: "shareProcessNamespace", evaluate: checkShareProcessNamespace}

func checkShareProcessNamespace(p *podView) []Escape {
	if s := p.pod.Spec.ShareProcessNamespace; s == nil || !*s {
		return nil
	}
	return []Escape{{Check: "shareProcessNamespace", Reach: Weakens, Severity: finding.Low,
		Field:  "spec.shareProcessNamespace=true",
		Reason: "containers of the pod see each other's processes and files: a sidecar's secrets are open to the others"}}
}
