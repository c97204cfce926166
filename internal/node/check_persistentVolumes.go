package node

/*
A PersistentVolumeClaim bound to a hostPath or local PersistentVolume is a
hostPath by another name: Pod Security checks spec.volumes[*].hostPath and
does not follow claims, so baseline admits it. Whoever can create the
PersistentVolume (or finds one) chooses the node path.

	spec.volumes[*].persistentVolumeClaim.claimName
	  -> PersistentVolumeClaim.spec.volumeName
	  -> PersistentVolume.spec.hostPath.path | PersistentVolume.spec.local.path

Writable unless the mount, or the claim reference, is read-only; graded
per container as hostPath is, by who the container runs as. An
unbound claim, or one whose volume is not in the snapshot, exposes nothing
known.
*/
var persistentVolumesCheck = check{name: "persistentVolumes", evaluate: checkPersistentVolumes}

func checkPersistentVolumes(p *podView) []Escape {
	if p.claim == nil || p.volume == nil {
		return nil
	}
	var out []Escape
	for _, v := range p.pod.Spec.Volumes {
		if v.PersistentVolumeClaim == nil {
			continue
		}
		pvc := p.claim(p.pod.Namespace, v.PersistentVolumeClaim.ClaimName)
		if pvc == nil || pvc.Spec.VolumeName == "" {
			continue
		}
		pv := p.volume(pvc.Spec.VolumeName)
		if pv == nil {
			continue
		}
		var nodePath, kind string
		switch {
		case pv.Spec.HostPath != nil:
			nodePath, kind = pv.Spec.HostPath.Path, "hostPath"
		case pv.Spec.Local != nil:
			nodePath, kind = pv.Spec.Local.Path, "local"
		default:
			continue
		}
		g, m := p.gradeMount(v.Name, nodePath, v.PersistentVolumeClaim.ReadOnly)
		if !m.mounted || g.reach == Contained {
			continue
		}
		out = append(out, Escape{Check: "persistentVolumes", Reach: g.reach, Severity: g.severity, Admin: g.admin,
			Field: "spec.volumes[" + v.Name + "].persistentVolumeClaim.claimName=" + pvc.Name +
				" -> PersistentVolume/" + pv.Name + " " + kind + ".path=" + nodePath + m.String(),
			Reason: kind + " PersistentVolume " + pv.Name + " at " + nodePath + " " + g.reason})
	}
	return out
}
