package node

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
)

func TestCheckCapabilities(t *testing.T) {
	hostPID := func(p *corev1.Pod) { p.Spec.HostPID = true }
	hostNet := func(p *corev1.Pod) { p.Spec.HostNetwork = true }
	f := "spec.containers[app].securityContext.capabilities.add="
	runCheck(t, capabilitiesCheck, []checkCase{
		{name: "none", pod: newPod("a", "p")},
		{name: "harmless", pod: newPod("a", "p", app(addCaps("CHOWN", "NET_BIND_SERVICE")))},
		{name: "SYS_ADMIN", pod: newPod("a", "p", app(addCaps("SYS_ADMIN"))), want: []found{{Node, f + "SYS_ADMIN"}}},
		{name: "CAP_ prefix and case", pod: newPod("a", "p", app(addCaps("cap_sys_module"))), want: []found{{Node, f + "SYS_MODULE"}}},
		{name: "BPF", pod: newPod("a", "p", app(addCaps("BPF"))), want: []found{{Node, f + "BPF"}}},
		{name: "DAC_READ_SEARCH", pod: newPod("a", "p", app(addCaps("DAC_READ_SEARCH"))), want: []found{{Node, f + "DAC_READ_SEARCH"}}},
		{name: "ALL", pod: newPod("a", "p", app(addCaps("ALL"))), want: []found{{Node, f + "ALL"}}},
		{name: "SYS_PTRACE alone", pod: newPod("a", "p", app(addCaps("SYS_PTRACE"))), want: []found{{Weakens, f + "SYS_PTRACE"}}},
		{name: "SYS_PTRACE with hostPID", pod: newPod("a", "p", hostPID, app(addCaps("SYS_PTRACE"))), want: []found{{Node, f + "SYS_PTRACE"}}},
		{name: "NET_ADMIN alone", pod: newPod("a", "p", app(addCaps("NET_ADMIN"))), want: []found{{Weakens, f + "NET_ADMIN"}}},
		{name: "NET_ADMIN with hostNetwork", pod: newPod("a", "p", hostNet, app(addCaps("NET_ADMIN"))), want: []found{{Host, f + "NET_ADMIN"}}},
		{name: "non-root without privilege escalation never holds them", pod: newPod("a", "p", nodeExporter, app(addCaps("SYS_ADMIN", "DAC_READ_SEARCH")))},
		{name: "non-root with privilege escalation may gain them", pod: newPod("a", "p", runAs(id(1000), id(1000), true), app(addCaps("SYS_ADMIN"))),
			want: []found{{Node, f + "SYS_ADMIN"}}},
		{name: "repeated", pod: newPod("a", "p", app(addCaps("SYS_ADMIN", "CAP_SYS_ADMIN"))), want: []found{{Node, f + "SYS_ADMIN"}}},
	}, podView{})
}
