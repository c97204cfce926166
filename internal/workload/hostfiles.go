package workload

import (
	"path"
	"strings"

	"github.com/bulkhead-dev/bulkhead/internal/finding"
)

// grade is what a node path gives a pod that mounts it.
type grade struct {
	reach    Reach
	severity finding.Severity
	reason   string
}

// hostTarget is a node path whose exposure is graded, read-only and
// writable. A mount of the path itself or of any directory above it gets
// the grade; with within set, so does a mount of anything below it.
type hostTarget struct {
	path   string
	within bool
	ro, rw grade
}

var (
	nodeRoot = grade{Node, finding.Critical, "root on the node"}
	// Unix sockets accept connections through a read-only mount: the
	// read-only flag guards files, not sockets.
	runtimeSocket = grade{Node, finding.Critical, "the container runtime's socket: starts a privileged container on the node"}
)

// hostTargets lists the node paths worth more than their disk space.
var hostTargets = []hostTarget{
	{path: "/", ro: grade{Node, finding.Critical, "the node's whole filesystem: the kubelet's credentials and every pod's secrets"}, rw: nodeRoot},
	{path: "/etc", ro: grade{Host, finding.High, "the node's configuration and password hashes"}, rw: grade{Node, finding.Critical, "writes the node's configuration (static pods, cron, sudoers): root on the node"}},
	{path: "/etc/kubernetes", within: true, ro: grade{Node, finding.Critical, "the node's kubeconfigs and, on control-plane nodes, the cluster's keys"}, rw: grade{Node, finding.Critical, "writes static pod manifests: root on the node"}},
	{path: "/var/lib/kubelet", within: true, ro: grade{Node, finding.Critical, "the kubelet's credentials and every pod's mounted secrets and tokens"}, rw: grade{Node, finding.Critical, "the kubelet's credentials and every pod's volumes, writable"}},
	{path: "/var/lib/etcd", within: true, ro: grade{Node, finding.Critical, "etcd's data: every secret of the cluster"}, rw: grade{Node, finding.Critical, "etcd's data: every secret of the cluster, writable"}},
	{path: "/var/run", ro: runtimeSocket, rw: runtimeSocket},
	{path: "/run", ro: runtimeSocket, rw: runtimeSocket},
	{path: "/var/run/docker.sock", within: true, ro: runtimeSocket, rw: runtimeSocket},
	{path: "/run/docker.sock", within: true, ro: runtimeSocket, rw: runtimeSocket},
	{path: "/var/run/containerd", within: true, ro: runtimeSocket, rw: runtimeSocket},
	{path: "/run/containerd", within: true, ro: runtimeSocket, rw: runtimeSocket},
	{path: "/var/run/crio", within: true, ro: runtimeSocket, rw: runtimeSocket},
	{path: "/run/crio", within: true, ro: runtimeSocket, rw: runtimeSocket},
	{path: "/var/run/cri-dockerd.sock", within: true, ro: runtimeSocket, rw: runtimeSocket},
	{path: "/run/k3s/containerd", within: true, ro: runtimeSocket, rw: runtimeSocket},
	{path: "/var/lib/docker", within: true, ro: grade{Host, finding.High, "every container's filesystem on the node"}, rw: grade{Node, finding.Critical, "every container's filesystem on the node, writable"}},
	{path: "/var/lib/containerd", within: true, ro: grade{Host, finding.High, "every container's filesystem on the node"}, rw: grade{Node, finding.Critical, "every container's filesystem on the node, writable"}},
	{path: "/var/lib/containers", within: true, ro: grade{Host, finding.High, "every container's filesystem on the node"}, rw: grade{Node, finding.Critical, "every container's filesystem on the node, writable"}},
	{path: "/proc", within: true, ro: grade{Host, finding.High, "the node's /proc: every process's command line and the kernel's settings"}, rw: grade{Node, finding.Critical, "writes kernel settings such as core_pattern: code execution on the node"}},
	{path: "/sys", within: true, ro: grade{Host, finding.Medium, "the node's /sys: hardware and kernel state"}, rw: grade{Node, finding.Critical, "writes /sys (uevent helper, cgroup release agent): code execution on the node"}},
	{path: "/dev", within: true, ro: grade{Host, finding.Medium, "the node's device nodes"}, rw: grade{Host, finding.High, "the node's device nodes, writable"}},
	{path: "/var/log", within: true, ro: grade{Host, finding.High, "every pod's logs on the node"}, rw: grade{Node, finding.Critical, "symlinks in /var/log make the kubelet serve any node file: reads the node's secrets"}},
	{path: "/root", within: true, ro: grade{Host, finding.High, "root's SSH keys and kubeconfigs on the node"}, rw: grade{Node, finding.Critical, "writes root's authorized_keys: root on the node"}},
	{path: "/home", within: true, ro: grade{Host, finding.High, "the node users' SSH keys and kubeconfigs"}, rw: grade{Node, finding.Critical, "writes the node users' authorized_keys"}},
}

// gradeHostPath grades a node path mounted read-only or writable: the
// worst grade of any sensitive target it holds or lies within; any other
// path is still the node's disk, shared with every pod that mounts it.
func gradeHostPath(p string, writable bool) grade {
	if p == "" || !strings.HasPrefix(p, "/") {
		return grade{}
	}
	p = path.Clean(p)
	best := grade{}
	for i := range hostTargets {
		t := &hostTargets[i]
		holds := isWithin(t.path, p)              // p is the target or a directory above it
		inside := t.within && isWithin(p, t.path) // p lies below a target that counts below
		if !holds && !inside {
			continue
		}
		g := t.ro
		if writable {
			g = t.rw
		}
		if g.reach > best.reach || (g.reach == best.reach && g.severity > best.severity) {
			best = g
		}
	}
	if best.reach != Contained {
		return best
	}
	if strings.HasSuffix(p, ".sock") {
		return grade{Host, finding.High, "a socket of the node: whatever serves it acts for the pod"}
	}
	if writable {
		return grade{Host, finding.Medium, "writes the node's disk, shared with any other pod that mounts the path"}
	}
	return grade{Weakens, finding.Low, "reads the node's files"}
}

// isWithin reports whether p is dir or lies below it.
func isWithin(p, dir string) bool {
	if dir == "/" {
		return true
	}
	return p == dir || strings.HasPrefix(p, dir+"/")
}
