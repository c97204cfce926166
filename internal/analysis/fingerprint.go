package analysis

import (
	"crypto/sha256"
	"encoding/hex"
	"slices"

	"github.com/bulkhead-dev/bulkhead/internal/finding"
)

// Fingerprint identifies a finding across runs, so that a baseline of
// accepted findings survives reruns and unrelated changes to the cluster:
// a hash of the check ID, the source and target tenants, and the subjects
// and objects the finding names, as a set. Its wording, severity, witness
// and detail do not count, nor the order of its refs.
//
// When the source is every tenant ("*"), the subject is only an example of
// one of them (the pod a network witness starts from) and does not count
// either: adding a tenant may change the example, not the finding.
func Fingerprint(f *finding.Finding) string {
	var refs []string
	if f.SourceTenant != "*" {
		for _, r := range f.Subjects {
			refs = append(refs, "s\x00"+ref(r))
		}
	}
	for _, r := range f.Objects {
		refs = append(refs, "o\x00"+ref(r))
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

func ref(r finding.Ref) string { return r.Kind + "\x00" + r.Namespace + "\x00" + r.Name }
