package node

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
)

func TestCheckShareProcessNamespace(t *testing.T) {
	share := func(v bool) func(*corev1.Pod) { return func(p *corev1.Pod) { p.Spec.ShareProcessNamespace = &v } }
	runCheck(t, shareProcessNamespaceCheck, []checkCase{
		{name: "unset", pod: newPod("a", "p")},
		{name: "false", pod: newPod("a", "p", share(false))},
		{name: "true", pod: newPod("a", "p", share(true)), want: []found{{Weakens, "spec.shareProcessNamespace=true"}}},
	}, podView{})
}
