package analysis

import (
	"github.com/bulkhead-dev/bulkhead/internal/finding"
	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
)

// owners sets the Owner of the pods the findings name as subjects or
// objects: the workload a controller-made pod belongs to
// (Snapshot.Owners), which a fingerprint counts instead of the pod's name.
func owners(snap *snapshot.Snapshot, fs []finding.Finding) {
	var byPod map[[2]string]string // lazily: most reports name few pods
	set := func(refs []finding.Ref) {
		for i := range refs {
			r := &refs[i]
			if r.Kind != "Pod" || r.Owner != "" {
				continue
			}
			if byPod == nil {
				byPod = podOwners(snap)
			}
			r.Owner = byPod[[2]string{r.Namespace, r.Name}]
		}
	}
	for i := range fs {
		set(fs[i].Subjects)
		set(fs[i].Objects)
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
