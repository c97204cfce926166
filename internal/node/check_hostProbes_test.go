package node

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

func TestCheckHostProbes(t *testing.T) {
	get := func(host string) corev1.ProbeHandler {
		return corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Host: host, Port: intstr.FromInt32(10250), Path: "/pods"}}
	}
	runCheck(t, hostProbesCheck, []checkCase{
		{name: "probe on the pod", pod: newPod("a", "p", app(func(c *corev1.Container) { c.LivenessProbe = &corev1.Probe{ProbeHandler: get("")} }))},
		{name: "liveness httpGet host", pod: newPod("a", "p", app(func(c *corev1.Container) { c.LivenessProbe = &corev1.Probe{ProbeHandler: get("127.0.0.1")} })),
			want: []found{{Host, "spec.containers[app].livenessProbe.httpGet.host=127.0.0.1"}}},
		{name: "readiness tcpSocket host", pod: newPod("a", "p", app(func(c *corev1.Container) {
			c.ReadinessProbe = &corev1.Probe{ProbeHandler: corev1.ProbeHandler{TCPSocket: &corev1.TCPSocketAction{Host: "db.b.svc", Port: intstr.FromInt32(5432)}}}
		})), want: []found{{Host, "spec.containers[app].readinessProbe.tcpSocket.host=db.b.svc"}}},
		{name: "startup probe", pod: newPod("a", "p", app(func(c *corev1.Container) { c.StartupProbe = &corev1.Probe{ProbeHandler: get("169.254.169.254")} })),
			want: []found{{Host, "spec.containers[app].startupProbe.httpGet.host=169.254.169.254"}}},
		{name: "preStop hook", pod: newPod("a", "p", app(func(c *corev1.Container) {
			c.Lifecycle = &corev1.Lifecycle{PreStop: &corev1.LifecycleHandler{HTTPGet: &corev1.HTTPGetAction{Host: "10.0.0.1", Port: intstr.FromInt32(80)}}}
		})), want: []found{{Host, "spec.containers[app].lifecycle.preStop.httpGet.host=10.0.0.1"}}},
		{name: "postStart hook tcp", pod: newPod("a", "p", app(func(c *corev1.Container) {
			c.Lifecycle = &corev1.Lifecycle{PostStart: &corev1.LifecycleHandler{TCPSocket: &corev1.TCPSocketAction{Host: "10.0.0.2", Port: intstr.FromInt32(22)}}}
		})), want: []found{{Host, "spec.containers[app].lifecycle.postStart.tcpSocket.host=10.0.0.2"}}},
	}, podView{})
}
