package node

import (
	"path"
	"slices"
	"strings"

	"github.com/bulkhead-dev/bulkhead/internal/finding"
)

// grade is what a node path gives a pod that mounts it.
type grade struct {
	reach    Reach
	severity finding.Severity
	reason   string
	// admin is set when, on a control-plane node, the mount yields the
	// cluster's admin credentials or keys: root on the node, or a read
	// of /etc/kubernetes' admin kubeconfigs and pki (see Escape.Admin).
	admin bool
}

// hostTarget is a node path whose exposure is graded, read-only and
// writable. A mount of the path itself or of any directory above it gets
// the grade; with within set, so does a mount of anything below it.
type hostTarget struct {
	path   string
	within bool
	ro, rw grade
	// user is what a read-only mount gives a process that file
	// permissions bind (see power.go): the node's world-readable files.
	user grade
}

var (
	nodeRoot = grade{Node, finding.Critical, "root on the node", false}
	// Unix sockets accept connections through a read-only mount: the
	// read-only flag guards files, not sockets. A workload that mounts the
	// socket itself is built to use it, so its UID is taken to be let in
	// (the socket's group or mode).
	runtimeSocket = grade{Node, finding.Critical, "the container runtime's socket: starts a privileged container on the node", true}
	closed        = func(what string) grade { return grade{Host, finding.Low, what, false} }
	// runtimeDir is a directory above the runtime's socket: whoever the
	// socket's mode (0660 root) keeps out cannot use it.
	runtimeDir = closed("the node's runtime directory: the runtime's socket (0660 root) stays closed")
)

// hostTargets lists the node paths worth more than their disk space.
var hostTargets = []hostTarget{
	{path: "/", ro: grade{Node, finding.Critical, "the node's whole filesystem: the kubelet's credentials and every pod's secrets", false}, rw: nodeRoot,
		user: grade{Host, finding.Medium, "reads what the node lets any user read (configuration under /etc, process command lines under /proc); the kubelet's credentials (0600 root), other pods' tokens and secrets (below /var/lib/kubelet/pods, 0750 root:root) and the runtime's socket (0660 root) stay closed: not an escape", false}},
	{path: "/etc", ro: grade{Host, finding.High, "the node's configuration and password hashes", false}, rw: grade{Node, finding.Critical, "writes the node's configuration (static pods, cron, sudoers): root on the node", false},
		user: closed("reads the node's world-readable configuration; /etc/shadow and the kubeconfigs and keys of /etc/kubernetes are root-only")},
	{path: "/etc/kubernetes", within: true, ro: grade{Node, finding.Critical, "the node's kubeconfigs and, on control-plane nodes, the cluster's keys", false}, rw: grade{Node, finding.Critical, "writes static pod manifests: root on the node", false},
		user: closed("the node's Kubernetes configuration: its kubeconfigs, keys and static pod manifests are 0600 root and stay closed")},
	{path: "/var/lib/kubelet", within: true, ro: grade{Node, finding.Critical, "the kubelet's credentials and every pod's mounted secrets and tokens", false}, rw: grade{Node, finding.Critical, "the kubelet's credentials and every pod's volumes, writable", false},
		user: closed("the kubelet's directory is 0750 root:root: its credentials and every pod's tokens and secrets stay closed")},
	{path: "/var/lib/etcd", within: true, ro: grade{Node, finding.Critical, "etcd's data: every secret of the cluster", false}, rw: grade{Node, finding.Critical, "etcd's data: every secret of the cluster, writable", false},
		user: closed("etcd's data directory is 0700 root: closed")},
	{path: "/var/run", ro: runtimeSocket, rw: runtimeSocket, user: runtimeDir},
	{path: "/run", ro: runtimeSocket, rw: runtimeSocket, user: runtimeDir},
	{path: "/var/run/docker.sock", within: true, ro: runtimeSocket, rw: runtimeSocket, user: runtimeSocket},
	{path: "/run/docker.sock", within: true, ro: runtimeSocket, rw: runtimeSocket, user: runtimeSocket},
	{path: "/var/run/containerd", within: true, ro: runtimeSocket, rw: runtimeSocket, user: runtimeSocket},
	{path: "/run/containerd", within: true, ro: runtimeSocket, rw: runtimeSocket, user: runtimeSocket},
	{path: "/var/run/crio", within: true, ro: runtimeSocket, rw: runtimeSocket, user: runtimeSocket},
	{path: "/run/crio", within: true, ro: runtimeSocket, rw: runtimeSocket, user: runtimeSocket},
	{path: "/var/run/cri-dockerd.sock", within: true, ro: runtimeSocket, rw: runtimeSocket, user: runtimeSocket},
	{path: "/run/k3s/containerd", within: true, ro: runtimeSocket, rw: runtimeSocket, user: runtimeSocket},
	{path: "/var/lib/docker", within: true, ro: grade{Host, finding.High, "every container's filesystem on the node", false}, rw: grade{Node, finding.Critical, "every container's filesystem on the node, writable", false},
		user: closed("the runtime's data directory: container filesystems are root-only")},
	{path: "/var/lib/containerd", within: true, ro: grade{Host, finding.High, "every container's filesystem on the node", false}, rw: grade{Node, finding.Critical, "every container's filesystem on the node, writable", false},
		user: closed("the runtime's data directory: container filesystems are root-only")},
	{path: "/var/lib/containers", within: true, ro: grade{Host, finding.High, "every container's filesystem on the node", false}, rw: grade{Node, finding.Critical, "every container's filesystem on the node, writable", false},
		user: closed("the runtime's data directory: container filesystems are root-only")},
	{path: "/proc", within: true, ro: grade{Host, finding.High, "the node's /proc: every process's command line and the kernel's settings", false}, rw: grade{Node, finding.Critical, "writes kernel settings such as core_pattern: code execution on the node", false},
		user: grade{Host, finding.Medium, "the node's /proc: every process's command line (world-readable); their environments and memory stay closed", false}},
	{path: "/sys", within: true, ro: grade{Host, finding.Medium, "the node's /sys: hardware and kernel state", false}, rw: grade{Node, finding.Critical, "writes /sys (uevent helper, cgroup release agent): code execution on the node", false},
		user: grade{Host, finding.Medium, "the node's /sys: hardware and kernel state", false}},
	{path: "/dev", within: true, ro: grade{Host, finding.Medium, "the node's device nodes", false}, rw: grade{Host, finding.High, "the node's device nodes, writable", false},
		user: closed("the node's device nodes: disks and memory are root-only")},
	{path: "/var/log", within: true, ro: grade{Host, finding.High, "every pod's logs on the node", false}, rw: grade{Node, finding.Critical, "symlinks in /var/log make the kubelet serve any node file: reads the node's secrets", false},
		user: grade{Host, finding.Medium, "the node's world-readable logs; pod logs (0640 root) stay closed, and the symlink escape needs root to write /var/log/pods", false}},
	{path: "/root", within: true, ro: grade{Host, finding.High, "root's SSH keys and kubeconfigs on the node", false}, rw: grade{Node, finding.Critical, "writes root's authorized_keys: root on the node", false},
		user: closed("root's home is 0700 root: closed")},
	{path: "/home", within: true, ro: grade{Host, finding.High, "the node users' SSH keys and kubeconfigs", false}, rw: grade{Node, finding.Critical, "writes the node users' authorized_keys", false},
		user: closed("the node users' homes: their SSH keys and kubeconfigs are private to them")},
}

// gradeHostPath grades a node path mounted read-only or writable by a
// container with the given power: the worst grade of any sensitive target
// it holds or lies within; any other path is still the node's disk,
// shared with every pod that mounts it. File permissions bind a
// read-only mount of a non-root container; a writable mount of a
// sensitive target is graded an escape whoever writes.
func gradeHostPath(p string, writable bool, pw power) grade {
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
		u := t.user
		if u == runtimeSocket && p != t.path && !inside {
			u = runtimeDir // mounted for what is around the socket
		}
		g := targetGrade(t, u, writable, pw)
		g.admin = yieldsAdmin(t, u, g, p, writable, pw)
		if worse(g, best) || (!worse(best, g) && g.admin && !best.admin) {
			best = g
		}
	}
	if best.reach != Contained {
		return best
	}
	if strings.HasSuffix(p, ".sock") {
		return grade{Host, finding.High, "a socket of the node: whatever serves it acts for the pod", false}
	}
	if writable {
		return grade{Host, finding.Medium, "writes the node's disk, shared with any other pod that mounts the path", false}
	}
	return grade{Weakens, finding.Low, "reads the node's files", false}
}

// rootWritable are the targets whose write, as root, is root on the node
// (or code execution there): a writable mount of them as root yields, on a
// control-plane node, its admin credentials.
var rootWritable = []string{"/", "/etc", "/etc/kubernetes", "/proc", "/sys", "/root", "/var/log"}

// adminFiles are what, below /etc/kubernetes, holds the cluster's admin
// credentials and keys on a kubeadm control-plane node.
var adminFiles = []string{"/etc/kubernetes/admin.conf", "/etc/kubernetes/super-admin.conf", "/etc/kubernetes/pki"}

// yieldsAdmin reports whether a mount of node path p, graded g on target
// t (user is the target's grade for a user file permissions bind), yields on a control-plane node the cluster's admin credentials: a
// runtime's socket, which starts a privileged container; written as root
// where writing is root on the node; read as root, the whole filesystem or
// the admin kubeconfigs and keys. Not the kubelet's directory: its
// credentials are the node's, not the cluster's.
func yieldsAdmin(t *hostTarget, user, g grade, p string, writable bool, pw power) bool {
	switch {
	case g.reach != Node:
		return false
	case g.admin && (pw.level == asRoot || !writable && user.admin):
		// A runtime's socket, as root or read by the user it is mounted
		// for; not where file permissions keep the user from it.
		return true
	case pw.level != asRoot:
		return false
	case writable:
		return slices.Contains(rootWritable, t.path)
	case t.path == "/":
		return true
	case t.path == "/etc/kubernetes":
		return p == "/etc/kubernetes" || slices.ContainsFunc(adminFiles, func(f string) bool { return isWithin(p, f) })
	}
	return false
}

// targetGrade is one target's grade for a mount by a container of the
// given power, its reason saying as whom.
// user is what the mount gives a process that file permissions bind.
func targetGrade(t *hostTarget, user grade, writable bool, pw power) grade {
	switch {
	case writable && pw.level == asRoot:
		return with(t.rw, "writable as "+pw.who+": ")
	case writable:
		g := t.rw
		if g.reach == Node {
			g.reason += " (file permissions still bind " + pw.who + ", but write access to this part of the node is graded an escape)"
		}
		return with(g, "writable as "+pw.who+": ")
	case pw.level == asRoot:
		return with(t.ro, "read-only as "+pw.who+": ")
	case pw.level == asUser:
		return with(user, "read-only as "+pw.who+": ")
	}
	// mayBeRoot: what root would read, short of owning the node, unless
	// what any user reads is worse (a runtime socket mounted to be used).
	g := t.ro
	g.reason = "once root, " + g.reason
	if g.reach > Host || g.severity > finding.High {
		g.reach, g.severity = Host, finding.High
	}
	if !worse(g, user) {
		g = user
	}
	return with(g, "read-only as "+pw.who+" ("+pw.caveat+"): ")
}

// worse reports whether a is a worse grade than b.
func worse(a, b grade) bool {
	return a.reach > b.reach || (a.reach == b.reach && a.severity > b.severity)
}

func with(g grade, prefix string) grade {
	g.reason = prefix + g.reason
	return g
}

// isWithin reports whether p is dir or lies below it.
func isWithin(p, dir string) bool {
	if dir == "/" {
		return true
	}
	return p == dir || strings.HasPrefix(p, dir+"/")
}
