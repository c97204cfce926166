package admission

import (
	"fmt"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/bulkhead-dev/bulkhead/internal/node"
	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
)

// claim judges a PersistentVolumeClaim: one bound by name (spec.volumeName)
// to a hostPath or local PersistentVolume, or one the PV controller may
// bind to such a volume (node.Judge.Bindable), hands its tenant that path
// on a node, for any pod of the namespace to mount, and Pod Security,
// which checks a pod's hostPath volumes only, does not see it. It is judged
// when it is written, whichever comes first, the claim or a pod that
// names it. object names it in the messages.
func (a *Admission) claim(pvc *corev1.PersistentVolumeClaim, object string) []Violation {
	tenant := a.ten.Of(pvc.Namespace)
	if isCluster(tenant) {
		return nil
	}
	escapes := a.judge.Claim(pvc)
	worst := node.Worst(escapes)
	if worst == node.Contained {
		return nil
	}
	var fields []string
	var reason string
	for _, e := range escapes {
		if e.Reach == worst {
			fields = append(fields, e.Field)
			if reason == "" {
				reason = strings.TrimSuffix(e.Reason, ".")
			}
		}
	}
	target := targetNode
	if worst == node.Weakens {
		target = ""
	}
	verb, fix := "would give", "bind the claim through a StorageClass, not by volumeName to a node's path"
	if pvc.Spec.VolumeName == "" {
		verb, fix = "may be bound and give", "claim a StorageClass whose volumes a provisioner makes, not one where a volume of a node's path is available or reserved for the claim"
	}
	return []Violation{{
		Rule: reachRules[worst], Source: tenant, Target: target, Object: object, Fields: fields,
		Reason: fmt.Sprintf("%s %s the pods of namespace %s the %s: a pod that mounts it %s", object, verb, pvc.Namespace, reason, reachVerb[worst]),
		Fix:    fix + "; workloads that need the node's files belong in a namespace of the cluster tenant",
	}}
}

// claimTemplates judges the claims a StatefulSet's volumeClaimTemplates
// make, as claims of its namespace.
func (a *Admission) claimTemplates(sts *appsv1.StatefulSet, namespace string) []Violation {
	var out []Violation
	for i := range sts.Spec.VolumeClaimTemplates {
		t := &sts.Spec.VolumeClaimTemplates[i]
		pvc := &corev1.PersistentVolumeClaim{ObjectMeta: t.ObjectMeta, Spec: t.Spec}
		pvc.Namespace = namespace
		pvc.Name = snapshot.ClaimTemplateName(t.Name, sts.Name)
		object := fmt.Sprintf("StatefulSet %s/%s (volumeClaimTemplates[%s])", namespace, sts.Name, t.Name)
		out = append(out, a.claim(pvc, object)...)
	}
	return out
}
