package node

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
)

func TestCheckControlPlaneTolerations(t *testing.T) {
	tol := func(ts ...corev1.Toleration) func(*corev1.Pod) {
		return func(p *corev1.Pod) { p.Spec.Tolerations = ts }
	}
	cp := "spec.tolerations tolerates node-role.kubernetes.io/control-plane:NoSchedule"
	runCheck(t, controlPlaneTolerationsCheck, []checkCase{
		{name: "none", pod: newPod("a", "p")},
		{name: "other taint", pod: newPod("a", "p", tol(corev1.Toleration{Key: "gpu", Operator: corev1.TolerationOpExists}))},
		{name: "control-plane", pod: newPod("a", "p", tol(corev1.Toleration{Key: "node-role.kubernetes.io/control-plane", Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule})),
			want: []found{{Weakens, cp}}},
		{name: "control-plane, NoExecute only", pod: newPod("a", "p", tol(corev1.Toleration{Key: "node-role.kubernetes.io/control-plane", Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute}))},
		{name: "legacy master", pod: newPod("a", "p", tol(corev1.Toleration{Key: "node-role.kubernetes.io/master", Operator: corev1.TolerationOpExists})),
			want: []found{{Weakens, "spec.tolerations tolerates node-role.kubernetes.io/master:NoSchedule"}}},
		{name: "tolerates everything", pod: newPod("a", "p", tol(corev1.Toleration{Operator: corev1.TolerationOpExists})),
			want: []found{{Weakens, cp}}},
	}, podView{})
}
