package node

import "github.com/bulkhead-dev/bulkhead/internal/finding"

/*
A pod created with spec.nodeName skips the scheduler: the kubelet of that
node runs it whatever the node's NoSchedule taints (control-plane nodes
included), so the pod's author picks the node and its neighbours.

	spec.nodeName

On a live cluster the scheduler writes nodeName into every pod it places,
so only manifests and controller templates (pods with no status) are
judged here; placement of live pods is the co-location analysis' input.
*/
var nodeNameCheck = check{name: "nodeName", evaluate: checkNodeName}

func checkNodeName(p *podView) []Escape {
	if p.pod.Spec.NodeName == "" || p.pod.Status.Phase != "" {
		return nil
	}
	return []Escape{{Check: "nodeName", Reach: Weakens, Severity: finding.Medium,
		Field:  "spec.nodeName=" + p.pod.Spec.NodeName,
		Reason: "pinned to node " + p.pod.Spec.NodeName + ", past the scheduler and the node's NoSchedule taints"}}
}
