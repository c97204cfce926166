package node

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
)

func TestCheckWindowsHostProcess(t *testing.T) {
	hp := func(v bool) *corev1.WindowsSecurityContextOptions {
		return &corev1.WindowsSecurityContextOptions{HostProcess: &v}
	}
	runCheck(t, windowsHostProcessCheck, []checkCase{
		{name: "linux pod", pod: newPod("a", "p")},
		{name: "hostProcess false", pod: newPod("a", "p", app(func(c *corev1.Container) { sc(c).WindowsOptions = hp(false) }))},
		{name: "pod level", pod: newPod("a", "p", func(p *corev1.Pod) {
			p.Spec.HostNetwork = true
			p.Spec.SecurityContext = &corev1.PodSecurityContext{WindowsOptions: hp(true)}
		}), want: []found{{Node, "spec.securityContext.windowsOptions.hostProcess=true"}}},
		{name: "container level", pod: newPod("a", "p", app(func(c *corev1.Container) { sc(c).WindowsOptions = hp(true) })),
			want: []found{{Node, "spec.containers[app].securityContext.windowsOptions.hostProcess=true"}}},
	}, podView{})
}
