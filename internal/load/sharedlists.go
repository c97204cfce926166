package load

import (
	"bytes"
	"maps"

	corev1 "k8s.io/api/core/v1"
)

// A cluster's containers ask for a handful of resource lists
// ({"cpu":"100m","memory":"128Mi"}) over and over, and a map of
// Quantities is the biggest thing decoding a pod allocates and the
// collector then walks, twice a container. The decoders of one batch
// hand out one map for each list as written: containers whose lists are
// written alike share it. A container's resources are read, never
// written, by the loader and the analysis; a snapshot whose objects are
// to be edited in place is copied first (see snapshot.Clone).

// sharedLists are the resource lists a batch decoded, by their JSON as
// written, apart for raw JSON (decodeCompact) and JSON as a fast path
// wrote it, which are checked differently.
type sharedLists [2]map[string]corev1.ResourceList

const (
	// sharedListMax is the longest list, as written, that is shared.
	sharedListMax = 256
	// sharedListsMax is how many lists a batch shares.
	sharedListsMax = 1 << 12
)

// lists returns the batch's shared resource lists; nil, none shared, on
// the reference path.
func (b *batch) lists() *sharedLists {
	if b.reference {
		return nil
	}
	if b.shared == nil {
		b.shared = new(sharedLists)
	}
	return b.shared
}

// decResourceList decodes a resource list as decMap does, into the map
// of a list written alike before when there is one. A list that is not a
// flat object, or longer than sharedListMax, is decoded anew.
func (d *tdec) decResourceList(v *corev1.ResourceList) bool {
	if d.lists == nil || d.at() != '{' {
		return decMap(d, v, (*tdec).dec_kresource_Quantity)
	}
	if *v != nil { // a second value for the field: merged into a map of its own
		*v = maps.Clone(*v)
		return decMap(d, v, (*tdec).dec_kresource_Quantity)
	}
	mode := 0
	if d.raw {
		mode = 1
	}
	start := d.pos
	// A flat list ends at its first '}'; one that does not (a '}' in a
	// string) ends elsewhere and is not shared.
	n := bytes.IndexByte(d.js[start:min(len(d.js), start+sharedListMax)], '}')
	if n < 0 {
		return decMap(d, v, (*tdec).dec_kresource_Quantity)
	}
	end := start + n + 1
	if m, ok := d.lists[mode][string(d.js[start:end])]; ok && (!d.raw || d.depth < maxDepth) {
		*v, d.pos = m, end
		return true
	}
	if !decMap(d, v, (*tdec).dec_kresource_Quantity) {
		return false
	}
	if d.pos == end && len(d.lists[mode]) < sharedListsMax {
		if d.lists[mode] == nil {
			d.lists[mode] = map[string]corev1.ResourceList{}
		}
		d.lists[mode][string(d.js[start:end])] = *v
	}
	return true
}
