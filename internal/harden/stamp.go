package harden

import (
	"slices"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// stamp labels an object harden creates as harden's and annotates it with
// the findings it closes and why it is there.
func stamp(meta *metav1.ObjectMeta, closes []string, why string) {
	if meta.Labels == nil {
		meta.Labels = map[string]string{}
	}
	meta.Labels[ManagedByLabel] = ManagedBy
	note(meta, closes, why)
}

// note annotates an object harden changes but does not own (a
// Namespace's labels, the CoreDNS ConfigMap, a tenant's binding) with the
// findings the change closes and why, without claiming it: deleting what
// carries harden's label must never delete a namespace.
func note(meta *metav1.ObjectMeta, closes []string, why string) {
	if meta.Annotations == nil {
		meta.Annotations = map[string]string{}
	}
	ids := slices.Clone(closes)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	if len(ids) > 0 {
		meta.Annotations[ClosesAnnotation] = strings.Join(ids, ",")
	}
	if why != "" {
		meta.Annotations[ReasonAnnotation] = why
	}
}
