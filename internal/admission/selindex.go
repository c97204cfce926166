package admission

import (
	"slices"

	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/selection"
)

// selectorIndex finds, among many compiled selectors, those that may
// select a set of labels, so that a request reads a handful of a
// cluster's thousands of policy peers: a selector that requires a label
// to equal one of some values is filed under each key=value, and is a
// candidate only for labels holding one of them; the others are
// candidates for every set.
type selectorIndex struct {
	byLabel map[string][]int32
	rest    []int32
}

func newSelectorIndex(n int, selector func(i int) labels.Selector) selectorIndex {
	x := selectorIndex{byLabel: map[string][]int32{}}
	for i := 0; i < n; i++ {
		reqs, _ := selector(i).Requirements()
		filed := false
		for _, r := range reqs {
			switch r.Operator() {
			case selection.Equals, selection.DoubleEquals, selection.In:
			default:
				continue
			}
			for _, v := range r.Values().List() {
				k := r.Key() + "=" + v
				x.byLabel[k] = append(x.byLabel[k], int32(i))
			}
			filed = true
			break
		}
		if !filed {
			x.rest = append(x.rest, int32(i))
		}
	}
	return x
}

// candidates returns, in index order, the selectors that may select ls:
// every one that does is among them.
func (x *selectorIndex) candidates(ls labels.Set) []int32 {
	out := slices.Clone(x.rest)
	for k, v := range ls {
		out = append(out, x.byLabel[k+"="+v]...)
	}
	slices.Sort(out)
	return slices.Compact(out)
}
