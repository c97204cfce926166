package node

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
)

func TestCheckNetRaw(t *testing.T) {
	hostNet := func(p *corev1.Pod) { p.Spec.HostNetwork = true }
	f := "spec.containers[app].securityContext.capabilities.drop lacks NET_RAW"
	runCheck(t, netRawCheck, []checkCase{
		{name: "default capabilities", pod: newPod("a", "p"), want: []found{{Weakens, f}}},
		{name: "default capabilities, hostNetwork", pod: newPod("a", "p", hostNet), want: []found{{Host, f}}},
		{name: "drops NET_RAW", pod: newPod("a", "p", app(dropCaps("NET_RAW")))},
		{name: "drops CAP_NET_RAW", pod: newPod("a", "p", hostNet, app(dropCaps("CAP_NET_RAW")))},
		{name: "drops ALL", pod: newPod("a", "p", app(dropCaps("ALL")))},
		{name: "drops others", pod: newPod("a", "p", app(dropCaps("CHOWN"))), want: []found{{Weakens, f}}},
		{name: "non-root without privilege escalation never holds it", pod: newPod("a", "p", hostNet, runAs(id(1000), id(1000), true), app(noEscalation))},
		{name: "non-root with privilege escalation may gain it", pod: newPod("a", "p", hostNet, runAs(id(1000), id(1000), true)), want: []found{{Host, f}}},
		{name: "privileged has its own check", pod: newPod("a", "p", app(privileged))},
	}, podView{})
}

// TestFieldChanges: the fix removes the fields that grant an escape and
// adds what a field lacks, never removing the list NET_RAW is missing from.
func TestFieldChanges(t *testing.T) {
	got := fieldChanges([]Escape{
		{Field: "spec.volumes[sock].hostPath.path=/run/containerd/containerd.sock"},
		{Field: "spec.containers[fb].securityContext.capabilities.drop lacks NET_RAW"},
		{Field: "spec.hostPID"},
		{Field: "spec.containers[sidecar].securityContext.capabilities.drop lacks NET_RAW"},
	})
	want := "remove spec.volumes[sock].hostPath.path, spec.hostPID and add NET_RAW to spec.containers[fb].securityContext.capabilities.drop and add NET_RAW to spec.containers[sidecar].securityContext.capabilities.drop"
	if got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
	if got := fieldChanges([]Escape{{Field: "spec.containers[c].securityContext.capabilities.drop lacks NET_RAW"}}); got != "add NET_RAW to spec.containers[c].securityContext.capabilities.drop" {
		t.Errorf("NET_RAW alone: %q", got)
	}
}

// TestUnenforcedNamesWhatBaselineRefuses: the fix of a namespace that
// enforces nothing names its workloads that baseline would refuse (a node
// agent), so that the label is not applied blind.
func TestUnenforcedNamesWhatBaselineRefuses(t *testing.T) {
	ns := &NamespacePolicy{Namespace: "monitoring", Tenant: "monitoring", InSnapshot: true, Policy: serverDefault}
	f, ok := unenforced(&Result{CoLocation: &CoLocation{}}, ns, []string{"DaemonSet/monitoring/node-exporter"})
	if !ok || !strings.Contains(f.Remediation, "kubectl label namespace monitoring") ||
		!strings.Contains(f.Remediation, "DaemonSet/monitoring/node-exporter needs more than baseline") {
		t.Errorf("remediation %q", f.Remediation)
	}
	if f, _ := unenforced(&Result{CoLocation: &CoLocation{}}, ns, nil); strings.Contains(f.Remediation, "more than baseline") {
		t.Errorf("nothing refused, yet: %q", f.Remediation)
	}
}
