package snapshot

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TestOwner: the workload a pod's owner fixes, from what a cluster's
// controllers write on their pods.
func TestOwner(t *testing.T) {
	yes, no := true, false
	ref := func(kind, name string, controller *bool) metav1.OwnerReference {
		return metav1.OwnerReference{APIVersion: "apps/v1", Kind: kind, Name: name, UID: "u", Controller: controller}
	}
	for _, tc := range []struct {
		name string
		pod  corev1.Pod
		want string
	}{
		{"bare pod", corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "busybox"}}, "Pod/busybox"},
		{"representative of a controller", corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "web",
			Annotations: map[string]string{SyntheticAnnotation: "StatefulSet/web"}}}, "StatefulSet/web"},
		{"a Deployment's, through its ReplicaSet", corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "auth-7d9f8c6b5-x2x4z",
			Labels:          map[string]string{"pod-template-hash": "7d9f8c6b5"},
			OwnerReferences: []metav1.OwnerReference{ref("ReplicaSet", "auth-7d9f8c6b5", &yes)}}}, "Deployment/auth"},
		{"a ReplicaSet not named for its hash", corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "rs-abc",
			Labels:          map[string]string{"pod-template-hash": "other"},
			OwnerReferences: []metav1.OwnerReference{ref("ReplicaSet", "rs", &yes)}}}, "ReplicaSet/rs"},
		{"a DaemonSet's", corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "node-exporter-2cqth",
			OwnerReferences: []metav1.OwnerReference{ref("DaemonSet", "node-exporter", &yes)}}}, "DaemonSet/node-exporter"},
		{"the controller among owners", corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p",
			OwnerReferences: []metav1.OwnerReference{ref("ConfigMap", "c", &no), ref("StatefulSet", "db", &yes)}}}, "StatefulSet/db"},
		{"an owner written without controller", corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p",
			OwnerReferences: []metav1.OwnerReference{ref("DaemonSet", "agent", nil)}}}, "DaemonSet/agent"},
		{"a live pod annotated as a representative stays a pod", corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p",
			Annotations: map[string]string{SyntheticAnnotation: "Deployment/x"}}, Status: corev1.PodStatus{Phase: corev1.PodRunning}}, "Pod/p"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if kind, name := Owner(&tc.pod); kind+"/"+name != tc.want {
				t.Errorf("Owner = %s/%s, want %s", kind, name, tc.want)
			}
		})
	}
}
