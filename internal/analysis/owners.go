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
	named := map[[2]string]string{} // the pods named, by namespace and name, to their workload
	for i := range fs {
		for _, refs := range [2][]finding.Ref{fs[i].Subjects, fs[i].Objects} {
			for _, r := range refs {
				if r.Kind == "Pod" && r.Owner == "" {
					named[[2]string{r.Namespace, r.Name}] = ""
				}
			}
		}
	}
	if len(named) == 0 {
		return
	}
	podOwners(snap, named)
	set := func(refs []finding.Ref) []finding.Ref {
		copied := false
		for i := range refs {
			if refs[i].Kind != "Pod" || refs[i].Owner != "" {
				continue
			}
			owner := named[[2]string{refs[i].Namespace, refs[i].Name}]
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

// podOwners sets the workload, as "Kind/name", of each pod of named
// (by namespace and name) that a controller made. Only the pods named
// are asked about: a big cluster has a hundred thousand, its findings
// name a few.
func podOwners(snap *snapshot.Snapshot, named map[[2]string]string) {
	if snap == nil {
		return
	}
	owner := snap.Owners()
	for i := range snap.Pods {
		p := &snap.Pods[i]
		k := [2]string{p.Namespace, p.Name}
		if _, ok := named[k]; !ok {
			continue
		}
		if kind, name := owner(p); kind != "Pod" {
			named[k] = kind + "/" + name
		}
	}
}
