package netpol

import (
	"sync"
)

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

// tierResult is what an ordered admin rule list decides about each peer.
type tierResult struct {
	allow, decided, passed bitset
}

// worker computes the matrices of some port atoms with its own scratch
// space and caches.
type worker struct {
	m         *Model
	a         int
	n         int
	np, tmp   bitset
	adm       map[[2]int]*tierResult // (direction, list id)
	base      map[[2]int]bitset
	masks     map[*rule]bitset // egress rules with named ports: destinations
	maskKnown map[*rule]bool
}

func (m *Model) newWorker() *worker {
	n := len(m.classes)
	return &worker{m: m, n: n, np: newBitset(n), tmp: newBitset(n)}
}

func (w *worker) reset(a int) {
	w.a = a
	w.adm = map[[2]int]*tierResult{}
	w.base = map[[2]int]bitset{}
	w.masks = map[*rule]bitset{}
	w.maskKnown = map[*rule]bool{}
}

// ruleMask says for which destinations egress-side rule r admits the
// current atom: every destination (all), or those in some (named ports),
// or none.
func (w *worker) ruleMask(r *rule) (all bool, some bitset) {
	m := w.m
	at := m.ports.atoms[w.a]
	if r.ports.covers(at) {
		return true, nil
	}
	if at.lo != at.hi || len(r.ports.named) == 0 {
		return false, nil
	}
	if w.maskKnown[r] {
		return false, w.masks[r]
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
	w.maskKnown[r], w.masks[r] = true, some
	return false, some
}

// admits decides whether rule r applies on the current atom; for ingress
// rules d is the destination class, for egress rules d < 0 and the
// destinations come back in some.
func (w *worker) admits(r *rule, d int) (all bool, some bitset) {
	if d >= 0 {
		return w.m.ruleAdmitsAtom(r, w.a, d), nil
	}
	return w.ruleMask(r)
}

// admin evaluates an ordered Allow/Deny/Pass rule list.
func (w *worker) admin(dir direction, id int, rules []*rule, d int) *tierResult {
	if id < 0 {
		return nil
	}
	cacheable := d < 0 || !hasNamed(rules)
	key := [2]int{int(dir), id}
	if cacheable {
		if t, ok := w.adm[key]; ok {
			return t
		}
	}
	t := &tierResult{newBitset(w.n), newBitset(w.n), newBitset(w.n)}
	for _, r := range rules {
		all, some := w.admits(r, d)
		if !all && some == nil {
			continue
		}
		for i := range t.decided {
			x := r.peers[i] &^ t.decided[i]
			if !all {
				x &= some[i]
			}
			switch r.action {
			case actAllow:
				t.allow[i] |= x
			case actPass:
				t.passed[i] |= x
			}
			t.decided[i] |= x
		}
	}
	if cacheable {
		w.adm[key] = t
	}
	return t
}

// baseline returns the peers the baseline tier admits: its Allow rules
// plus every peer no rule matches.
func (w *worker) baseline(dir direction, id int, rules []*rule, d int) bitset {
	if id < 0 {
		return w.m.all
	}
	cacheable := d < 0 || !hasNamed(rules)
	key := [2]int{int(dir), id}
	if cacheable {
		if b, ok := w.base[key]; ok {
			return b
		}
	}
	out, decided := newBitset(w.n), newBitset(w.n)
	for _, r := range rules {
		all, some := w.admits(r, d)
		if !all && some == nil {
			continue
		}
		for i := range out {
			x := r.peers[i] &^ decided[i]
			if !all {
				x &= some[i]
			}
			if r.action == actAllow {
				out[i] |= x
			}
			decided[i] |= x
		}
	}
	for i := range out {
		out[i] |= ^decided[i]
	}
	out.trim(w.n)
	if cacheable {
		w.base[key] = out
	}
	return out
}

// addPeers sets np |= r.peers (& some when some is not nil).
func addPeers(np bitset, r *rule, some bitset) {
	if r.sparse != nil {
		for _, i := range r.sparse {
			if some == nil || some.has(int(i)) {
				np.set(int(i))
			}
		}
		return
	}
	if some == nil {
		np.or(r.peers)
	} else {
		np.orAnd(r.peers, some)
	}
}

// combine writes row = adm.allow | np & (^adm.decided | adm.passed).
func (w *worker) combine(row bitset, adm *tierResult, np bitset) {
	if adm == nil {
		row.copyFrom(np)
		return
	}
	for i := range row {
		row[i] = adm.allow[i] | np[i]&(^adm.decided[i]|adm.passed[i])
	}
}

// egressRow writes into row the destinations class s may send to.
func (w *worker) egressRow(s int, row bitset) {
	m := w.m
	switch {
	case s >= m.nPod: // external sources: nothing restricts them
		row.copyFrom(m.podSet)
		return
	case m.classes[s].HostNetwork:
		row.copyFrom(m.all)
		return
	}
	adm := w.admin(dirEgress, m.admEgID[s], m.admEg[s], -1)
	var np bitset
	if pols := m.npEg[s]; len(pols) > 0 {
		np = w.np
		np.clear()
		for _, p := range pols {
			for _, r := range p.rules {
				if r.dir != dirEgress {
					continue
				}
				if all, some := w.ruleMask(r); all {
					addPeers(np, r, nil)
				} else if some != nil {
					addPeers(np, r, some)
				}
			}
		}
	} else {
		np = w.baseline(dirEgress, m.baseEgID[s], m.baseEg[s], -1)
	}
	w.combine(row, adm, np)
}

// ingressRow writes into row the sources class d accepts.
func (w *worker) ingressRow(d int, row bitset) {
	m := w.m
	cl := &m.classes[d]
	switch {
	case d >= m.nPod:
		row.copyFrom(m.podSet)
		return
	case cl.HostNetwork:
		row.copyFrom(m.all)
		return
	}
	adm := w.admin(dirIngress, m.admInID[d], m.admIn[d], d)
	var np bitset
	if pols := m.npIn[d]; len(pols) > 0 {
		np = w.np
		np.clear()
		for _, p := range pols {
			for _, r := range p.rules {
				if r.dir == dirIngress && m.ruleAdmitsAtom(r, w.a, d) {
					addPeers(np, r, nil)
				}
			}
		}
	} else {
		np = w.baseline(dirIngress, m.baseInID[d], m.baseIn[d], d)
	}
	w.combine(row, adm, np)
}

// atomGroups groups port atoms that every rule and named port treats
// alike; each group needs one matrix.
func (m *Model) atomGroups() [][]int {
	var rules []*rule
	for _, p := range m.policies {
		rules = append(rules, p.rules...)
	}
	named := map[int32][]namedPort{}
	for n, byPort := range m.namedMask {
		for port := range byPort {
			named[port] = append(named[port], n)
		}
	}
	groups := map[string]int{}
	var out [][]int
	sig := make([]byte, 0, len(rules)+8)
	for a, at := range m.ports.atoms {
		sig = sig[:0]
		sig = append(sig, byte(at.proto))
		for _, r := range rules {
			if r.ports.covers(at) {
				sig = append(sig, 1)
			} else {
				sig = append(sig, 0)
			}
		}
		if at.lo == at.hi {
			for _, n := range named[at.lo] {
				if n.proto == at.proto {
					// A port some pod names is its own group.
					sig = append(sig, []byte("#"+itoa(int(at.lo)))...)
					break
				}
			}
		}
		g, ok := groups[string(sig)]
		if !ok {
			g = len(out)
			groups[string(sig)] = g
			out = append(out, nil)
		}
		out[g] = append(out[g], a)
	}
	return out
}

// compute fills the reach matrices, one per group of port atoms, on two
// workers.
func (m *Model) compute() {
	groups := m.atomGroups()
	m.reach = make([]*matrix, len(m.ports.atoms))
	const workers = 2
	var wg sync.WaitGroup
	for k := 0; k < workers; k++ {
		wg.Add(1)
		go func(k int) {
			defer wg.Done()
			w := m.newWorker()
			n := len(m.classes)
			in, tr := newMatrix(n), newMatrix(n)
			for g := k; g < len(groups); g += workers {
				w.reset(groups[g][0])
				eg := newMatrix(n)
				for s := 0; s < n; s++ {
					w.egressRow(s, eg.row(s))
				}
				for d := 0; d < n; d++ {
					w.ingressRow(d, in.row(d))
				}
				in.transposeInto(tr)
				for i := range eg.bits {
					eg.bits[i] &= tr.bits[i]
				}
				for _, a := range groups[g] {
					m.reach[a] = eg
				}
			}
		}(k)
	}
	wg.Wait()
}
