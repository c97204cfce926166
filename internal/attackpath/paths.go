package attackpath

import (
	"slices"
	"sort"
	"strings"

	"github.com/bulkhead-dev/bulkhead/internal/finding"
	"github.com/bulkhead-dev/bulkhead/internal/tenancy"
)

// Hop is one step of a path as shown: internal hops (network classes,
// placements) folded into the step they belong to.
type Hop struct {
	From     Vertex           `json:"from"`
	To       Vertex           `json:"to"`
	Type     EdgeType         `json:"type"`
	Layer    finding.Category `json:"layer"`
	Severity finding.Severity `json:"severity"`
	Detail   string           `json:"detail,omitempty"`
	Evidence []finding.Step   `json:"evidence,omitempty"`
}

// Path is a shortest path from a tenant or subject to an asset.
type Path struct {
	From     string             `json:"from"`
	To       string             `json:"to"`
	Target   Vertex             `json:"target"`
	Severity finding.Severity   `json:"severity"`
	Layers   []finding.Category `json:"layers"`
	Hops     []Hop              `json:"hops"`
	// Unsearched marks a path to cluster-admin of the audit's matrix that
	// has its severity and layers but no hops: the witness searches' budget
	// ran out before its source (`bulkhead paths --from FROM --to
	// cluster-admin` gives them).
	Unsearched bool `json:"unsearched,omitempty"`

	edges []int32 // the graph edges behind the hops, for Explain
}

func internal(k Kind) bool { return k == NetClass || k == Placement || k == Hub }

// Explain fills in each hop's evidence, and the ports of network hops: the
// objects and rules that make the step true. Paths and matrix witnesses
// come without it, since explaining a network step costs a policy
// evaluation.
func (m *Model) Explain(p *Path) {
	i := 0
	from := int32(-1) // the source class of a reach through a group
	for _, eid := range p.edges {
		if i >= len(p.Hops) {
			break
		}
		e := m.g.Edge(eid)
		if e.Type == Reaches && e.classes[0] >= 0 && e.classes[1] < 0 {
			from = e.classes[0]
		}
		if e.Type == Reaches && e.classes[0] < 0 {
			e.classes[0] = from // a virtual edge, built for this call
		}
		if !e.Hidden {
			h := &p.Hops[i]
			h.Evidence = e.Evidence
			if e.explain != nil {
				h.Evidence = e.explain()
			}
			if e.Type == Reaches {
				h.Detail, h.Evidence = m.networkEvidence(e)
			}
		}
		if !internal(m.g.At(e.To).Kind) {
			i++
		}
	}
}

// newPath builds a Path from a chain of edge ids. home is the tenant the
// path starts in ("" for none): hops into its own assets add no layer and
// no severity.
func (m *Model) newPath(home, from, to string, target int32, edges []int32) Path {
	hops, tos := m.hops(edges)
	sev, layers := m.summarise(home, hops, tos)
	return Path{From: from, To: to, Target: m.g.At(target), Severity: sev, Layers: layers, Hops: hops, edges: edges}
}

// tenantIndex numbers the tenants, the cluster tenant always among them
// (it is a target even when the input has none of its namespaces: its
// nodes, kubelets and cloud credentials), and gives each vertex, by that
// number, its owner (-1 for none) and its territory (see territory).
type tenantIndex struct {
	tenants   []string
	index     map[string]int32
	owner     []int32
	territory []int32
}

// tenantIndex computes the index once per model; the graph does not change
// after Build.
func (m *Model) tenantIndex() *tenantIndex {
	m.indexOnce.Do(func() {
		x := &tenantIndex{index: map[string]int32{}}
		for i, t := range m.ten.Tenants() {
			x.tenants = append(x.tenants, t.Name)
			x.index[t.Name] = int32(i)
		}
		if _, ok := x.index[tenancy.Cluster]; !ok {
			x.index[tenancy.Cluster] = int32(len(x.tenants))
			x.tenants = append(x.tenants, tenancy.Cluster)
		}
		x.owner = make([]int32, len(m.owner))
		for v, t := range m.owner {
			x.owner[v] = -1
			if i, ok := x.index[t]; ok && t != "" {
				x.owner[v] = i
			}
		}
		x.territory = m.territory(x.index, x.owner)
		m.tenants = x
	})
	return m.tenants
}

// territory gives each vertex the tenant (by index) whose ground it is:
// an asset's owner, or for a hub of one namespace (every pod of team-a),
// that namespace's tenant. A hop onto the searcher's own ground is no
// crossing.
func (m *Model) territory(index map[string]int32, owner []int32) []int32 {
	out := slices.Clone(owner)
	for v := range out {
		if out[v] >= 0 {
			continue
		}
		x := m.g.At(int32(v))
		if x.Kind != Hub {
			continue
		}
		if x.Name == privilegedHub {
			// Into every node: the nodes' ground, so that the cluster's own
			// namespaces reaching its own nodes cross nothing.
			if i, ok := index[tenancy.Cluster]; ok {
				out[v] = i
			}
			continue
		}
		if _, ns, ok := strings.Cut(x.Name, ":"); ok && ns != "*" {
			if i, ok := index[m.ten.Of(ns)]; ok {
				out[v] = i
			}
		}
	}
	return out
}

// searchFrom returns a searcher for paths starting in tenant home ("" for
// none).
func (m *Model) searchFrom(home string) *searcher {
	s := m.g.searcher()
	x := m.tenantIndex()
	s.owner = x.territory
	if i, ok := x.index[home]; ok && home != "" {
		s.self = i
	}
	return s
}

// hops folds a chain of edge ids into hops, and gives the graph vertex
// each hop leads to.
func (m *Model) hops(edges []int32) (out []Hop, tos []int32) {
	var from Vertex
	var vis *Edge // the run's visible edge: it names the hop
	start := true
	for _, eid := range edges {
		e := m.g.Edge(eid)
		if start {
			from, vis, start = m.g.At(e.From), nil, false
		}
		if !e.Hidden {
			vis = e
		}
		to := m.g.At(e.To)
		if internal(to.Kind) {
			continue
		}
		src := vis
		if src == nil {
			src = e // a run of hidden edges only, e.g. "any node" may be n1
		}
		out = append(out, Hop{From: from, To: to, Type: src.Type, Layer: src.Layer, Severity: src.Severity, Detail: src.Detail})
		tos = append(tos, e.To)
		start = true
	}
	return out, tos
}

func (m *Model) summarise(home string, hops []Hop, tos []int32) (finding.Severity, []finding.Category) {
	worst := finding.Info
	seen := map[finding.Category]bool{}
	for i, h := range hops {
		if home != "" && m.owner[tos[i]] == home {
			continue // within the source's own tenant
		}
		if h.Severity > worst {
			worst = h.Severity
		}
		seen[h.Layer] = true
	}
	return worst, sortedLayers(seen)
}

var layerOrder = []finding.Category{finding.API, finding.Network, finding.DNS, finding.Node}

func sortedLayers(seen map[finding.Category]bool) []finding.Category {
	var out []finding.Category
	for _, l := range layerOrder {
		if seen[l] {
			out = append(out, l)
		}
	}
	return out
}

// Source is where a path starts: a tenant, or one subject vertex.
type Source struct {
	Tenant  string
	Subject *Vertex
}

// Target is where a path ends: a tenant's assets, or cluster-admin.
type Target struct {
	Tenant       string
	ClusterAdmin bool
}

// Paths returns a path from the source to each asset of the target it
// reaches: the shortest of the most severe ways there. Paths come most
// severe first, then shortest, without evidence (see Explain). With no
// target, every tenant but the source's own (a subject's home) is a
// target.
func (m *Model) Paths(from Source, to Target) []Path {
	var starts []int32
	name, home := from.Tenant, from.Tenant
	if from.Subject != nil {
		v, ok := m.g.Lookup(*from.Subject)
		if !ok {
			return nil
		}
		starts = []int32{v}
		name, home = from.Subject.String(), m.home[v]
	} else {
		starts = m.sources[from.Tenant]
	}
	s := m.searchFrom(home)
	s.run(starts)
	var out []Path
	add := func(v int32, label string) {
		x, ok := s.best(v)
		if !ok {
			return
		}
		p := m.newPath(home, name, label, v, s.path(x))
		if len(p.Hops) == 0 {
			return
		}
		out = append(out, p)
	}
	if to.ClusterAdmin {
		add(m.admin, "cluster-admin")
		return out
	}
	for v := int32(0); v < int32(m.g.Len()); v++ {
		b := m.owner[v]
		if b == "" || (to.Tenant == "" && b == home) || (to.Tenant != "" && b != to.Tenant) {
			continue // a source's own tenant is a target only when asked for
		}
		add(v, b)
	}
	SortPaths(out)
	return out
}

// SortPaths orders paths most severe first, then shortest, then by source,
// target tenant and asset.
func SortPaths(ps []Path) {
	sort.SliceStable(ps, func(i, j int) bool {
		a, b := &ps[i], &ps[j]
		if a.Severity != b.Severity {
			return a.Severity > b.Severity
		}
		if len(a.Hops) != len(b.Hops) {
			return len(a.Hops) < len(b.Hops)
		}
		if a.From != b.From {
			return a.From < b.From
		}
		if a.To != b.To {
			return a.To < b.To
		}
		return a.Target.String() < b.Target.String()
	})
}

// Has reports whether the graph knows a vertex: a subject that is bound
// somewhere, runs something, or is a tenant's asset.
func (m *Model) Has(v Vertex) bool {
	_, ok := m.g.Lookup(v)
	return ok
}
