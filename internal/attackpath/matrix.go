package attackpath

import (
	"slices"
	"sort"
	"sync"

	"github.com/bulkhead-dev/bulkhead/internal/dns"
	"github.com/bulkhead-dev/bulkhead/internal/finding"
	"github.com/bulkhead-dev/bulkhead/internal/tenancy"
)

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
	// Findings lists the rule IDs of the findings that name this pair
	// (see AddFindings); the cell is at least as severe as each.
	Findings []string `json:"findings,omitempty"`
	// Platform is set when the source is the platform tenant: what it
	// reaches is platform exposure, the expected power of shared services,
	// not a breach between tenants.
	Platform bool `json:"platform,omitempty"`
}

// Breached reports whether the pair is a breach between tenants: reached,
// and not from the platform.
func (c *Cell) Breached() bool { return !c.Isolated && !c.Platform }

// Matrix is the isolation verdict for every ordered pair of tenants, and
// each tenant's path to cluster-admin when it has one.
type Matrix struct {
	Tenants []string `json:"tenants"`
	// Grid is the verdict of every pair at a glance, set by Summarize: a
	// row per source tenant, a character per target, in Tenants order (see
	// GridLegend). It is the whole cluster's, also in a report narrowed to
	// one tenant.
	Grid  []string `json:"grid,omitempty"`
	Cells []Cell   `json:"cells"`
	// CellsOmitted counts the reached pairs (breaches and the platform's
	// exposure) Bound left out of Cells.
	CellsOmitted int    `json:"cellsOmitted,omitempty"`
	AdminPaths   []Path `json:"adminPaths,omitempty"`
	// Subjects is the reach of users and groups (see Model.Subjects), when
	// asked for; SubjectsLeft counts those left out.
	Subjects     []SubjectReach `json:"subjects,omitempty"`
	SubjectsLeft int            `json:"subjectsLeft,omitempty"`
}

// Cell returns the cell of a pair, or nil when the matrix does not list it
// (after Summarize: an isolated pair).
func (x *Matrix) Cell(source, target string) *Cell {
	for i := range x.Cells {
		if x.Cells[i].Source == source && x.Cells[i].Target == target {
			return &x.Cells[i]
		}
	}
	return nil
}

// Matrix decides every pair of tenants. The cluster tenant is a target,
// not a source: its identities run the cluster; it is in the matrix even
// when the input holds none of its namespaces. Witnesses come without
// evidence: Explain adds it to those that are shown.
func (m *Model) Matrix() Matrix { return m.matrix(-1) }

// MatrixExplained is Matrix with witnesses for n pairs only, without
// evidence (Summarize adds it): the breaches first, then the platform's
// exposure, each the most severe first, in matrix order among equals (see
// BreachesFirst). A big cluster's matrix has a pair per two tenants, and
// a report shows the worst.
func (m *Model) MatrixExplained(n int) Matrix { return m.matrix(n) }

// MatrixFrom decides the pairs from the given source tenants only, with
// their witnesses: the rows of Matrix that paths needs.
func (m *Model) MatrixFrom(sources []string) Matrix { return m.matrixOf(sources, -1) }

// matrix decides every pair, one search per source tenant, the searches
// spread over the machine's cores. witnesses < 0 gives every breached pair
// its witness; otherwise the most severe that many get one, found by a
// second search of their sources only.
func (m *Model) matrix(witnesses int) Matrix { return m.matrixOf(nil, witnesses) }

// matrixOf is matrix for some source tenants (nil: all). The whole matrix
// with few witnesses is decided by sweeps (see sweep.go); rows with every
// witness by a search per source tenant.
func (m *Model) matrixOf(only []string, witnesses int) Matrix {
	if only == nil && witnesses >= 0 {
		return m.matrixSwept(witnesses)
	}
	ti := m.tenantIndex()
	tenants, owner, territory := ti.tenants, ti.owner, ti.territory
	x := Matrix{Tenants: tenants}
	dns := m.dnsLayers()
	rows := make([][]Cell, len(tenants))
	admin := make([]*Path, len(tenants))
	var sources []int
	for ai, a := range tenants {
		if only == nil || slices.Contains(only, a) {
			sources = append(sources, ai)
		}
	}
	spread(len(sources), 0, func() func(int) {
		s := m.g.searcher()
		s.owner = territory
		acc := newAccumulator(len(tenants), m.g.Len())
		return func(k int) {
			ai := sources[k]
			rows[ai], admin[ai] = m.row(s, acc, tenants, owner, dns, ai, witnesses < 0)
		}
	})
	for ai := range tenants {
		if admin[ai] != nil {
			x.AdminPaths = append(x.AdminPaths, *admin[ai])
		}
		x.Cells = append(x.Cells, rows[ai]...)
	}
	return x
}

// row decides the pairs from one source tenant, and its path to
// cluster-admin.
func (m *Model) row(s *searcher, acc *accumulator, tenants []string, owner []int32, dns map[string]*dnsCell, ai int, witness bool) ([]Cell, *Path) {
	a := tenants[ai]
	var adminPath *Path
	if a != tenancy.Cluster {
		s.self = int32(ai)
		acc.collect(s, m.sources[a], owner, int32(ai))
		if st, ok := s.best(m.admin); ok {
			p := m.adminPath(s, a, st)
			adminPath = &p
		}
	}
	cells := make([]Cell, 0, len(tenants)-1)
	for bi, b := range tenants {
		if a == b {
			continue
		}
		c := Cell{Source: a, Target: b, Isolated: true, Platform: a == tenancy.Platform}
		if a != tenancy.Cluster && acc.count[bi] > 0 {
			c.Isolated = false
			c.Layers = layersOf(acc.layers[bi])
			c.Worst = acc.worst[bi]
			c.Paths = int(acc.count[bi])
			if witness {
				w := m.newPath(a, a, b, acc.best[bi]/2, s.path(acc.best[bi]))
				c.Witness = &w
			}
		}
		addDNS(&c, dns)
		cells = append(cells, c)
	}
	return cells, adminPath
}

// matrixSwept decides every pair by sweeps, then gives the n most severe
// breached pairs reached through the graph their witness, and the n most
// severe paths to cluster-admin their hops; the other paths to
// cluster-admin keep their severity, without hops or layers (`bulkhead
// paths --to cluster-admin` shows them).
func (m *Model) matrixSwept(n int) Matrix {
	ti := m.tenantIndex()
	cells, admin := m.sweptRows(m.dnsLayers())
	x := Matrix{Tenants: ti.tenants, Cells: cells}
	var pick []int
	for _, i := range BreachesFirst(x.Cells) {
		if c := &x.Cells[i]; !c.Isolated && c.Paths > 0 {
			if pick = append(pick, i); len(pick) == n {
				break
			}
		}
	}
	var admins []int32
	for a, r := range admin {
		if r != nil {
			admins = append(admins, int32(a))
		}
	}
	shown := slices.Clone(admins)
	sort.SliceStable(shown, func(i, j int) bool { return admin[shown[i]].worst > admin[shown[j]].worst })
	shown = shown[:min(len(shown), n)]
	paths := m.witnesses(&x, pick, shown)
	for _, a := range admins {
		if p, ok := paths[a]; ok {
			x.AdminPaths = append(x.AdminPaths, p)
			continue
		}
		x.AdminPaths = append(x.AdminPaths, Path{From: ti.tenants[a], To: "cluster-admin", Target: m.g.At(m.admin), Severity: admin[a].worst,
			Layers: layersOf(admin[a].layers), Unsearched: true})
	}
	return x
}

// witnesses gives the picked cells their witness (without evidence:
// Summarize explains those it shows) and returns the paths to cluster-admin
// of the admins tenants, searching once from each source, the searches
// spread over the machine's cores.
//
// Each search may walk the whole graph (a source that reaches
// cluster-admin reaches everything), so the searches share a budget of
// witnessBudget times the graph's states: sources are taken in the order
// of their first cell in pick, then of admins (the most severe first), in
// waves of witnessWave, and once a wave ends with the budget spent, the
// rest keep their verdict without a witness (`bulkhead paths` gives any).
// What is searched does not depend on the number of cores.
func (m *Model) witnesses(x *Matrix, pick []int, admins []int32) map[int32]Path {
	ti := m.tenantIndex()
	index, territory, owner := ti.index, ti.territory, ti.owner
	bySource := map[int32][]int{}
	var sources []int32
	for _, i := range pick {
		a := index[x.Cells[i].Source]
		if bySource[a] == nil {
			sources = append(sources, a)
		}
		bySource[a] = append(bySource[a], i)
	}
	for _, a := range admins {
		if bySource[a] == nil {
			sources = append(sources, a)
			bySource[a] = []int{}
		}
	}
	admin := make([]*Path, len(sources))
	cost := make([]int, len(sources))
	budget := max(witnessBudget*2*m.g.Len(), witnessFloor)
	var mu sync.Mutex
	var idle, used []*witnessSearch
	spent := 0
	for lo := 0; lo < len(sources) && spent < budget; lo += witnessWave {
		hi := min(lo+witnessWave, len(sources))
		spread(hi-lo, 0, func() func(int) {
			mu.Lock()
			var w *witnessSearch
			if n := len(idle); n > 0 {
				w, idle = idle[n-1], idle[:n-1]
			} else {
				w = &witnessSearch{s: m.g.searcher(), acc: newAccumulator(len(x.Tenants), m.g.Len())}
				w.s.owner = territory
			}
			used = append(used, w)
			mu.Unlock()
			s, acc := w.s, w.acc
			return func(j int) {
				k := lo + j
				ai := sources[k]
				a := ti.tenants[ai]
				s.self = ai
				acc.collect(s, m.sources[a], owner, ai)
				cost[k] = len(s.touched)
				for _, i := range bySource[ai] { // each cell is one source's
					c := &x.Cells[i]
					bi := index[c.Target]
					w := m.newPath(a, a, c.Target, acc.best[bi]/2, s.path(acc.best[bi]))
					c.Witness = &w
				}
				if slices.Contains(admins, ai) {
					if st, ok := s.best(m.admin); ok {
						p := m.adminPath(s, a, st)
						admin[k] = &p
					}
				}
			}
		})
		idle, used = append(idle, used...), used[:0]
		for _, c := range cost[lo:hi] {
			spent += c
		}
	}
	out := map[int32]Path{}
	for k, p := range admin {
		if p != nil {
			out[sources[k]] = *p
		}
	}
	return out
}

// witnessSearch is one worker's search state for witnesses, kept from
// wave to wave.
type witnessSearch struct {
	s   *searcher
	acc *accumulator
}

// The witness searches' budget: witnessBudget times the graph's states
// (about that many searches of the whole graph), and never below
// witnessFloor states, which the searches of a cluster of a few thousand
// pods do not reach; witnessWave searches at a time. Variables for tests
// only.
var (
	witnessBudget = 4
	witnessFloor  = 1 << 21
	witnessWave   = 4
)

// adminPath is tenant a's path to cluster-admin found by search s, ending
// in state st. Its severity is the worst over every way there (the
// search's), as the matrix's, even when the one path shown is milder.
func (m *Model) adminPath(s *searcher, a string, st int32) Path {
	p := m.newPath(a, a, "cluster-admin", m.admin, s.path(st))
	p.Severity = max(p.Severity, s.worst[st])
	return p
}

// accumulator sums one search's reach per target tenant, in arrays reused
// from search to search.
type accumulator struct {
	layers  []uint8
	worst   []finding.Severity
	count   []int32
	best    []int32 // state of the witness
	stamp   []int32 // per vertex: the search that last counted it
	round   int32
	touched []int32 // target tenants with a count
}

func newAccumulator(tenants, vertices int) *accumulator {
	return &accumulator{layers: make([]uint8, tenants), worst: make([]finding.Severity, tenants), count: make([]int32, tenants),
		best: make([]int32, tenants), stamp: make([]int32, vertices)}
}

// collect runs a search from a tenant's footholds and sums, per target
// tenant, the assets reached, the layers and worst severity of every way
// there, and the witness: the shortest of the most severe paths.
func (a *accumulator) collect(s *searcher, sources []int32, owner []int32, self int32) {
	for _, t := range a.touched {
		a.layers[t], a.worst[t], a.count[t] = 0, 0, 0
	}
	a.touched = a.touched[:0]
	a.round++
	s.run(sources)
	for _, x := range s.touched {
		v := x / 2
		b := owner[v]
		if b < 0 || b == self {
			continue
		}
		if a.count[b] == 0 {
			a.touched = append(a.touched, b)
			a.best[b] = x
		} else if worseFirst(s, x, a.best[b]) {
			a.best[b] = x
		}
		if a.stamp[v] != a.round {
			a.stamp[v] = a.round
			a.count[b]++
		}
		a.layers[b] |= s.layers[x]
		if s.worst[x] > a.worst[b] {
			a.worst[b] = s.worst[x]
		}
	}
}

// addLayer returns the layers ls and l, in layer order (a shared slice,
// see layersOf).
func addLayer(ls []finding.Category, l finding.Category) []finding.Category {
	mask := layerBit(l)
	for _, x := range ls {
		mask |= layerBit(x)
	}
	return layersOf(mask)
}

// addDNS marks a cell DNS discovery joins: every source but the cluster
// tenant learns names of the target's pods or Services.
func addDNS(c *Cell, dns map[string]*dnsCell) {
	if d := dns[c.Target]; d != nil && c.Source != tenancy.Cluster && c.Source != c.Target {
		d.apply(c)
	}
}

// apply marks a cell from a tenant other than the cluster's toward d's.
func (d *dnsCell) apply(c *Cell) {
	c.Isolated = false
	c.Layers = addLayer(c.Layers, finding.DNS)
	c.Worst = max(c.Worst, d.severity)
	if len(c.Findings) == 0 {
		c.Findings = d.checks // shared, sorted, full: an append copies it
		return
	}
	c.Findings = append(c.Findings, d.checks...)
	slices.Sort(c.Findings)
}

// dnsCell is what DNS discovery adds to the cells toward one tenant: the
// worst severity and the checks behind it.
type dnsCell struct {
	severity finding.Severity
	checks   []string
}

// dnsLayers gives, per exposed tenant, what DNS discovery adds to the
// cells toward it: every other tenant (the cluster tenant is no source)
// learns names of its pods or Services.
func (m *Model) dnsLayers() map[string]*dnsCell {
	out := map[string]*dnsCell{}
	for _, e := range m.in.DNS {
		if e.Kind != dns.Discovery {
			continue
		}
		c := out[e.Tenant]
		if c == nil {
			c = &dnsCell{}
			out[e.Tenant] = c
		}
		c.severity = max(c.severity, e.Severity)
		if !slices.Contains(c.checks, e.Check) {
			c.checks = append(c.checks, e.Check)
		}
	}
	for _, c := range out {
		slices.Sort(c.checks)
		c.checks = slices.Clip(c.checks)
	}
	return out
}

// worseFirst orders search states for the witness: the most severe path
// first, then the shortest, then the first found.
func worseFirst(s *searcher, x, y int32) bool {
	if s.worst[x] != s.worst[y] {
		return s.worst[x] > s.worst[y]
	}
	if s.sdist[x] != s.sdist[y] {
		return s.sdist[x] < s.sdist[y]
	}
	return x < y
}

// Tenant and subject names for Paths.

// Summarize readies a matrix for a report: it explains every path to
// cluster-admin and the witnesses of the first n reached pairs in
// BreachesFirst order, drops the witnesses of the other pairs
// (`bulkhead paths` gives any), and drops isolated pairs: a pair the
// summary does not list is isolated. It draws the grid of every pair
// first.
func (m *Model) Summarize(x *Matrix, n int) {
	x.Grid = x.grid()
	for i := range x.AdminPaths {
		m.Explain(&x.AdminPaths[i])
	}
	breached := x.Cells[:0] // in place: a big cluster has a million cells
	for _, c := range x.Cells {
		if !c.Isolated {
			breached = append(breached, c)
		}
	}
	clear(x.Cells[len(breached):])
	for k, i := range BreachesFirst(breached) {
		if w := breached[i].Witness; w != nil {
			if k < n {
				m.Explain(w)
			} else {
				breached[i].Witness = nil
			}
		}
	}
	x.Cells = breached
}
