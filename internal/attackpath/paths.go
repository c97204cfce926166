package attackpath

import (
	"sort"

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
}

func internal(k Kind) bool { return k == NetClass || k == Placement }

// hops folds a chain of edge ids into hops.
func (m *Model) hops(edges []int32) []Hop {
	var out []Hop
	var cur *Hop
	for _, eid := range edges {
		e := m.g.Edge(eid)
		if cur == nil {
			cur = &Hop{From: m.g.At(e.From)}
		}
		if !e.Hidden || cur.Type == "" {
			if !e.Hidden || e.Type == NetworkDest || e.Type == NodeRunsPod {
				cur.Type, cur.Layer, cur.Severity = e.Type, e.Layer, e.Severity
			}
		}
		if !e.Hidden {
			cur.Type, cur.Layer, cur.Severity, cur.Detail = e.Type, e.Layer, e.Severity, e.Detail
			cur.Evidence = e.Evidence
			if e.Type == Reaches {
				cur.Detail, cur.Evidence = m.networkEvidence(e)
			}
		}
		to := m.g.At(e.To)
		if internal(to.Kind) {
			continue
		}
		cur.To = to
		out = append(out, *cur)
		cur = nil
	}
	return out
}

func summarise(hops []Hop) (finding.Severity, []finding.Category) {
	worst := finding.Info
	seen := map[finding.Category]bool{}
	for _, h := range hops {
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

// Cell is the verdict for one ordered pair of tenants.
type Cell struct {
	Source   string             `json:"source"`
	Target   string             `json:"target"`
	Isolated bool               `json:"isolated"`
	Layers   []finding.Category `json:"layers,omitempty"`
	Worst    finding.Severity   `json:"worst,omitempty"`
	// Paths counts the target's assets the source reaches, each by its
	// own shortest path.
	Paths int `json:"paths"`
	// Witness is the shortest of the most severe of them (DNS-only cells
	// have none).
	Witness *Path `json:"witness,omitempty"`
}

// Matrix is the isolation verdict for every ordered pair of tenants, and
// each tenant's path to cluster-admin when it has one.
type Matrix struct {
	Tenants    []string `json:"tenants"`
	Cells      []Cell   `json:"cells"`
	AdminPaths []Path   `json:"adminPaths,omitempty"`
}

// Cell returns the cell of a pair.
func (x *Matrix) Cell(source, target string) *Cell {
	for i := range x.Cells {
		if x.Cells[i].Source == source && x.Cells[i].Target == target {
			return &x.Cells[i]
		}
	}
	return nil
}

// Matrix decides every pair of tenants. The cluster tenant is a target,
// not a source: its identities run the cluster.
func (m *Model) Matrix() Matrix {
	var tenants []string
	for _, t := range m.ten.Tenants() {
		tenants = append(tenants, t.Name)
	}
	x := Matrix{Tenants: tenants}
	dns := m.dnsLayers()
	s := m.g.searcher()
	for _, a := range tenants {
		var reach map[string]*Cell
		var admin *Path
		if a != tenancy.Cluster {
			reach, admin = m.fromTenant(s, a)
		}
		if admin != nil {
			x.AdminPaths = append(x.AdminPaths, *admin)
		}
		for _, b := range tenants {
			if a == b {
				continue
			}
			c := reach[b]
			if c == nil {
				c = &Cell{Source: a, Target: b, Isolated: true}
			}
			if sev, ok := dns[[2]string{a, b}]; ok && a != tenancy.Cluster {
				c.Isolated = false
				c.Layers = addLayer(c.Layers, finding.DNS)
				if sev > c.Worst {
					c.Worst = sev
				}
			}
			x.Cells = append(x.Cells, *c)
		}
	}
	return x
}

func addLayer(ls []finding.Category, l finding.Category) []finding.Category {
	seen := map[finding.Category]bool{l: true}
	for _, x := range ls {
		seen[x] = true
	}
	return sortedLayers(seen)
}

// dnsLayers expands the DNS findings to the tenant pairs they join.
func (m *Model) dnsLayers() map[[2]string]finding.Severity {
	out := map[[2]string]finding.Severity{}
	expand := func(t string) []string {
		if t == "*" {
			var all []string
			for _, x := range m.ten.Tenants() {
				all = append(all, x.Name)
			}
			return all
		}
		return []string{t}
	}
	for _, f := range m.in.DNS {
		for _, a := range expand(f.SourceTenant) {
			for _, b := range expand(f.TargetTenant) {
				if a != b && f.Severity >= out[[2]string{a, b}] {
					out[[2]string{a, b}] = f.Severity
				}
			}
		}
	}
	return out
}

// worseFirst orders search states for the witness: the most severe path
// first, then the shortest, then the first found.
func worseFirst(s *searcher, x, y int32) bool {
	if s.worst[x] != s.worst[y] {
		return s.worst[x] > s.worst[y]
	}
	if s.dist[x] != s.dist[y] {
		return s.dist[x] < s.dist[y]
	}
	return x < y
}

// fromTenant searches from a tenant's footholds and returns a cell per
// tenant it reaches, and its path to cluster-admin if any. Layers and the
// worst severity of a cell cover every way each asset is reached
// (controlled or only seen); the witness is the shortest of the most severe
// paths.
func (m *Model) fromTenant(s *searcher, t string) (map[string]*Cell, *Path) {
	s.run(m.sources[t])
	cells := map[string]*Cell{}
	best := map[string]int32{} // target tenant -> state of its nearest asset
	counted := map[int32]bool{}
	for _, x := range s.touched {
		v := x / 2
		b := m.owner[v]
		if b == "" || b == t {
			continue
		}
		c := cells[b]
		if c == nil {
			c = &Cell{Source: t, Target: b}
			cells[b] = c
		}
		if !counted[v] {
			counted[v] = true
			c.Paths++
		}
		for _, l := range layersOf(s.layers[x]) {
			c.Layers = addLayer(c.Layers, l)
		}
		if s.worst[x] > c.Worst {
			c.Worst = s.worst[x]
		}
		if y, ok := best[b]; !ok || worseFirst(s, x, y) {
			best[b] = x
		}
	}
	for b, x := range best {
		hops := m.hops(s.path(x))
		sev, layers := summarise(hops)
		cells[b].Witness = &Path{From: t, To: b, Target: m.g.At(x / 2), Severity: sev, Layers: layers, Hops: hops}
	}
	var admin *Path
	if x, ok := s.best(m.admin); ok {
		hops := m.hops(s.path(x))
		sev, layers := summarise(hops)
		admin = &Path{From: t, To: "cluster-admin", Target: m.g.At(m.admin), Severity: sev, Layers: layers, Hops: hops}
	}
	return cells, admin
}

// Tenant and subject names for Paths.

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
// severe first, then shortest. With no target, every tenant but the
// source's own is a target.
func (m *Model) Paths(from Source, to Target) []Path {
	var starts []int32
	name := from.Tenant
	if from.Subject != nil {
		v, ok := m.g.Lookup(*from.Subject)
		if !ok {
			return nil
		}
		starts = []int32{v}
		name = from.Subject.String()
	} else {
		starts = m.sources[from.Tenant]
	}
	s := m.g.searcher()
	s.run(starts)
	var out []Path
	add := func(v int32, label string) {
		x, ok := s.best(v)
		if !ok {
			return
		}
		hops := m.hops(s.path(x))
		if len(hops) == 0 {
			return
		}
		sev, layers := summarise(hops)
		out = append(out, Path{From: name, To: label, Target: m.g.At(v), Severity: sev, Layers: layers, Hops: hops})
	}
	if to.ClusterAdmin {
		add(m.admin, "cluster-admin")
		return out
	}
	for v := int32(0); v < int32(m.g.Len()); v++ {
		b := m.owner[v]
		if b == "" || (from.Subject == nil && b == from.Tenant) || (to.Tenant != "" && b != to.Tenant) {
			continue
		}
		add(v, b)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Severity != out[j].Severity {
			return out[i].Severity > out[j].Severity
		}
		if len(out[i].Hops) != len(out[j].Hops) {
			return len(out[i].Hops) < len(out[j].Hops)
		}
		if out[i].To != out[j].To {
			return out[i].To < out[j].To
		}
		return out[i].Target.String() < out[j].Target.String()
	})
	return out
}
