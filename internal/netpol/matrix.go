package netpol

import "sort"

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
// some pod of each other namespace.
func (m *Model) NamespaceMatrix() Matrix {
	nsClasses := map[string][]int{}
	for c := 0; c < m.nPod; c++ {
		ns := m.classes[c].Namespace
		nsClasses[ns] = append(nsClasses[ns], c)
	}
	names := make([]string, 0, len(nsClasses))
	for ns := range nsClasses {
		names = append(names, ns)
	}
	sort.Strings(names)
	masks := make([]bitset, len(names))
	for i, ns := range names {
		masks[i] = newBitset(len(m.classes))
		for _, c := range nsClasses[ns] {
			masks[i].set(c)
		}
	}
	out := Matrix{Kind: "namespace", Endpoints: names}
	for i, from := range names {
		for j, to := range names {
			var rs []portRange
			for a, mx := range m.reach {
				for _, s := range nsClasses[from] {
					if intersects(mx.row(s), masks[j]) {
						rs = append(rs, m.ports.atoms[a])
						break
					}
				}
			}
			if len(rs) > 0 {
				out.Allowed = append(out.Allowed, Cell{From: from, To: to, Ports: mergePorts(rs)})
			}
		}
		_ = i
	}
	return out
}

func intersects(a, b bitset) bool {
	for i := range a {
		if a[i]&b[i] != 0 {
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
