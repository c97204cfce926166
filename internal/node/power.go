package node

import (
	"fmt"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

/*
What a container does with the node files it mounts depends on who its
processes run as, not only on what is mounted. The node's secrets are
root's files: the kubelet keeps /var/lib/kubelet and /var/lib/kubelet/pods
0750 root:root (so other pods' projected tokens and secret volumes below
them are out of reach whatever their own mode), its kubeconfig and client
keys 0600 root; /etc/shadow and /etc/kubernetes/pki are root-only; the
runtime's socket is 0660 root:root (docker's root:docker); pod logs are
0640 root. A process opens them when it runs as UID 0 (their owner), in
group 0 (their group), or with DAC_OVERRIDE or DAC_READ_SEARCH in its
effective set.

	spec.securityContext.runAsUser, runAsGroup, runAsNonRoot, fsGroup, supplementalGroups
	spec.*containers[*].securityContext.runAsUser, runAsGroup, runAsNonRoot
	spec.*containers[*].securityContext.allowPrivilegeEscalation
	spec.*containers[*].securityContext.privileged

- User: the container's runAsUser, else the pod's. Without either the
  image decides: root, unless runAsNonRoot is set (the kubelet then
  refuses to start UID 0).
- Group: runAsGroup of the container or the pod, plus fsGroup and
  supplementalGroups. Without runAsGroup the runtime takes the group of
  the UID's entry in the image's /etc/passwd, and GID 0 when the image has
  none: unknown, so possibly 0.
- Capabilities: Kubernetes sets no ambient capabilities, so a non-root
  process starts with none, whatever capabilities.add says. It gains them,
  and UID 0, only by executing a setuid or file-capability binary of its
  image, which allowPrivilegeEscalation: false (no_new_privs) forbids.
*/

// authority is how far file permissions bind a container's processes.
type authority int

const (
	// asUser: a non-root UID outside group 0 that cannot gain root; the
	// node's root-only files stay closed.
	asUser authority = iota
	// mayBeRoot: non-root now, but possibly in group 0 or able to become
	// UID 0 through a binary of its image.
	mayBeRoot
	// asRoot: UID 0, group 0 or privileged: the node's files are open.
	asRoot
)

// power is who a container runs as, for grading what it mounts.
type power struct {
	level authority
	// who says it in a few words: "UID 65534 in group 65534, no
	// privilege escalation".
	who string
	// caveat says, for mayBeRoot, how it may become root.
	caveat string
}

// strongestPower returns the most powerful identity among a pod's
// containers (init containers included): what the pod as a whole may do.
func strongestPower(pod *corev1.Pod) power {
	best := power{level: -1}
	for _, cs := range [][]corev1.Container{pod.Spec.InitContainers, pod.Spec.Containers} {
		for i := range cs {
			if pw := containerPower(pod, &cs[i]); pw.level > best.level {
				best = pw
			}
		}
	}
	if best.level < 0 {
		return power{level: asRoot, who: "no container"}
	}
	return best
}

// containerPower reads the identity a container runs with.
func containerPower(pod *corev1.Pod, c *corev1.Container) power {
	if isPrivileged(c) {
		return power{level: asRoot, who: "a privileged container"}
	}
	psc := pod.Spec.SecurityContext
	if psc == nil {
		psc = &corev1.PodSecurityContext{}
	}
	csc := c.SecurityContext
	if csc == nil {
		csc = &corev1.SecurityContext{}
	}
	uid := firstInt64(csc.RunAsUser, psc.RunAsUser)
	nonRoot := firstBool(csc.RunAsNonRoot, psc.RunAsNonRoot)
	switch {
	case uid != nil && *uid == 0:
		return power{level: asRoot, who: "UID 0"}
	case uid == nil && (nonRoot == nil || !*nonRoot):
		return power{level: asRoot, who: "the image's user (root unless the image says otherwise: no runAsUser or runAsNonRoot)"}
	}
	who := "a non-root UID (runAsNonRoot)"
	if uid != nil {
		who = fmt.Sprintf("UID %d", *uid)
	}
	gid := firstInt64(csc.RunAsGroup, psc.RunAsGroup)
	rootGroup := gid != nil && *gid == 0
	if psc.FSGroup != nil && *psc.FSGroup == 0 || slices.Contains(psc.SupplementalGroups, 0) {
		rootGroup = true
	}
	if rootGroup {
		return power{level: asRoot, who: who + " in group 0"}
	}
	var caveats []string
	if gid == nil {
		caveats = append(caveats, "without runAsGroup its group comes from the image, GID 0 when the image does not name the UID")
	} else {
		who += fmt.Sprintf(" in group %d", *gid)
	}
	if e := csc.AllowPrivilegeEscalation; e == nil || *e {
		caveats = append(caveats, "allowPrivilegeEscalation is not false: a setuid binary of its image would make it UID 0")
	} else if drops(c, "ALL") {
		who += " with no capabilities"
	} else {
		who += ", no privilege escalation"
	}
	if len(caveats) > 0 {
		return power{level: mayBeRoot, who: who, caveat: strings.Join(caveats, "; ")}
	}
	return power{level: asUser, who: who}
}

// nonRootLocked reports whether the container runs as a non-root UID that
// can never gain a capability: allowPrivilegeEscalation false, and no
// privileged flag.
func nonRootLocked(pod *corev1.Pod, c *corev1.Container) bool {
	if containerPower(pod, c).level == asRoot {
		return false
	}
	e := c.SecurityContext
	return e != nil && e.AllowPrivilegeEscalation != nil && !*e.AllowPrivilegeEscalation
}

func firstInt64(ps ...*int64) *int64 {
	for _, p := range ps {
		if p != nil {
			return p
		}
	}
	return nil
}

func firstBool(ps ...*bool) *bool {
	for _, p := range ps {
		if p != nil {
			return p
		}
	}
	return nil
}
