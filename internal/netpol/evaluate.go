package netpol

import (
	"net/netip"
)

// Model is the compiled reachability of a snapshot. It is read-only after
// Compile and safe for concurrent use.
type Model struct {
	opts       Options
	pods       []podInfo
	podIndex   map[string]int
	ipIndex    map[netip.Addr]int
	classes    []Class
	classAtoms [][]int32
	nPod       int
	ext        []ipRange
	policies   []*policy
	subjects   []subjectAtoms
	ports      *portAtoms
	namedMask  map[namedPort]map[int32]bitset
	problems   []string

	npIn, npEg     [][]*policy
	admIn, admEg   [][]*rule
	baseIn, baseEg [][]*rule
	hostOnNode     map[string]bitset

	all, podSet bitset
	// reach[a] row s holds the classes s can open connections to on port
	// atom a.
	reach []*matrix
}

func (m *Model) problem(r *rule, msg string) {
	m.problems = append(m.problems, r.policy.kind()+" "+joinNS(r.policy.namespace, r.policy.name)+" "+r.dir.String()+"["+itoa(r.index)+"]: "+msg)
}

func joinNS(ns, name string) string {
	if ns == "" {
		return name
	}
	return ns + "/" + name
}

// Problems lists policy parts that could not be compiled and so match
// nothing.
func (m *Model) Problems() []string { return m.problems }

// index builds the per-class lists of policies and rules.
func (m *Model) index() {
	n := len(m.classes)
	m.npIn, m.npEg = make([][]*policy, n), make([][]*policy, n)
	m.admIn, m.admEg = make([][]*rule, n), make([][]*rule, n)
	m.baseIn, m.baseEg = make([][]*rule, n), make([][]*rule, n)
	for _, p := range m.policies {
		p.subject.each(func(c int) bool {
			switch p.tier {
			case tierNetworkPolicy:
				if p.ingress {
					m.npIn[c] = append(m.npIn[c], p)
				}
				if p.egress {
					m.npEg[c] = append(m.npEg[c], p)
				}
			case tierAdmin, tierBaseline:
				for _, r := range p.rules {
					switch {
					case p.tier == tierAdmin && r.dir == dirIngress:
						m.admIn[c] = append(m.admIn[c], r)
					case p.tier == tierAdmin:
						m.admEg[c] = append(m.admEg[c], r)
					case r.dir == dirIngress:
						m.baseIn[c] = append(m.baseIn[c], r)
					default:
						m.baseEg[c] = append(m.baseEg[c], r)
					}
				}
			}
			return true
		})
	}
	m.all = newBitset(n)
	m.all.setAll(n)
	m.podSet = newBitset(n)
	m.podSet.setAll(m.nPod)
	m.hostOnNode = map[string]bitset{}
	for c := 0; c < m.nPod; c++ {
		if cl := &m.classes[c]; cl.HostNetwork && cl.node != "" {
			if m.hostOnNode[cl.node] == nil {
				m.hostOnNode[cl.node] = newBitset(n)
			}
			m.hostOnNode[cl.node].set(c)
		}
	}
}

// ruleMask says for which destinations rule r admits port atom a: every
// destination (all), or those in some (named ports), or none.
func (m *Model) ruleMask(r *rule, a int) (all bool, some bitset) {
	at := m.ports.atoms[a]
	if r.ports.covers(at) {
		return true, nil
	}
	if at.lo != at.hi {
		return false, nil
	}
	for _, n := range r.ports.named {
		if n.proto != at.proto {
			continue
		}
		if bs := m.namedMask[n][at.lo]; bs != nil {
			if some == nil {
				some = bs.clone()
			} else {
				some.or(bs)
			}
		}
	}
	return false, some
}

// ruleAdmitsAtom reports whether rule r admits atom a towards destination d.
func (m *Model) ruleAdmitsAtom(r *rule, a, d int) bool {
	at := m.ports.atoms[a]
	if r.ports.covers(at) {
		return true
	}
	if at.lo != at.hi || d >= m.nPod {
		return false
	}
	for _, n := range r.ports.named {
		if n.proto == at.proto {
			if v, ok := m.classes[d].named[n]; ok && v == at.lo {
				return true
			}
		}
	}
	return false
}

type scratch struct {
	decided, passed, np, tmp bitset
}

func (m *Model) newScratch() *scratch {
	n := len(m.classes)
	return &scratch{newBitset(n), newBitset(n), newBitset(n), newBitset(n)}
}

// egressRow writes into row the destinations pod class s may send to on
// atom a, as far as s's egress policies decide.
func (m *Model) egressRow(s, a int, row bitset, sc *scratch) {
	row.clear()
	cl := &m.classes[s]
	switch {
	case s >= m.nPod: // external sources: nothing restricts them
		row.copyFrom(m.podSet)
		return
	case cl.HostNetwork:
		row.copyFrom(m.all)
		return
	}
	sc.decided.clear()
	sc.passed.clear()
	for _, r := range m.admEg[s] {
		all, some := m.ruleMask(r, a)
		if !all && some == nil {
			continue
		}
		sc.tmp.copyFrom(r.peers)
		if !all {
			sc.tmp.and(some)
		}
		sc.tmp.andNot(sc.decided)
		switch r.action {
		case actAllow:
			row.or(sc.tmp)
		case actPass:
			sc.passed.or(sc.tmp)
		}
		sc.decided.or(sc.tmp)
	}
	sc.np.clear()
	if pols := m.npEg[s]; len(pols) > 0 {
		for _, p := range pols {
			for _, r := range p.rules {
				if r.dir != dirEgress {
					continue
				}
				all, some := m.ruleMask(r, a)
				if all {
					sc.np.or(r.peers)
				} else if some != nil {
					sc.np.orAnd(r.peers, some)
				}
			}
		}
	} else {
		m.baselineRow(m.baseEg[s], a, -1, sc)
	}
	for i := range row {
		row[i] |= sc.np[i] & (^sc.decided[i] | sc.passed[i])
	}
	row.trim(len(m.classes))
}

// baselineRow leaves in sc.np the peers the baseline tier admits (its
// Allow rules plus everything no rule matches). d >= 0 is the destination
// class for ingress rules.
func (m *Model) baselineRow(rules []*rule, a, d int, sc *scratch) {
	sc.tmp.clear()
	for _, r := range rules {
		var all bool
		var some bitset
		if d >= 0 {
			all = m.ruleAdmitsAtom(r, a, d)
		} else {
			all, some = m.ruleMask(r, a)
		}
		if !all && some == nil {
			continue
		}
		for i := range sc.np {
			w := r.peers[i] &^ sc.tmp[i]
			if !all {
				w &= some[i]
			}
			if r.action == actAllow {
				sc.np[i] |= w
			}
			sc.tmp[i] |= w
		}
	}
	for i := range sc.np {
		sc.np[i] |= ^sc.tmp[i]
	}
	sc.np.trim(len(m.classes))
}

// ingressRow writes into row the sources pod class d accepts on atom a.
func (m *Model) ingressRow(d, a int, row bitset, sc *scratch) {
	row.clear()
	cl := &m.classes[d]
	switch {
	case d >= m.nPod:
		row.copyFrom(m.podSet)
		return
	case cl.HostNetwork:
		row.copyFrom(m.all)
		return
	}
	sc.decided.clear()
	sc.passed.clear()
	for _, r := range m.admIn[d] {
		if !m.ruleAdmitsAtom(r, a, d) {
			continue
		}
		sc.tmp.copyFrom(r.peers)
		sc.tmp.andNot(sc.decided)
		switch r.action {
		case actAllow:
			row.or(sc.tmp)
		case actPass:
			sc.passed.or(sc.tmp)
		}
		sc.decided.or(sc.tmp)
	}
	sc.np.clear()
	if pols := m.npIn[d]; len(pols) > 0 {
		for _, p := range pols {
			for _, r := range p.rules {
				if r.dir == dirIngress && m.ruleAdmitsAtom(r, a, d) {
					sc.np.or(r.peers)
				}
			}
		}
	} else {
		m.baselineRow(m.baseIn[d], a, d, sc)
	}
	for i := range row {
		row[i] |= sc.np[i] & (^sc.decided[i] | sc.passed[i])
	}
	row.trim(len(m.classes))
	if cl.node != "" {
		if h := m.hostOnNode[cl.node]; h != nil {
			row.or(h) // traffic from the pod's own node
		}
	}
}

// compute fills the reach matrices, one per port atom.
func (m *Model) compute() {
	n := len(m.classes)
	sc := m.newScratch()
	in, tr := newMatrix(n), newMatrix(n)
	m.reach = make([]*matrix, len(m.ports.atoms))
	for a := range m.ports.atoms {
		eg := newMatrix(n)
		for s := 0; s < n; s++ {
			m.egressRow(s, a, eg.row(s), sc)
		}
		for d := 0; d < n; d++ {
			m.ingressRow(d, a, in.row(d), sc)
		}
		in.transposeInto(tr)
		for i := range eg.bits {
			eg.bits[i] &= tr.bits[i]
		}
		m.reach[a] = eg
	}
}
