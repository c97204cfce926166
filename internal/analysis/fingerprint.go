package analysis

import (
	"crypto/sha256"
	"encoding/hex"
	"slices"

	"github.com/bulkhead-dev/bulkhead/internal/finding"
	"github.com/bulkhead-dev/bulkhead/internal/netpol"
)

// Fingerprint identifies a finding across runs, so that a baseline of
// accepted findings survives reruns and unrelated changes to the cluster:
// a hash of the check ID, the source and target tenants, and the subjects
// and objects the finding names, as a set; a pod a controller made counts
// as its workload (Ref.Owner), and the nodes a finding about pods names
// (where they run) do not count, so that a restart, a rollout or a
// reschedule, which replace the pod under another name or move it, leave
// the finding the same. Its wording, severity, witness
// and detail do not count, nor the order of its refs.
//
// Nor do the refs that are only an example, one of many equals the check
// picked to show the finding (exampleRules): a change that picks another
// example, such as a new pod or a policy that closes the first example's
// flow, leaves the finding the same. When the source is every tenant
// ("*"), the subject is only an example of one of them (the pod a network
// witness starts from) and does not count either: adding a tenant may
// change the example, not the finding.
func Fingerprint(f *finding.Finding) string {
	id := identityOf(f)
	placed := namesPods(f)
	var refs []string
	for _, r := range f.Subjects {
		if k, ok := id.part(r); ok && f.SourceTenant != "*" {
			refs = append(refs, "s\x00"+k)
		}
	}
	for _, r := range f.Objects {
		if r.Kind == "Node" && placed {
			continue // where the pods run now: a reschedule moves it
		}
		if k, ok := id.part(r); ok {
			refs = append(refs, "o\x00"+k)
		}
	}
	slices.Sort(refs)
	refs = slices.Compact(refs)
	h := sha256.New()
	for _, part := range append([]string{f.ID, f.SourceTenant, f.TargetTenant}, refs...) {
		h.Write([]byte(part))
		h.Write([]byte{0xff})
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// namesPods reports whether a finding names a pod or a workload
// controller: then the nodes it names are where those pods run or may
// run, not what the finding is about.
func namesPods(f *finding.Finding) bool {
	for _, refs := range [2][]finding.Ref{f.Subjects, f.Objects} {
		for _, r := range refs {
			if r.Kind == "Pod" || workloadKinds[r.Kind] {
				return true
			}
		}
	}
	return false
}

// identity says which of a finding's refs make it what it is.
type identity int

const (
	// everyRef: the subjects and objects are the finding (the binding,
	// the pod, the policy at fault).
	everyRef identity = iota
	// tenantsOnly: the refs are an example pod pair and the rules that let
	// it connect; the finding is the tenant pair itself (BH-NET-001).
	tenantsOnly
	// podByNamespace: a pod is one example of the namespace the finding is
	// about and counts as that namespace; the policies count
	// (BH-NET-006, BH-NET-007).
	podByNamespace
)

// exampleRules are the checks whose refs are in part examples.
var exampleRules = map[string]identity{
	netpol.IDCrossTenant: tenantsOnly,
	netpol.IDMetadata:    podByNamespace,
	netpol.IDDNSBlocked:  podByNamespace,
}

// TenantsOnly reports whether a check's findings are their tenant pair
// alone, their refs only examples (BH-NET-001): two of them with the same
// tenants are the same finding, whatever pods they show.
func TenantsOnly(id string) bool { return exampleRules[id] == tenantsOnly }

// identityOf returns the identity of f's check: everyRef unless
// exampleRules says otherwise.
func identityOf(f *finding.Finding) identity {
	if id, ok := exampleRules[f.ID]; ok {
		return id
	}
	return everyRef
}

// part returns what a subject or object ref adds to the fingerprint, if
// anything.
func (id identity) part(r finding.Ref) (string, bool) {
	switch id {
	case tenantsOnly:
		return "", false
	case podByNamespace:
		if r.Kind == "Pod" {
			return "pod of namespace\x00" + r.Namespace, true
		}
	}
	return ref(r), true
}

// ref is a ref's part of a fingerprint: a pod a controller made counts as
// its workload, which outlives the pod's name, and so does the
// controller a manifest's representative pod stands for (the same
// finding, on manifests and on the live cluster they were applied to).
func ref(r finding.Ref) string {
	switch {
	case r.Kind == "Pod" && r.Owner != "":
		return "workload\x00" + r.Namespace + "\x00" + r.Owner
	case workloadKinds[r.Kind]:
		return "workload\x00" + r.Namespace + "\x00" + r.Kind + "/" + r.Name
	}
	return r.Kind + "\x00" + r.Namespace + "\x00" + r.Name
}

// workloadKinds are the controllers whose pods findings name them for.
var workloadKinds = map[string]bool{"Deployment": true, "StatefulSet": true, "DaemonSet": true, "ReplicaSet": true,
	"ReplicationController": true, "Job": true, "CronJob": true}
