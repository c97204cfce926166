package snapshot

import (
	"maps"
	"slices"
)

// Clone returns a snapshot sharing s's objects without copying them: each
// kind's slice is shared with its capacity cut to its length, so that Add
// on either snapshot copies that slice before appending and never writes
// where the other reads. The objects themselves are shared: changing one
// in place (as Normalize does) changes it in both, so a clone to be
// normalised or edited in place needs a copy of the objects it changes.
func (s *Snapshot) Clone() *Snapshot {
	c := &Snapshot{
		Source:          s.Source,
		Unknown:         maps.Clone(s.Unknown),
		Problems:        slices.Clip(s.Problems),
		Warnings:        slices.Clip(s.Warnings),
		Gaps:            slices.Clip(s.Gaps),
		Assumed:         s.Assumed,
		CustomResources: slices.Clip(s.CustomResources),
		PodSecurity:     slices.Clip(s.PodSecurity),
		Origins:         s.Origins, // read-only once loaded
	}
	for _, k := range Kinds {
		k.ops.share(c, s)
	}
	return c
}
