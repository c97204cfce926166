package netpol

import (
	"slices"
	"sort"
	"strings"
)

// Matrix is reachability between namespaces or pods.
type Matrix struct {
	// Kind is "namespace" or "pod".
	Kind      string   `json:"kind"`
	Endpoints []string `json:"endpoints"`
	// Allowed lists every pair with at least one allowed port, in
	// endpoint order.
	Allowed []Cell `json:"allowed"`
}

// Cell is one allowed pair and its ports.
type Cell struct {
	From  string      `json:"from"`
	To    string      `json:"to"`
	Ports []PortRange `json:"ports"`
}

// NamespaceMatrix says which ports some pod of each namespace can open to
// some pod of each other namespace. Work is per namespace and port-atom
// group, skipping through each row a namespace at a time.
func (m *Model) NamespaceMatrix() Matrix {
	// Pod classes are numbered in namespace order, so each namespace is a
	// contiguous range of classes.
	var names []string
	var start []int
	nsOf := make([]int, m.nPod)
	for c := 0; c < m.nPod; c++ {
		if len(names) == 0 || names[len(names)-1] != m.classes[c].Namespace {
			names = append(names, m.classes[c].Namespace)
			start = append(start, c)
		}
		nsOf[c] = len(names) - 1
	}
	start = append(start, m.nPod)
	var mats []*matrix
	var atomsOf [][]int
	index := map[*matrix]int{}
	for a, mx := range m.reach {
		g, ok := index[mx]
		if !ok {
			g = len(mats)
			index[mx] = g
			mats = append(mats, mx)
			atomsOf = append(atomsOf, nil)
		}
		atomsOf[g] = append(atomsOf[g], a)
	}
	out := Matrix{Kind: "namespace", Endpoints: names}
	row := newBitset(len(m.classes))
	hit := make([][]bool, len(names))
	for i := range hit {
		hit[i] = make([]bool, len(mats))
	}
	for a := range names {
		var touched []int
		for g, mx := range mats {
			row.clear()
			for c := start[a]; c < start[a+1]; c++ {
				row.or(mx.row(c))
			}
			row.clearFrom(m.nPod)
			for d := row.first(0); d >= 0; d = row.first(start[nsOf[d]+1]) {
				b := nsOf[d]
				if !anyTrue(hit[b]) {
					touched = append(touched, b)
				}
				hit[b][g] = true
			}
		}
		sort.Ints(touched)
		for _, b := range touched {
			var rs []portRange
			for g := range mats {
				if hit[b][g] {
					for _, at := range atomsOf[g] {
						rs = append(rs, m.ports.atoms[at])
					}
					hit[b][g] = false
				}
			}
			slices.SortFunc(rs, comparePortRanges)
			out.Allowed = append(out.Allowed, Cell{From: names[a], To: names[b], Ports: mergePorts(rs)})
		}
	}
	m.addNodeLocal(&out)
	return out
}

// addNodeLocal opens every port from the namespace of each host-network
// pod to the namespaces of the other pods of its node.
func (m *Model) addNodeLocal(out *Matrix) {
	open := map[[2]string]bool{}
	m.EachNodeLocal(func(src, dst string) bool {
		a, _, _ := strings.Cut(src, "/")
		b, _, _ := strings.Cut(dst, "/")
		if a != b {
			open[[2]string{a, b}] = true
		}
		return true
	})
	if len(open) == 0 {
		return
	}
	for i := range out.Allowed {
		c := &out.Allowed[i]
		if open[[2]string{c.From, c.To}] {
			c.Ports = anyPort
			delete(open, [2]string{c.From, c.To})
		}
	}
	for k := range open {
		out.Allowed = append(out.Allowed, Cell{From: k[0], To: k[1], Ports: anyPort})
	}
	sort.SliceStable(out.Allowed, func(i, j int) bool {
		x, y := &out.Allowed[i], &out.Allowed[j]
		if x.From != y.From {
			return index(out.Endpoints, x.From) < index(out.Endpoints, y.From)
		}
		return index(out.Endpoints, x.To) < index(out.Endpoints, y.To)
	})
}

// index returns the position of s in xs, or len(xs).
func index(xs []string, s string) int {
	for i, x := range xs {
		if x == s {
			return i
		}
	}
	return len(xs)
}

func anyTrue(bs []bool) bool {
	for _, b := range bs {
		if b {
			return true
		}
	}
	return false
}

// PodMatrix says which ports each pod can open to each other pod.
func (m *Model) PodMatrix() Matrix {
	out := Matrix{Kind: "pod"}
	for i := range m.pods {
		out.Endpoints = append(out.Endpoints, m.pods[i].id())
	}
	cache := map[[2]int][]PortRange{}
	for i := range m.pods {
		for j := range m.pods {
			if i == j {
				continue
			}
			k := [2]int{m.pods[i].class, m.pods[j].class}
			ps, ok := cache[k]
			if !ok {
				ps = m.classPorts(k[0], k[1])
				cache[k] = ps
			}
			if fromNode(&m.pods[i], &m.pods[j]) {
				ps = anyPort
			}
			if len(ps) > 0 {
				out.Allowed = append(out.Allowed, Cell{From: m.pods[i].id(), To: m.pods[j].id(), Ports: ps})
			}
		}
	}
	return out
}

// Classes lists the equivalence classes: pod classes first, then external
// address ranges.
func (m *Model) Classes() []Class { return m.classes }

// ClassOf returns the class of a pod.
func (m *Model) ClassOf(namespace, pod string) (ClassID, bool) {
	i, ok := m.podIndex[namespace+"/"+pod]
	if !ok {
		return 0, false
	}
	return ClassID(m.pods[i].class), true
}

// Ports lists the ports class src can open connections to class dst on:
// the fact "pod class A reaches pod class B on ports P".
func (m *Model) Ports(src, dst ClassID) []PortRange { return m.classPorts(int(src), int(dst)) }

// Reaches reports whether class src reaches class dst on some port.
func (m *Model) Reaches(src, dst ClassID) bool {
	for _, mx := range m.reach {
		if mx.row(int(src)).has(int(dst)) {
			return true
		}
	}
	return false
}

// EachReachable calls f for every pair of classes (pods and external
// ranges) where src reaches dst on some port, in class order; f returns
// false to stop. Ports(src, dst) and Witness(src, dst) give the details.
func (m *Model) EachReachable(f func(src, dst ClassID) bool) {
	mats := m.distinctMatrices()
	row := newBitset(len(m.classes))
	for s := range m.classes {
		row.clear()
		for _, mx := range mats {
			row.or(mx.row(s))
		}
		stop := false
		row.each(func(d int) bool {
			if !f(ClassID(s), ClassID(d)) {
				stop = true
			}
			return !stop
		})
		if stop {
			return
		}
	}
}
