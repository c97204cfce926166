package node

import (
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	psaapi "k8s.io/pod-security-admission/api"
)

/*
A PersistentVolumeClaim bound to a hostPath or local PersistentVolume is a
hostPath by another name: Pod Security checks spec.volumes[*].hostPath and
does not follow claims, so baseline admits it. Whoever can create the
PersistentVolume (or finds one) chooses the node path.

	spec.volumes[*].persistentVolumeClaim.claimName
	  -> PersistentVolumeClaim.spec.volumeName
	  (or spec.volumes[*].ephemeral.volumeClaimTemplate.spec.volumeName,
	  the claim the ephemeral-volume controller will make)
	  -> PersistentVolume.spec.hostPath.path | PersistentVolume.spec.local.path

Writable unless the mount, or the claim reference, is read-only; graded
per container as hostPath is, by who the container runs as. An
unbound claim, one whose volume is not in the snapshot, or one a dynamic
provisioner bound (its volume annotated pv.kubernetes.io/provisioned-by),
exposes nothing known.
*/
var persistentVolumesCheck = check{name: "persistentVolumes", evaluate: checkPersistentVolumes}

// provisionedBy marks a PersistentVolume a dynamic provisioner made for a
// claim (kind's and k3s's local-path, a CSI hostpath driver): its path is
// a directory the provisioner chose for that claim alone, not a node path
// anyone picked, so it is no way out of the container, unless the path is
// one that makes its writer root on the node (/, /etc, ...).
const provisionedBy = "pv.kubernetes.io/provisioned-by"

func checkPersistentVolumes(p *podView) []Escape {
	if p.claim == nil || p.volume == nil {
		return nil
	}
	var out []Escape
	for _, v := range p.pod.Spec.Volumes {
		var pvc *corev1.PersistentVolumeClaim
		var readOnly bool
		field := "spec.volumes[" + v.Name + "]."
		switch {
		case v.PersistentVolumeClaim != nil:
			pvc, readOnly = p.claim(p.pod.Namespace, v.PersistentVolumeClaim.ClaimName), v.PersistentVolumeClaim.ReadOnly
			field += "persistentVolumeClaim.claimName=" + v.PersistentVolumeClaim.ClaimName
		case v.Ephemeral != nil && v.Ephemeral.VolumeClaimTemplate != nil:
			// The claim the ephemeral-volume controller made for the pod,
			// bound as the cluster bound it; or, not made yet, the one it
			// will make, by the template.
			name := p.pod.Name + "-" + v.Name
			if pvc = p.claim(p.pod.Namespace, name); pvc != nil {
				field += "ephemeral (claim " + name + ")"
			} else {
				pvc = &corev1.PersistentVolumeClaim{ObjectMeta: metav1.ObjectMeta{Namespace: p.pod.Namespace, Name: name},
					Spec: v.Ephemeral.VolumeClaimTemplate.Spec}
				field += "ephemeral.volumeClaimTemplate.spec.volumeName=" + pvc.Spec.VolumeName
			}
		}
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
		g, m := p.gradeMount(v.Name, nodePath, readOnly)
		if !m.mounted || g.reach == Contained || pv.Annotations[provisionedBy] != "" && g.reach < Node {
			// A provisioner's volume is a directory it made for this
			// claim: only a path that is the node's own counts.
			continue
		}
		out = append(out, Escape{Check: "persistentVolumes", Reach: g.reach, Severity: g.severity, Admin: g.admin,
			Field:  field + " -> PersistentVolume/" + pv.Name + " " + kind + ".path=" + nodePath + m.String(),
			Reason: kind + " PersistentVolume " + pv.Name + " at " + nodePath + " " + g.reason})
	}
	return out
}

// Claim judges a PersistentVolumeClaim by what the pods of its namespace
// could do with it: a pod mounting it, as the worst the namespace admits
// (root, or a non-root user where it enforces restricted). A claim bound
// (spec.volumeName) to a hostPath or local PersistentVolume gives its
// tenant that path on the node, for any pod to mount, whatever Pod
// Security enforces; so does an unbound claim the PV controller may bind
// to one (Bindable). The escapes name the claim's fields. Nothing when the
// claim names no volume it may get, or one not in the snapshot.
func (j *Judge) Claim(pvc *corev1.PersistentVolumeClaim) []Escape {
	field := "spec.volumeName=" + pvc.Spec.VolumeName
	names := []string{pvc.Spec.VolumeName}
	if pvc.Spec.VolumeName == "" {
		names = j.Bindable(pvc)
		field = "spec.volumeName unset, bindable"
	}
	var out []Escape
	for _, name := range names {
		bound := pvc.DeepCopy()
		bound.Spec.VolumeName = name
		for _, e := range j.claimed(bound) {
			_, rest, _ := strings.Cut(e.Field, " -> ")
			e.Field = field + " -> " + rest
			out = append(out, e)
		}
	}
	return out
}

// Bindable lists, sorted, the volumes the PV controller may bind an
// unbound claim to: one reserved for it (its claimRef names the claim),
// and the available ones (no claimRef) of the claim's class, access modes,
// size and selector. A claim naming no class is taken to bind volumes of
// none: the API server gives it the default class before the webhook
// sees it, and where there is no default class, that is what it binds. A
// Released or Failed volume is bound to no new claim.
func (j *Judge) Bindable(pvc *corev1.PersistentVolumeClaim) []string {
	var out []string
	class := claimClass(pvc)
	for name, pv := range j.volumes {
		if pv.Status.Phase == corev1.VolumeReleased || pv.Status.Phase == corev1.VolumeFailed {
			continue // kept for the claim it had, bound to no other
		}
		if ref := pv.Spec.ClaimRef; ref != nil {
			if ref.Namespace == pvc.Namespace && ref.Name == pvc.Name && (ref.UID == "" || pvc.UID == "" || ref.UID == pvc.UID) {
				out = append(out, name)
			}
			continue
		}
		if volumeClass(pv) == class && fits(pv, pvc) {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}

// betaClass is the annotation the PV controller reads a class from before
// spec.storageClassName, on claims and volumes alike.
const betaClass = "volume.beta.kubernetes.io/storage-class"

// claimClass is the class a claim asks, as the PV controller reads it: ""
// for none, which where no default class is set binds volumes of none.
func claimClass(pvc *corev1.PersistentVolumeClaim) string {
	if c, ok := pvc.Annotations[betaClass]; ok {
		return c
	}
	if pvc.Spec.StorageClassName != nil {
		return *pvc.Spec.StorageClassName
	}
	return ""
}

// volumeClass is a volume's class, as the PV controller reads it.
func volumeClass(pv *corev1.PersistentVolume) string {
	if c, ok := pv.Annotations[betaClass]; ok {
		return c
	}
	return pv.Spec.StorageClassName
}

// fits reports whether a volume offers what a claim asks: its access
// modes, its size, its selector's labels.
func fits(pv *corev1.PersistentVolume, pvc *corev1.PersistentVolumeClaim) bool {
	for _, m := range pvc.Spec.AccessModes {
		if !slices.Contains(pv.Spec.AccessModes, m) {
			return false
		}
	}
	if want, ok := pvc.Spec.Resources.Requests[corev1.ResourceStorage]; ok {
		if have, ok := pv.Spec.Capacity[corev1.ResourceStorage]; !ok || have.Cmp(want) < 0 {
			return false
		}
	}
	if pvc.Spec.Selector != nil {
		sel, err := metav1.LabelSelectorAsSelector(pvc.Spec.Selector)
		if err != nil || !sel.Matches(labels.Set(pv.Labels)) {
			return false
		}
	}
	return true
}

// claimed judges a claim bound to its volumeName, mounted by the worst pod
// its namespace admits.
func (j *Judge) claimed(pvc *corev1.PersistentVolumeClaim) []Escape {
	user := int64(0)
	c := corev1.Container{Name: "any", Image: "any", VolumeMounts: []corev1.VolumeMount{{Name: "claim", MountPath: "/claim"}},
		SecurityContext: &corev1.SecurityContext{RunAsUser: &user}}
	if j.Namespace(pvc.Namespace).Policy.Enforce.Level == psaapi.LevelRestricted {
		nonRoot, id := true, int64(65534)
		c.SecurityContext = &corev1.SecurityContext{RunAsNonRoot: &nonRoot, RunAsUser: &id}
	}
	probe := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: pvc.Namespace, Name: pvc.Name},
		Spec: corev1.PodSpec{Containers: []corev1.Container{c}, Volumes: []corev1.Volume{{Name: "claim",
			VolumeSource: corev1.VolumeSource{PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: pvc.Name}}}}}}
	view := j.view()
	view.pod = probe
	view.claim = func(ns, name string) *corev1.PersistentVolumeClaim {
		if ns == pvc.Namespace && name == pvc.Name {
			return pvc
		}
		return nil
	}
	return checkPersistentVolumes(&view)
}
