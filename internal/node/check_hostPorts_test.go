package node

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
)

func TestCheckHostPorts(t *testing.T) {
	ports := func(ps ...corev1.ContainerPort) func(*corev1.Pod) {
		return app(func(c *corev1.Container) { c.Ports = ps })
	}
	runCheck(t, hostPortsCheck, []checkCase{
		{name: "container port only", pod: newPod("a", "p", ports(corev1.ContainerPort{ContainerPort: 80}))},
		{name: "host port", pod: newPod("a", "p", ports(corev1.ContainerPort{ContainerPort: 80, HostPort: 8080})),
			want: []found{{Host, "spec.containers[app].ports.hostPort=8080/TCP"}}},
		{name: "udp host port", pod: newPod("a", "p", ports(corev1.ContainerPort{ContainerPort: 53, HostPort: 53, Protocol: corev1.ProtocolUDP})),
			want: []found{{Host, "spec.containers[app].ports.hostPort=53/UDP"}}},
	}, podView{})
}
