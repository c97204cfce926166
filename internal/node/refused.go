package node

import (
	"fmt"
	"sort"

	corev1 "k8s.io/api/core/v1"
	psaapi "k8s.io/pod-security-admission/api"
	"k8s.io/pod-security-admission/policy"

	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
)

/*
A pod that its namespace's Pod Security enforce level refuses is judged the
way the API server's admission would judge it, at the namespace's enforce
level and enforce-version, with the upstream evaluator:

  - a pod of a manifest or a controller's representative pod (no status)
    would never be created: it is left out of the snapshot before any
    engine runs (DropRefused), so that no engine draws network, node or
    token facts from it;
  - a live pod (with a status) exists: it was admitted before the label was
    set or changed, or by an exempt user or runtime class. It is kept and
    judged as it runs, and it is listed all the same: these are the pods
    `kubectl label --dry-run=server namespace ... enforce=LEVEL` warns
    about (the server lists them whatever their phase).

Namespaces without a Namespace object in the snapshot have unknown labels
and refuse nothing (the server's default is privileged).
*/

// RefusedNamespace lists the pods of one namespace that its Pod Security
// enforce level refuses (see snapshot.RefusedPods).
type RefusedNamespace = snapshot.RefusedPods

// Refused evaluates every pod of the snapshot at its namespace's enforce
// level and version, and lists per namespace, sorted, those it refuses.
func Refused(snap *snapshot.Snapshot) []RefusedNamespace {
	out, _ := refusedKnown(snap, nil)
	return out
}

// DropRefused removes from the snapshot the pods without a status (of
// manifests and controller templates) that their namespace's enforce level
// refuses, keeps the live ones, records what Refused returns in
// snap.PodSecurity and returns it. Call it after Normalize, before the
// engines run; a second call keeps the first list.
func DropRefused(snap *snapshot.Snapshot) []RefusedNamespace { return dropRefused(snap, nil) }

// dropRefused is DropRefused, with known as refusedKnown takes it.
func dropRefused(snap *snapshot.Snapshot, known func(*corev1.Pod) (refused, ok bool)) []RefusedNamespace {
	out, drop := refusedKnown(snap, known)
	if snap.PodSecurity == nil {
		snap.PodSecurity = out
	}
	if len(drop) == 0 {
		return out
	}
	// A new slice: a store's views share theirs.
	kept := make([]corev1.Pod, 0, len(snap.Pods)-len(drop))
	for i := range snap.Pods {
		if !drop[i] {
			kept = append(kept, snap.Pods[i])
		}
	}
	snap.Pods = kept
	return out
}

// DropRefusedSince is DropRefused of view, the snapshot prev became when
// some objects were applied or deleted, once DropRefused ran on prev. The
// pods of the namespaces dirty names are evaluated; those of every other
// namespace are prev's (dirty must name the namespaces of the pods, the
// workload controllers and the Namespaces changed), and are refused as
// prev's list says, without evaluating them again. That list is prev's
// own evaluation only when view has none yet: a view that carries one
// (a store's views carry the list of the snapshot the store was made
// from, which DropRefused keeps) is evaluated whole.
func DropRefusedSince(prev, view *snapshot.Snapshot, dirty map[string]bool) []RefusedNamespace {
	if prev == nil || prev.PodSecurity == nil || view.PodSecurity != nil {
		return DropRefused(view)
	}
	listed := make(map[string]map[string]bool, len(prev.PodSecurity)) // prev's refused pods by namespace
	for _, r := range prev.PodSecurity {
		listed[r.Namespace] = make(map[string]bool, len(r.Refused))
		for _, name := range r.Refused {
			listed[r.Namespace][name] = true
		}
	}
	return dropRefused(view, func(pod *corev1.Pod) (refused, ok bool) {
		if dirty[pod.Namespace] {
			return false, false
		}
		if names := listed[pod.Namespace]; names != nil {
			return names[refusedName(pod)], true
		}
		return false, true
	})
}

// refusedKnown returns the list and, by pod index, the refused pods that
// do not exist; known, when not nil, answers for the pods whose answer it
// knows (ok): only the others are evaluated.
func refusedKnown(snap *snapshot.Snapshot, known func(*corev1.Pod) (refused, ok bool)) ([]RefusedNamespace, map[int]bool) {
	ev, err := evaluator()
	if err != nil {
		panic(fmt.Sprintf("pod security evaluator: %v", err))
	}
	const (
		unknown = iota
		allowed
		refusedPod
	)
	answer := make([]uint8, len(snap.Pods))
	var need map[string]bool // the namespaces whose level is read; nil: every one
	if known != nil {
		need = map[string]bool{}
		for i := range snap.Pods {
			pod := &snap.Pods[i]
			switch r, ok := known(pod); {
			case !ok:
				need[pod.Namespace] = true
			case r:
				answer[i] = refusedPod
				need[pod.Namespace] = true // the list names the level
			default:
				answer[i] = allowed
			}
		}
	}
	enforce := map[string]psaapi.LevelVersion{}
	for i := range snap.Namespaces {
		ns := &snap.Namespaces[i]
		if _, seen := enforce[ns.Name]; seen || (need != nil && !need[ns.Name]) {
			continue
		}
		if p := namespacePolicy(ns.Name, ns.Labels); p.Enforces() {
			enforce[ns.Name] = p.Policy.Enforce
		}
	}
	// Each pod is evaluated on its own, on every core; what is refused is
	// gathered in pod order after.
	refusedAt := make([]bool, len(snap.Pods))
	parallel(len(snap.Pods), func(lo, hi int) {
		for i := lo; i < hi; i++ {
			if answer[i] != unknown {
				refusedAt[i] = answer[i] == refusedPod
				continue
			}
			pod := &snap.Pods[i]
			if lv, ok := enforce[pod.Namespace]; ok {
				refusedAt[i] = !policy.AggregateCheckResults(ev.EvaluatePod(lv, &pod.ObjectMeta, &pod.Spec)).Allowed
			}
		}
	})
	byNS := map[string]*RefusedNamespace{}
	drop := map[int]bool{}
	for i := range snap.Pods {
		if !refusedAt[i] {
			continue
		}
		pod := &snap.Pods[i]
		lv := enforce[pod.Namespace]
		r := byNS[pod.Namespace]
		if r == nil {
			r = &RefusedNamespace{Namespace: pod.Namespace, Level: string(lv.Level), Version: lv.Version.String()}
			byNS[pod.Namespace] = r
		}
		name := refusedName(pod)
		r.Refused = append(r.Refused, name)
		if isLive(pod) {
			r.Existing = append(r.Existing, name)
		} else {
			drop[i] = true
		}
	}
	out := make([]RefusedNamespace, 0, len(byNS))
	for _, r := range byNS {
		sort.Strings(r.Refused)
		sort.Strings(r.Existing)
		out = append(out, *r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Namespace < out[j].Namespace })
	return out, drop
}

// refusedName names a pod, or the controller a representative pod stands
// for.
func refusedName(p *corev1.Pod) string {
	if kind, name := snapshot.Workload(p); kind != "Pod" {
		return kind + "/" + name
	}
	return p.Name
}

// isLive reports whether a pod was read from a cluster: it has a status.
// Representative pods never are.
func isLive(p *corev1.Pod) bool {
	return p.Status.Phase != "" && !snapshot.IsSynthetic(p)
}
