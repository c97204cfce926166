package node

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/bulkhead-dev/bulkhead/internal/finding"
)

func TestCheckHostNamespaces(t *testing.T) {
	runCheck(t, hostNamespacesCheck, []checkCase{
		{name: "none", pod: newPod("a", "p")},
		{name: "hostPID", pod: newPod("a", "p", func(p *corev1.Pod) { p.Spec.HostPID = true }), want: []found{{Host, "spec.hostPID=true"}}},
		{name: "hostPID as a plain user", pod: newPod("a", "p", func(p *corev1.Pod) {
			p.Spec.HostPID = true
			uid, no := int64(65534), false
			p.Spec.SecurityContext = &corev1.PodSecurityContext{RunAsUser: &uid, RunAsGroup: &uid}
			p.Spec.Containers[0].SecurityContext = &corev1.SecurityContext{AllowPrivilegeEscalation: &no,
				Capabilities: &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}}}
		}), want: []found{{Host, "spec.hostPID=true"}}},
		{name: "hostIPC", pod: newPod("a", "p", func(p *corev1.Pod) { p.Spec.HostIPC = true }), want: []found{{Host, "spec.hostIPC=true"}}},
		{name: "hostNetwork", pod: newPod("a", "p", func(p *corev1.Pod) { p.Spec.HostNetwork = true }), want: []found{{Host, "spec.hostNetwork=true"}}},
		{name: "all three", pod: newPod("a", "p", func(p *corev1.Pod) { p.Spec.HostPID, p.Spec.HostIPC, p.Spec.HostNetwork = true, true, true }),
			want: []found{{Host, "spec.hostPID=true"}, {Host, "spec.hostIPC=true"}, {Host, "spec.hostNetwork=true"}}},
	}, podView{})
}

// TestHostPIDNeedsPower: a plain user sharing the node's PID namespace sees
// command lines, not other processes' environments; root reads them.
func TestHostPIDNeedsPower(t *testing.T) {
	uid, no := int64(65534), false
	plain := newPod("a", "p", func(p *corev1.Pod) {
		p.Spec.HostPID = true
		p.Spec.SecurityContext = &corev1.PodSecurityContext{RunAsUser: &uid, RunAsGroup: &uid}
		p.Spec.Containers[0].SecurityContext = &corev1.SecurityContext{AllowPrivilegeEscalation: &no,
			Capabilities: &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}}}
	})
	root := newPod("a", "p", func(p *corev1.Pod) { p.Spec.HostPID = true })
	for _, tc := range []struct {
		pod      corev1.Pod
		severity finding.Severity
		says     string
	}{
		{plain, finding.Medium, "reads no other process's environment"},
		{root, finding.High, "reads other pods' environments"},
	} {
		es := checkHostNamespaces(&podView{pod: &tc.pod})
		if len(es) != 1 || es[0].Severity != tc.severity || !strings.Contains(es[0].Reason, tc.says) {
			t.Errorf("hostPID: %+v, want %s saying %q", es, tc.severity, tc.says)
		}
	}
}
