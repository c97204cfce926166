package node

import (
	corev1 "k8s.io/api/core/v1"
	corev1helpers "k8s.io/component-helpers/scheduling/corev1"

	"github.com/bulkhead-dev/bulkhead/internal/finding"
)

/*
Control-plane nodes are tainted so that workloads stay off them: they hold
etcd's data and the cluster's keys. A pod that tolerates the taint (or
every taint, with an empty key and operator Exists) may be scheduled there,
and an escape from it reaches the control plane.

	spec.tolerations against node-role.kubernetes.io/control-plane:NoSchedule
	(and the legacy node-role.kubernetes.io/master)
*/
var controlPlaneTolerationsCheck = check{name: "controlPlaneTolerations", evaluate: checkControlPlaneTolerations}

var controlPlaneTaints = []corev1.Taint{
	{Key: "node-role.kubernetes.io/control-plane", Effect: corev1.TaintEffectNoSchedule},
	{Key: "node-role.kubernetes.io/master", Effect: corev1.TaintEffectNoSchedule},
}

func checkControlPlaneTolerations(p *podView) []Escape {
	for i := range controlPlaneTaints {
		t := &controlPlaneTaints[i]
		if corev1helpers.TolerationsTolerateTaint(p.pod.Spec.Tolerations, t) {
			return []Escape{{Check: "controlPlaneTolerations", Reach: Weakens, Severity: finding.Medium,
				Field:  "spec.tolerations tolerates " + t.Key + ":" + string(t.Effect),
				Reason: "may be scheduled on control-plane nodes, beside etcd and the cluster's keys"}}
		}
	}
	return nil
}
