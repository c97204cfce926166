package harden

import (
	"cmp"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/util/sets"

	"github.com/bulkhead-dev/bulkhead/internal/analysis"
	"github.com/bulkhead-dev/bulkhead/internal/attackpath"
	"github.com/bulkhead-dev/bulkhead/internal/finding"
)

// pairNumbers numbers tenants by name, so that a pair of tenants is one
// integer ordered as (source, target) by name.
type pairNumbers struct {
	ids   map[string]uint32
	names []string
}

// numberedCell is a breached cell and its pair's number.
type numberedCell struct {
	pair uint64
	cell *attackpath.Cell
}

func (n *pairNumbers) id(name string) uint32 {
	if n.ids == nil {
		n.ids = map[string]uint32{}
	}
	i, ok := n.ids[name]
	if !ok {
		i = uint32(len(n.names))
		n.ids[name] = i
		n.names = append(n.names, name)
	}
	return i
}

// breached lists the breached cells of a report's matrix, numbered in
// the order their tenants were first met (sort renumbers them by name).
func (n *pairNumbers) breached(r *analysis.Report) []numberedCell {
	if r == nil || r.Isolation == nil {
		return nil
	}
	cells := r.Isolation.Cells
	out := make([]numberedCell, 0, len(cells))
	source, src := "", uint32(0)
	for i := range cells {
		c := &cells[i]
		if !c.Breached() {
			continue
		}
		if len(out) == 0 || c.Source != source {
			source, src = c.Source, n.id(c.Source)
		}
		out = append(out, numberedCell{pair: uint64(src)<<32 | uint64(n.id(c.Target)), cell: c})
	}
	return out
}

// sort renumbers the lists' pairs by the tenants' names and sorts each.
func (n *pairNumbers) sort(lists ...[]numberedCell) {
	order := make([]uint32, len(n.names))
	for i := range order {
		order[i] = uint32(i)
	}
	slices.SortFunc(order, func(a, b uint32) int { return strings.Compare(n.names[a], n.names[b]) })
	rank := make([]uint64, len(order))
	for r, id := range order {
		rank[id] = uint64(r)
	}
	for _, l := range lists {
		for i := range l {
			l[i].pair = rank[l[i].pair>>32]<<32 | rank[l[i].pair&0xffffffff]
		}
		slices.SortFunc(l, func(a, b numberedCell) int { return cmp.Compare(a.pair, b.pair) })
	}
}

// minus returns the cells of the sorted list a whose pair the sorted list
// b does not have.
func minus(a, b []numberedCell) []*attackpath.Cell {
	var out []*attackpath.Cell
	j := 0
	for _, x := range a {
		for j < len(b) && b[j].pair < x.pair {
			j++
		}
		if j == len(b) || b[j].pair != x.pair {
			out = append(out, x.cell)
		}
	}
	return out
}

// findingIndex finds the findings that name a pair: by rule ID and
// source tenant, those whose source is "*" apart.
type findingIndex struct {
	bySource map[[2]string][]*finding.Finding
	anySrc   map[string][]*finding.Finding
	// said is "ID: reason" of the findings because has named.
	said map[*finding.Finding]string
	// lists are the tenants a finding's long lists name (SourceTenants,
	// TargetTenants), as sets: a finding of every tenant, asked of each
	// of a million pairs, would be read through a million times.
	lists map[*finding.Finding][2]sets.Set[string]
}

// longList is the length of a finding's tenant lists past which they are
// read as sets (findingIndex.lists): below it, a scan costs less than
// making one.
const longList = 16

func indexFindings(fs []finding.Finding) *findingIndex {
	x := &findingIndex{bySource: map[[2]string][]*finding.Finding{}, anySrc: map[string][]*finding.Finding{}, said: map[*finding.Finding]string{},
		lists: map[*finding.Finding][2]sets.Set[string]{}}
	for i := range fs {
		f := &fs[i]
		if f.SourceTenant == "*" {
			x.anySrc[f.ID] = append(x.anySrc[f.ID], f)
		} else {
			k := [2]string{f.ID, f.SourceTenant}
			x.bySource[k] = append(x.bySource[k], f)
		}
	}
	return x
}

// because lists, for a pair with no attack path, the findings that join
// it: "BH-NET-001: reason".
func (x *findingIndex) because(c *attackpath.Cell) []string {
	var out []string
	for _, id := range c.Findings {
		for _, fs := range [][]*finding.Finding{x.bySource[[2]string{id, c.Source}], x.anySrc[id]} {
			for _, f := range fs {
				if x.names(f, c.Source, c.Target) {
					said, ok := x.said[f]
					if !ok {
						said = f.ID + ": " + f.Reason
						x.said[f] = said
					}
					out = append(out, said)
				}
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// names reports whether a finding's sides (each a tenant, or "*" with an
// optional list) name a source and a target tenant.
func (x *findingIndex) names(f *finding.Finding, source, target string) bool {
	lists, ok := x.lists[f]
	if !ok && len(f.SourceTenants)+len(f.TargetTenants) > longList {
		lists = [2]sets.Set[string]{sets.New(f.SourceTenants...), sets.New(f.TargetTenants...)}
		x.lists[f] = lists
	}
	return sideNames(f.SourceTenant, f.SourceTenants, lists[0], source) && sideNames(f.TargetTenant, f.TargetTenants, lists[1], target)
}

// sideNames reports whether one side of a finding (a tenant, or "*" with
// an optional list, as a set when set is not nil) names a tenant.
func sideNames(side string, list []string, set sets.Set[string], tenant string) bool {
	switch {
	case side != "*":
		return side == tenant
	case len(list) == 0:
		return true
	case set != nil:
		return set.Has(tenant)
	}
	return slices.Contains(list, tenant)
}

// layerNames says layers as "network+node".
func layerNames(ls []finding.Category) string {
	s := make([]string, len(ls))
	for i, l := range ls {
		s[i] = string(l)
	}
	return strings.Join(s, "+")
}
