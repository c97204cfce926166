package workload

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
)

func TestCheckHostNamespaces(t *testing.T) {
	runCheck(t, hostNamespacesCheck, []checkCase{
		{name: "none", pod: newPod("a", "p")},
		{name: "hostPID", pod: newPod("a", "p", func(p *corev1.Pod) { p.Spec.HostPID = true }), want: []found{{Host, "spec.hostPID=true"}}},
		{name: "hostIPC", pod: newPod("a", "p", func(p *corev1.Pod) { p.Spec.HostIPC = true }), want: []found{{Host, "spec.hostIPC=true"}}},
		{name: "hostNetwork", pod: newPod("a", "p", func(p *corev1.Pod) { p.Spec.HostNetwork = true }), want: []found{{Host, "spec.hostNetwork=true"}}},
		{name: "all three", pod: newPod("a", "p", func(p *corev1.Pod) { p.Spec.HostPID, p.Spec.HostIPC, p.Spec.HostNetwork = true, true, true }),
			want: []found{{Host, "spec.hostPID=true"}, {Host, "spec.hostIPC=true"}, {Host, "spec.hostNetwork=true"}}},
	}, podView{})
}
