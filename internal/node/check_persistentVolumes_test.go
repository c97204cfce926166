package node

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestCheckPersistentVolumes(t *testing.T) {
	pvs := map[string]*corev1.PersistentVolume{
		"host-root": {ObjectMeta: metav1.ObjectMeta{Name: "host-root"}, Spec: corev1.PersistentVolumeSpec{PersistentVolumeSource: corev1.PersistentVolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: "/"}}}},
		"local-log": {ObjectMeta: metav1.ObjectMeta{Name: "local-log"}, Spec: corev1.PersistentVolumeSpec{PersistentVolumeSource: corev1.PersistentVolumeSource{Local: &corev1.LocalVolumeSource{Path: "/var/log"}}}},
		"nfs":       {ObjectMeta: metav1.ObjectMeta{Name: "nfs"}, Spec: corev1.PersistentVolumeSpec{PersistentVolumeSource: corev1.PersistentVolumeSource{NFS: &corev1.NFSVolumeSource{Server: "x", Path: "/"}}}},
		// kind's and k3s's local-path provisioner: a directory of its own
		// for the claim, under /var.
		"pvc-1234": {ObjectMeta: metav1.ObjectMeta{Name: "pvc-1234", Annotations: map[string]string{provisionedBy: "rancher.io/local-path"}},
			Spec: corev1.PersistentVolumeSpec{PersistentVolumeSource: corev1.PersistentVolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: "/var/local-path-provisioner/pvc-1234_a_data"}}}},
		// ... but the annotation does not make the node's root a directory
		// of the claim's own.
		"pvc-root": {ObjectMeta: metav1.ObjectMeta{Name: "pvc-root", Annotations: map[string]string{provisionedBy: "example.com/bad"}},
			Spec: corev1.PersistentVolumeSpec{PersistentVolumeSource: corev1.PersistentVolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: "/"}}}},
	}
	pvcs := map[string]*corev1.PersistentVolumeClaim{
		"a/root":    {ObjectMeta: metav1.ObjectMeta{Namespace: "a", Name: "root"}, Spec: corev1.PersistentVolumeClaimSpec{VolumeName: "host-root"}},
		"a/logs":    {ObjectMeta: metav1.ObjectMeta{Namespace: "a", Name: "logs"}, Spec: corev1.PersistentVolumeClaimSpec{VolumeName: "local-log"}},
		"a/nfs":     {ObjectMeta: metav1.ObjectMeta{Namespace: "a", Name: "nfs"}, Spec: corev1.PersistentVolumeClaimSpec{VolumeName: "nfs"}},
		"a/pending": {ObjectMeta: metav1.ObjectMeta{Namespace: "a", Name: "pending"}},
		"a/data":    {ObjectMeta: metav1.ObjectMeta{Namespace: "a", Name: "data"}, Spec: corev1.PersistentVolumeClaimSpec{VolumeName: "pvc-1234"}},
		"a/evil":    {ObjectMeta: metav1.ObjectMeta{Namespace: "a", Name: "evil"}, Spec: corev1.PersistentVolumeClaimSpec{VolumeName: "pvc-root"}},
		// The claim the ephemeral-volume controller made for pod q, which
		// the binder bound by its class to the node's root.
		"a/q-scratch": {ObjectMeta: metav1.ObjectMeta{Namespace: "a", Name: "q-scratch"}, Spec: corev1.PersistentVolumeClaimSpec{VolumeName: "host-root"}},
		"b/root":      {ObjectMeta: metav1.ObjectMeta{Namespace: "b", Name: "root"}, Spec: corev1.PersistentVolumeClaimSpec{VolumeName: "host-root"}},
	}
	view := podView{
		claim:  func(ns, name string) *corev1.PersistentVolumeClaim { return pvcs[ns+"/"+name] },
		volume: func(name string) *corev1.PersistentVolume { return pvs[name] },
	}
	claim := func(claimName string, readOnlyClaim, readOnlyMount bool) func(*corev1.Pod) {
		return func(p *corev1.Pod) {
			p.Spec.Volumes = append(p.Spec.Volumes, corev1.Volume{Name: "v", VolumeSource: corev1.VolumeSource{
				PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: claimName, ReadOnly: readOnlyClaim}}})
			p.Spec.Containers[0].VolumeMounts = append(p.Spec.Containers[0].VolumeMounts, corev1.VolumeMount{Name: "v", MountPath: "/v", ReadOnly: readOnlyMount})
		}
	}
	ephemeral := func(volume, class string) func(*corev1.Pod) {
		return func(p *corev1.Pod) {
			spec := corev1.PersistentVolumeClaimSpec{VolumeName: volume}
			if class != "" {
				spec.StorageClassName = &class
			}
			p.Spec.Volumes = append(p.Spec.Volumes, corev1.Volume{Name: "scratch", VolumeSource: corev1.VolumeSource{
				Ephemeral: &corev1.EphemeralVolumeSource{VolumeClaimTemplate: &corev1.PersistentVolumeClaimTemplate{Spec: spec}}}})
			p.Spec.Containers[0].VolumeMounts = append(p.Spec.Containers[0].VolumeMounts, corev1.VolumeMount{Name: "scratch", MountPath: "/scratch"})
		}
	}
	runCheck(t, persistentVolumesCheck, []checkCase{
		{name: "an ephemeral volume's claim naming the node's root", pod: newPod("a", "p", ephemeral("host-root", "")),
			want: []found{{Node, "spec.volumes[scratch].ephemeral.volumeClaimTemplate.spec.volumeName=host-root -> PersistentVolume/host-root hostPath.path=/ (writable)"}}},
		{name: "an ephemeral volume of a StorageClass", pod: newPod("a", "p", ephemeral("", "standard"))},
		{name: "an ephemeral volume whose claim was bound to the node's root", pod: newPod("a", "q", ephemeral("", "manual")),
			want: []found{{Node, "spec.volumes[scratch].ephemeral (claim q-scratch) -> PersistentVolume/host-root hostPath.path=/ (writable)"}}},
		{name: "hostPath PV", pod: newPod("a", "p", claim("root", false, false)),
			want: []found{{Node, "spec.volumes[v].persistentVolumeClaim.claimName=root -> PersistentVolume/host-root hostPath.path=/ (writable)"}}},
		{name: "local PV read-only claim", pod: newPod("a", "p", claim("logs", true, false)),
			want: []found{{Host, "spec.volumes[v].persistentVolumeClaim.claimName=logs -> PersistentVolume/local-log local.path=/var/log (read-only)"}}},
		{name: "local PV writable", pod: newPod("a", "p", claim("logs", false, false)),
			want: []found{{Node, "spec.volumes[v].persistentVolumeClaim.claimName=logs -> PersistentVolume/local-log local.path=/var/log (writable)"}}},
		{name: "local PV read-only mount", pod: newPod("a", "p", claim("logs", false, true)),
			want: []found{{Host, "spec.volumes[v].persistentVolumeClaim.claimName=logs -> PersistentVolume/local-log local.path=/var/log (read-only)"}}},
		{name: "hostPath PV read-only as a non-root user", pod: newPod("a", "p", claim("root", true, true), nodeExporter),
			want: []found{{Host, "spec.volumes[v].persistentVolumeClaim.claimName=root -> PersistentVolume/host-root hostPath.path=/ (read-only)"}}},
		{name: "hostPath PV read-only as root", pod: newPod("a", "p", claim("root", true, true)),
			want: []found{{Node, "spec.volumes[v].persistentVolumeClaim.claimName=root -> PersistentVolume/host-root hostPath.path=/ (read-only)"}}},
		{name: "network volume", pod: newPod("a", "p", claim("nfs", false, false))},
		{name: "a provisioner's hostPath volume", pod: newPod("a", "p", claim("data", false, false))},
		{name: "a provisioner's volume at the node's root", pod: newPod("a", "p", claim("evil", false, false)),
			want: []found{{Node, "spec.volumes[v].persistentVolumeClaim.claimName=evil -> PersistentVolume/pvc-root hostPath.path=/ (writable)"}}},
		{name: "unbound claim", pod: newPod("a", "p", claim("pending", false, false))},
		{name: "missing claim", pod: newPod("a", "p", claim("nope", false, false))},
		{name: "claim of another namespace", pod: newPod("c", "p", claim("root", false, false))},
	}, view)
}
