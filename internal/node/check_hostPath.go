package node

import corev1 "k8s.io/api/core/v1"

/*
A hostPath volume is a directory of the node inside the container. What it
exposes depends on the path (see hostTargets), on whether the container
mounts it writable, and on who the container runs as (see power.go): a
read-only mount of / by a non-root UID outside group 0 that cannot gain
root reads only what the node lets any user read. A privileged container
can remount a read-only mount, so its mounts count as writable. Each
container that mounts the volume is graded; the worst counts.

	spec.volumes[*].hostPath.path
	spec.*containers[*].volumeMounts[*].readOnly
	spec.*containers[*].securityContext (runAsUser, runAsGroup, runAsNonRoot,
	  allowPrivilegeEscalation, privileged), spec.securityContext
*/
var hostPathCheck = check{name: "hostPath", evaluate: checkHostPath}

func checkHostPath(p *podView) []Escape {
	var out []Escape
	for _, v := range p.pod.Spec.Volumes {
		if v.HostPath == nil {
			continue
		}
		g, m := p.gradeMount(v.Name, v.HostPath.Path, false)
		if !m.mounted || g.reach == Contained {
			continue
		}
		out = append(out, Escape{Check: "hostPath", Reach: g.reach, Severity: g.severity, Admin: g.admin,
			Field:  "spec.volumes[" + v.Name + "].hostPath.path=" + v.HostPath.Path + m.String(),
			Reason: "hostPath " + v.HostPath.Path + " " + g.reason})
	}
	return out
}

// mount says how a container of a pod mounts a volume.
type mount struct {
	mounted, writable bool
	// remount is set when the volume is writable only because a
	// privileged container mounts it read-only and can remount it.
	remount bool
}

func (m mount) String() string {
	switch {
	case m.remount:
		return " (mounted read-only by a privileged container, which can remount it writable)"
	case m.writable:
		return " (writable)"
	}
	return " (read-only)"
}

// gradeMount grades the node path behind a volume for every container
// that mounts it, and returns the worst grade with how that container
// mounts it (the writable mount among equal grades). readOnly forces every mount read-only (a claim's readOnly).
func (p *podView) gradeMount(volume, nodePath string, readOnly bool) (grade, mount) {
	var best grade
	var bestMount mount
	for _, c := range p.containers() {
		m := mountOf(c.c, volume)
		if !m.mounted {
			continue
		}
		if readOnly {
			m.writable, m.remount = false, false
		}
		g := gradeHostPath(nodePath, m.writable, containerPower(p.pod, c.c))
		if !bestMount.mounted || worse(g, best) || (!worse(best, g) && m.writable && !bestMount.writable) {
			best, bestMount = g, m
		}
	}
	return best, bestMount
}

// mountOf says how a container mounts a volume: a read-only mount in a
// privileged container counts as writable, since it can remount it.
func mountOf(c *corev1.Container, volume string) mount {
	var m mount
	rw := false
	for _, vm := range c.VolumeMounts {
		if vm.Name == volume {
			m.mounted = true
			rw = rw || !vm.ReadOnly
		}
	}
	for _, d := range c.VolumeDevices {
		if d.Name == volume {
			m.mounted, rw = true, true
		}
	}
	m.writable = m.mounted && (rw || isPrivileged(c))
	m.remount = m.mounted && !rw && isPrivileged(c)
	return m
}
