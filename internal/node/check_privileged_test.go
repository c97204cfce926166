package node

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
)

func TestCheckPrivileged(t *testing.T) {
	f := false
	runCheck(t, privilegedCheck, []checkCase{
		{name: "plain", pod: newPod("a", "p")},
		{name: "privileged false", pod: newPod("a", "p", app(func(c *corev1.Container) { sc(c).Privileged = &f }))},
		{name: "privileged", pod: newPod("a", "p", app(privileged)),
			want: []found{{Node, "spec.containers[app].securityContext.privileged=true"}}},
		{name: "privileged init container", pod: newPod("a", "p", func(p *corev1.Pod) {
			c := corev1.Container{Name: "init"}
			privileged(&c)
			p.Spec.InitContainers = append(p.Spec.InitContainers, c)
		}), want: []found{{Node, "spec.initContainers[init].securityContext.privileged=true"}}},
		{name: "privileged ephemeral container", pod: newPod("a", "p", func(p *corev1.Pod) {
			c := corev1.Container{Name: "debug"}
			privileged(&c)
			p.Spec.EphemeralContainers = append(p.Spec.EphemeralContainers, corev1.EphemeralContainer{EphemeralContainerCommon: corev1.EphemeralContainerCommon(c)})
		}), want: []found{{Node, "spec.ephemeralContainers[debug].securityContext.privileged=true"}}},
	}, podView{})
}
