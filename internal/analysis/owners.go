package analysis

import (
	"slices"

	"github.com/bulkhead-dev/bulkhead/internal/finding"
	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
)

// owners sets the Owner of the pods the findings name as subjects or
// objects: the workload a controller-made pod belongs to
// (Snapshot.Owners), which a fingerprint counts instead of the pod's name.
// A finding's refs are shared with the engine's result the facts keep
// (which other goroutines read, and a later report reuses): a list with
// an owner to set is copied first.
func owners(snap *snapshot.Snapshot, fs []finding.Finding) {
	var byPod map[[2]string]string // lazily: most reports name few pods
	set := func(refs []finding.Ref) []finding.Ref {
		copied := false
		for i := range refs {
			if refs[i].Kind != "Pod" || refs[i].Owner != "" {
				continue
			}
			if byPod == nil {
				byPod = podOwners(snap)
			}
			owner := byPod[[2]string{refs[i].Namespace, refs[i].Name}]
			if owner == "" {
				continue
			}
			if !copied {
				refs, copied = slices.Clone(refs), true
			}
			refs[i].Owner = owner
		}
		return refs
	}
	for i := range fs {
		fs[i].Subjects = set(fs[i].Subjects)
		fs[i].Objects = set(fs[i].Objects)
	}
}

// podOwners maps the pods a controller made, by namespace and name, to
// their workload as "Kind/name".
func podOwners(snap *snapshot.Snapshot) map[[2]string]string {
	out := map[[2]string]string{}
	if snap == nil {
		return out
	}
	owner := snap.Owners()
	for i := range snap.Pods {
		p := &snap.Pods[i]
		if kind, name := owner(p); kind != "Pod" {
			out[[2]string{p.Namespace, p.Name}] = kind + "/" + name
		}
	}
	return out
}
