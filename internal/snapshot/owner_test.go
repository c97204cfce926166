package snapshot

import (
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
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
		// Only the controller's reference counts, as the controllers write
		// it: another owner is no workload whose template made the pod.
		{"an owner that is no controller", corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p",
			OwnerReferences: []metav1.OwnerReference{ref("DaemonSet", "agent", nil)}}}, "Pod/p"},
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

// TestOwners: a CronJob's pods are the CronJob's, run after run: through
// the Job's controller when the snapshot holds the Job, else by the name
// the CronJob controller gives its Jobs, when the CronJob is there; a Job
// of no CronJob stays a Job.
func TestOwners(t *testing.T) {
	yes := true
	pod := func(ns, job string) *corev1.Pod {
		return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: job + "-x2x4z",
			OwnerReferences: []metav1.OwnerReference{{APIVersion: "batch/v1", Kind: "Job", Name: job, UID: "u", Controller: &yes}}}}
	}
	s := &Snapshot{
		CronJobs: []batchv1.CronJob{{ObjectMeta: metav1.ObjectMeta{Namespace: "a", Name: "backup"}}},
		Jobs: []batchv1.Job{{ObjectMeta: metav1.ObjectMeta{Namespace: "a", Name: "report-29001234",
			OwnerReferences: []metav1.OwnerReference{{APIVersion: "batch/v1", Kind: "CronJob", Name: "report", UID: "c", Controller: &yes}}}},
			{ObjectMeta: metav1.ObjectMeta{Namespace: "a", Name: "backup-20241130"}}},
	}
	owner := s.Owners()
	for _, tc := range []struct {
		pod  *corev1.Pod
		want string
	}{
		{pod("a", "report-29001234"), "CronJob/report"},        // the Job's controller
		{pod("a", "backup-29001300"), "CronJob/backup"},        // no Job object: by name
		{pod("a", "backup-20241130"), "Job/backup-20241130"},   // a Job of its own, held
		{pod("a", "migrate-29001300"), "Job/migrate-29001300"}, // no such CronJob
		{pod("b", "backup-29001300"), "Job/backup-29001300"},   // another namespace
	} {
		if kind, name := owner(tc.pod); kind+"/"+name != tc.want {
			t.Errorf("%s/%s: %s/%s, want %s", tc.pod.Namespace, tc.pod.Name, kind, name, tc.want)
		}
	}
}

// TestOwnersReplicaSets: a ReplicaSet the snapshot holds says whose it
// is: a standalone one named like a Deployment's is its own workload, and
// a Deployment's is the Deployment's without the hash label.
func TestOwnersReplicaSets(t *testing.T) {
	yes := true
	pod := func(rs, hash string) *corev1.Pod {
		p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "a", Name: rs + "-x2x4z",
			OwnerReferences: []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: rs, UID: "u", Controller: &yes}}}}
		if hash != "" {
			p.Labels = map[string]string{"pod-template-hash": hash}
		}
		return p
	}
	s := &Snapshot{ReplicaSets: []appsv1.ReplicaSet{
		{ObjectMeta: metav1.ObjectMeta{Namespace: "a", Name: "web-6f7d8c9b5w"}},
		{ObjectMeta: metav1.ObjectMeta{Namespace: "a", Name: "api-5d8f7c9b6d",
			OwnerReferences: []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "Deployment", Name: "api", UID: "d", Controller: &yes}}}},
	}}
	owner := s.Owners()
	for _, tc := range []struct {
		pod  *corev1.Pod
		want string
	}{
		{pod("web-6f7d8c9b5w", "6f7d8c9b5w"), "ReplicaSet/web-6f7d8c9b5w"}, // standalone, named like a Deployment's
		{pod("api-5d8f7c9b6d", ""), "Deployment/api"},                      // no hash label
		{pod("db-7c9d8e6f5a", "7c9d8e6f5a"), "Deployment/db"},              // not held: by the hash
	} {
		if kind, name := owner(tc.pod); kind+"/"+name != tc.want {
			t.Errorf("%s: %s/%s, want %s", tc.pod.Name, kind, name, tc.want)
		}
	}
}
