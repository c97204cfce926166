package node

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
)

func TestRuntimeClassSandbox(t *testing.T) {
	rc := func(name string) func(*corev1.Pod) { return func(p *corev1.Pod) { p.Spec.RuntimeClassName = &name } }
	for _, tc := range []struct {
		name string
		pod  corev1.Pod
		want Reach
	}{
		{"privileged, runc", newPod("a", "p", app(privileged), rc("runc")), Node},
		{"privileged, no class", newPod("a", "p", app(privileged)), Node},
		{"privileged, gvisor", newPod("a", "p", app(privileged), rc("gvisor")), Host},
		{"SYS_ADMIN, kata-qemu", newPod("a", "p", app(addCaps("SYS_ADMIN")), app(dropCaps("NET_RAW")), rc("kata-qemu")), Host},
		{"hostPath /, gvisor: the node's files all the same", newPod("a", "p", hostPathVolume("h", "/", true), app(dropCaps("NET_RAW")), rc("runsc")), Node},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Worst(escapes(&podView{pod: &tc.pod}))
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("reach (-want +got):\n%s", diff)
			}
		})
	}
}
