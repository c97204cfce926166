package node

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/bulkhead-dev/bulkhead/internal/finding"
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

// Escape needs the power to use it: who the container runs as decides
// what a read-only mount gives it.
func TestCheckHostPathPower(t *testing.T) {
	f := func(path, mode string) string { return "spec.volumes[h].hostPath.path=" + path + " (" + mode + ")" }
	const ro, rw = "read-only", "writable"
	root := func(c *corev1.Container) { sc(c).RunAsUser = id(0) }
	imageGroup := func(p *corev1.Pod) { p.Spec.SecurityContext.RunAsGroup = nil }
	escalates := func(c *corev1.Container) { sc(c).AllowPrivilegeEscalation = nil }
	cases := []checkCase{
		{name: "node-exporter: read-only / as UID 65534", pod: newPod("a", "p", hostPathVolume("h", "/", true), nodeExporter), want: []found{{Host, f("/", ro)}}},
		{name: "node-exporter as UID 0", pod: newPod("a", "p", hostPathVolume("h", "/", true), nodeExporter, app(root)), want: []found{{Node, f("/", ro)}}},
		{name: "node-exporter writable", pod: newPod("a", "p", hostPathVolume("h", "/", false), nodeExporter), want: []found{{Node, f("/", rw)}}},
		{name: "node-exporter privileged", pod: newPod("a", "p", hostPathVolume("h", "/", true), nodeExporter, app(privileged)),
			want: []found{{Node, "spec.volumes[h].hostPath.path=/ (mounted read-only by a privileged container, which can remount it writable)"}}},
		{name: "group from the image may be 0", pod: newPod("a", "p", hostPathVolume("h", "/", true), nodeExporter, imageGroup), want: []found{{Host, f("/", ro)}}},
		{name: "privilege escalation allowed", pod: newPod("a", "p", hostPathVolume("h", "/", true), nodeExporter, app(escalates)), want: []found{{Host, f("/", ro)}}},
		{name: "group 0 opens the runtime socket", pod: newPod("a", "p", hostPathVolume("h", "/", true), nodeExporter, func(p *corev1.Pod) { p.Spec.SecurityContext.RunAsGroup = id(0) }),
			want: []found{{Node, f("/", ro)}}},
		{name: "runtime socket mounted to be used", pod: newPod("a", "p", hostPathVolume("h", "/run/containerd/containerd.sock", true), nodeExporter),
			want: []found{{Node, f("/run/containerd/containerd.sock", ro)}}},
		{name: "docker socket", pod: newPod("a", "p", hostPathVolume("h", "/var/run/docker.sock", false), nodeExporter), want: []found{{Node, f("/var/run/docker.sock", rw)}}},
		{name: "kubelet dir read-only as non-root", pod: newPod("a", "p", hostPathVolume("h", "/var/lib/kubelet/pods", true), nodeExporter), want: []found{{Host, f("/var/lib/kubelet/pods", ro)}}},
		{name: "var/log read-only as non-root", pod: newPod("a", "p", hostPathVolume("h", "/var/log", true), nodeExporter), want: []found{{Host, f("/var/log", ro)}}},
		{name: "var/run read-only as non-root", pod: newPod("a", "p", hostPathVolume("h", "/var/run", true), nodeExporter), want: []found{{Host, f("/var/run", ro)}}},
		{name: "a root sidecar reads what the non-root app cannot", pod: newPod("a", "p", hostPathVolume("h", "/", true), nodeExporter, func(p *corev1.Pod) {
			p.Spec.Containers = append(p.Spec.Containers, corev1.Container{Name: "side", SecurityContext: &corev1.SecurityContext{RunAsUser: id(0)},
				VolumeMounts: []corev1.VolumeMount{{Name: "h", MountPath: "/x", ReadOnly: true}}})
		}), want: []found{{Node, f("/", ro)}}},
	}
	runCheck(t, hostPathCheck, cases, podView{})
}

// The reason says as whom and why it is not an escape.
func TestCheckHostPathReason(t *testing.T) {
	pod := newPod("a", "p", hostPathVolume("h", "/", true), nodeExporter)
	es := checkHostPath(&podView{pod: &pod})
	if len(es) != 1 {
		t.Fatalf("got %d escapes, want 1", len(es))
	}
	for _, want := range []string{"read-only as UID 65534 in group 65534 with no capabilities", "0750 root:root", "not an escape"} {
		if !strings.Contains(es[0].Reason, want) {
			t.Errorf("reason %q lacks %q", es[0].Reason, want)
		}
	}
	if es[0].Severity != finding.Medium {
		t.Errorf("severity %s, want medium", es[0].Severity)
	}
}
