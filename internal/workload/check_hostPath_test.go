package workload

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
)

func TestCheckHostPath(t *testing.T) {
	f := func(path, mode string) string { return "spec.volumes[h].hostPath.path=" + path + " (" + mode + ")" }
	const ro, rw = "read-only", "writable"
	cases := []checkCase{
		{name: "no hostPath", pod: newPod("a", "p")},
		{name: "root read-only", pod: newPod("a", "p", hostPathVolume("h", "/", true)), want: []found{{Node, f("/", ro)}}},
		{name: "root read-only, privileged", pod: newPod("a", "p", hostPathVolume("h", "/", true), app(privileged)),
			want: []found{{Node, "spec.volumes[h].hostPath.path=/ (mounted read-only by a privileged container, which can remount it writable)"}}},
		{name: "etc read-only holds /etc/kubernetes", pod: newPod("a", "p", hostPathVolume("h", "/etc", true)), want: []found{{Node, f("/etc", ro)}}},
		{name: "a file below etc", pod: newPod("a", "p", hostPathVolume("h", "/etc/shadow", true)), want: []found{{Weakens, f("/etc/shadow", ro)}}},
		{name: "etc writable", pod: newPod("a", "p", hostPathVolume("h", "/etc", false)), want: []found{{Node, f("/etc", rw)}}},
		{name: "etc/kubernetes read-only", pod: newPod("a", "p", hostPathVolume("h", "/etc/kubernetes/pki", true)), want: []found{{Node, f("/etc/kubernetes/pki", ro)}}},
		{name: "below etc, harmless", pod: newPod("a", "p", hostPathVolume("h", "/etc/ssl/certs", true)), want: []found{{Weakens, f("/etc/ssl/certs", ro)}}},
		{name: "kubelet dir read-only", pod: newPod("a", "p", hostPathVolume("h", "/var/lib/kubelet/pods", true)), want: []found{{Node, f("/var/lib/kubelet/pods", ro)}}},
		{name: "ancestor of the kubelet dir", pod: newPod("a", "p", hostPathVolume("h", "/var/lib/", true)), want: []found{{Node, f("/var/lib/", ro)}}},
		{name: "containerd socket read-only", pod: newPod("a", "p", hostPathVolume("h", "/run/containerd/containerd.sock", true)), want: []found{{Node, f("/run/containerd/containerd.sock", ro)}}},
		{name: "docker socket", pod: newPod("a", "p", hostPathVolume("h", "/var/run/docker.sock", false)), want: []found{{Node, f("/var/run/docker.sock", rw)}}},
		{name: "var/run", pod: newPod("a", "p", hostPathVolume("h", "/var/run", true)), want: []found{{Node, f("/var/run", ro)}}},
		{name: "xtables lock is not a runtime socket", pod: newPod("a", "p", hostPathVolume("h", "/run/xtables.lock", false)), want: []found{{Host, f("/run/xtables.lock", rw)}}},
		{name: "other socket", pod: newPod("a", "p", hostPathVolume("h", "/tmp/agent.sock", true)), want: []found{{Host, f("/tmp/agent.sock", ro)}}},
		{name: "proc read-only", pod: newPod("a", "p", hostPathVolume("h", "/proc", true)), want: []found{{Host, f("/proc", ro)}}},
		{name: "proc writable", pod: newPod("a", "p", hostPathVolume("h", "/proc/sys", false)), want: []found{{Node, f("/proc/sys", rw)}}},
		{name: "sys writable", pod: newPod("a", "p", hostPathVolume("h", "/sys", false)), want: []found{{Node, f("/sys", rw)}}},
		{name: "var/log read-only", pod: newPod("a", "p", hostPathVolume("h", "/var/log", true)), want: []found{{Host, f("/var/log", ro)}}},
		{name: "var/log writable", pod: newPod("a", "p", hostPathVolume("h", "/var/log/pods", false)), want: []found{{Node, f("/var/log/pods", rw)}}},
		{name: "root's home writable", pod: newPod("a", "p", hostPathVolume("h", "/root", false)), want: []found{{Node, f("/root", rw)}}},
		{name: "home read-only", pod: newPod("a", "p", hostPathVolume("h", "/home/user", true)), want: []found{{Host, f("/home/user", ro)}}},
		{name: "other path writable", pod: newPod("a", "p", hostPathVolume("h", "/data", false)), want: []found{{Host, f("/data", rw)}}},
		{name: "other path read-only", pod: newPod("a", "p", hostPathVolume("h", "/data", true)), want: []found{{Weakens, f("/data", ro)}}},
		{name: "unclean path", pod: newPod("a", "p", hostPathVolume("h", "/var/../etc//", false)), want: []found{{Node, f("/var/../etc//", rw)}}},
		{name: "not mounted", pod: newPod("a", "p", func(p *corev1.Pod) {
			p.Spec.Volumes = append(p.Spec.Volumes, corev1.Volume{Name: "h", VolumeSource: corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: "/"}}})
		})},
		{name: "writable in one container of two", pod: newPod("a", "p", hostPathVolume("h", "/etc", true), func(p *corev1.Pod) {
			p.Spec.Containers = append(p.Spec.Containers, corev1.Container{Name: "side", VolumeMounts: []corev1.VolumeMount{{Name: "h", MountPath: "/x"}}})
		}), want: []found{{Node, f("/etc", rw)}}},
	}
	runCheck(t, hostPathCheck, cases, podView{})
}
