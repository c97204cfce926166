package attackpath

import (
	"sort"
	"strings"
)

// SubjectPaths is how many paths, most severe first, a SubjectReach keeps.
const SubjectPaths = 10

// SubjectReach is where one user or group gets: the tenants whose assets
// it reaches, and for up to SubjectPaths of the tenants other than its
// own, the most severe of its shortest paths there.
type SubjectReach struct {
	Subject Vertex `json:"subject"`
	// Home is the tenant the subject belongs to, "" when it is bound
	// cluster-wide or in several tenants.
	Home    string   `json:"home,omitempty"`
	Tenants []string `json:"tenants"`
	Paths   []Path   `json:"paths"`
}

// Subjects reports the reach of the users and groups named by bindings
// (system identities and the groups every identity is in aside): those
// that belong to no tenant first, then the others, each group by name; at
// most max of them (0: all). The second result counts those left out.
func (m *Model) Subjects(max int) ([]SubjectReach, int) {
	vs, left := m.followed(max)
	out := make([]SubjectReach, len(vs))
	spread(len(vs), 0, func() func(int) {
		s := m.g.searcher()
		s.owner = m.tenantIndex().territory
		return func(i int) { out[i] = m.subjectReach(s, vs[i]) }
	})
	for i := range out { // evidence is computed one path at a time
		for j := range out[i].Paths {
			m.Explain(&out[i].Paths[j])
		}
	}
	return out, left
}

// subjectReach searches from one user or group with searcher s: the
// tenants it reaches and, for the most severe of those other than its
// home, the path there (without evidence).
func (m *Model) subjectReach(s *searcher, v int32) SubjectReach {
	index := m.tenantIndex().index
	s.self = -1
	if i, ok := index[m.home[v]]; ok && m.home[v] != "" {
		s.self = i
	}
	s.run([]int32{v})
	best := map[string]int32{}
	for _, x := range s.touched {
		t := m.owner[x/2]
		if t == "" {
			continue
		}
		if y, ok := best[t]; !ok || worseFirst(s, x, y) {
			best[t] = x
		}
	}
	r := SubjectReach{Subject: m.g.At(v), Home: m.home[v], Tenants: []string{}}
	for t := range best {
		r.Tenants = append(r.Tenants, t)
	}
	sort.Strings(r.Tenants)
	for _, t := range r.Tenants {
		if t != r.Home {
			r.Paths = append(r.Paths, m.newPath(r.Home, r.Subject.String(), t, best[t]/2, s.path(best[t])))
		}
	}
	SortPaths(r.Paths)
	if len(r.Paths) > SubjectPaths {
		r.Paths = r.Paths[:SubjectPaths]
	}
	return r
}

// followed returns the users and groups Subjects follows, in its order, at
// most max (0: all), and how many it leaves out.
func (m *Model) followed(max int) ([]int32, int) {
	var vs []int32
	for v := int32(0); v < int32(m.g.Len()); v++ {
		x := m.g.At(v)
		if (x.Kind != User && x.Kind != Group) || strings.HasPrefix(x.Name, "system:") {
			continue
		}
		vs = append(vs, v)
	}
	sort.Slice(vs, func(i, j int) bool {
		hi, hj := m.home[vs[i]] != "", m.home[vs[j]] != ""
		if hi != hj {
			return !hi
		}
		return m.g.At(vs[i]).String() < m.g.At(vs[j]).String()
	})
	left := 0
	if max > 0 && len(vs) > max {
		left, vs = len(vs)-max, vs[:max]
	}
	return vs, left
}

// SubjectSources returns, as path sources, the users and groups Subjects
// follows (at most max, 0: all): with the tenants, the sources an audit
// covers.
func (m *Model) SubjectSources(max int) []Source {
	vs, _ := m.followed(max)
	out := make([]Source, len(vs))
	for i, v := range vs {
		x := m.g.At(v)
		out[i] = Source{Subject: &x}
	}
	return out
}
