package node

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
)

func TestCheckNodeName(t *testing.T) {
	pinned := func(p *corev1.Pod) { p.Spec.NodeName = "cp-1" }
	runCheck(t, nodeNameCheck, []checkCase{
		{name: "scheduled by the scheduler", pod: newPod("a", "p")},
		{name: "pinned in a manifest", pod: newPod("a", "p", pinned), want: []found{{Weakens, "spec.nodeName=cp-1"}}},
		{name: "live pod: the scheduler's choice", pod: newPod("a", "p", pinned, status(corev1.PodRunning))},
	}, podView{})
}
