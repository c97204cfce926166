package workload

/*
A hostPath volume is a directory of the node inside the container. What it
exposes depends on the path (see hostTargets) and on whether any container
mounts it writable; a privileged container can remount a read-only mount,
so its mounts count as writable.

	spec.volumes[*].hostPath.path
	spec.*containers[*].volumeMounts[*].readOnly
*/
var hostPathCheck = check{name: "hostPath", evaluate: checkHostPath}

func checkHostPath(p *podView) []Escape {
	var out []Escape
	for _, v := range p.pod.Spec.Volumes {
		if v.HostPath == nil {
			continue
		}
		m := p.mountedAs(v.Name)
		if !m.mounted {
			continue
		}
		g := gradeHostPath(v.HostPath.Path, m.writable)
		if g.reach == Contained {
			continue
		}
		out = append(out, Escape{Check: "hostPath", Reach: g.reach, Severity: g.severity,
			Field:  "spec.volumes[" + v.Name + "].hostPath.path=" + v.HostPath.Path + m.String(),
			Reason: "hostPath " + v.HostPath.Path + ": " + g.reason})
	}
	return out
}

// mount says how the containers of a pod mount a volume.
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

// mountedAs reports whether any container mounts the volume, and whether
// any mounts it writable (or is privileged, and so can remount it).
func (p *podView) mountedAs(volume string) mount {
	var m mount
	rw, priv := false, false
	for _, c := range p.containers() {
		for _, vm := range c.c.VolumeMounts {
			if vm.Name != volume {
				continue
			}
			m.mounted = true
			if !vm.ReadOnly {
				rw = true
			} else if isPrivileged(c.c) {
				priv = true
			}
		}
		for _, d := range c.c.VolumeDevices {
			if d.Name == volume {
				m.mounted, rw = true, true
			}
		}
	}
	m.writable = rw || priv
	m.remount = !rw && priv
	return m
}
