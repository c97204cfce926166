package node

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"

	"github.com/bulkhead-dev/bulkhead/internal/finding"
)

/*
Probes and lifecycle hooks are run by the kubelet, from the node's network.
With a host set, the pod makes the kubelet connect anywhere: to services
bound on the node, to cloud metadata, or to another tenant's pods, and
traffic from the node is always allowed by NetworkPolicy.

	spec.containers[*].{liveness,readiness,startup}Probe.{httpGet,tcpSocket}.host
	spec.containers[*].lifecycle.{postStart,preStop}.{httpGet,tcpSocket}.host
*/
var hostProbesCheck = check{name: "hostProbes", evaluate: checkHostProbes}

func checkHostProbes(p *podView) []Escape {
	var out []Escape
	for _, c := range p.containers() {
		handlers := []struct {
			field string
			h     *corev1.ProbeHandler
		}{}
		for _, pr := range []struct {
			field string
			probe *corev1.Probe
		}{{"livenessProbe", c.c.LivenessProbe}, {"readinessProbe", c.c.ReadinessProbe}, {"startupProbe", c.c.StartupProbe}} {
			if pr.probe != nil {
				handlers = append(handlers, struct {
					field string
					h     *corev1.ProbeHandler
				}{pr.field, &pr.probe.ProbeHandler})
			}
		}
		for _, h := range handlers {
			out = appendHostTarget(out, c.path+"."+h.field, h.h.HTTPGet, h.h.TCPSocket)
		}
		if lc := c.c.Lifecycle; lc != nil {
			if lc.PostStart != nil {
				out = appendHostTarget(out, c.path+".lifecycle.postStart", lc.PostStart.HTTPGet, lc.PostStart.TCPSocket)
			}
			if lc.PreStop != nil {
				out = appendHostTarget(out, c.path+".lifecycle.preStop", lc.PreStop.HTTPGet, lc.PreStop.TCPSocket)
			}
		}
	}
	return out
}

func appendHostTarget(out []Escape, field string, get *corev1.HTTPGetAction, tcp *corev1.TCPSocketAction) []Escape {
	add := func(kind, host, port string) {
		out = append(out, Escape{Check: "hostProbes", Reach: Host, Severity: finding.Medium,
			Field:  fmt.Sprintf("%s.%s.host=%s", field, kind, host),
			Reason: fmt.Sprintf("the kubelet connects from the node to %s:%s on the pod's behalf, outside NetworkPolicy", host, port)})
	}
	if get != nil && get.Host != "" {
		add("httpGet", get.Host, get.Port.String())
	}
	if tcp != nil && tcp.Host != "" {
		add("tcpSocket", tcp.Host, tcp.Port.String())
	}
	return out
}
