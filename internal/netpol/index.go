package netpol

import (
	"net/netip"
	"strings"
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
	notes      []string
	// dnsPorts are the ports the cluster DNS pods answer on; dnsAtom marks
	// the port atoms that are one of them.
	dnsPorts []portRange
	dnsAtom  []bool
	// apiPorts are the ports the API server answers on at its addresses;
	// apiAtom marks the port atoms that are one of them.
	apiPorts []portRange
	apiAtom  []bool

	npIn, npEg     [][]*policy
	admIn, admEg   [][]*rule
	baseIn, baseEg [][]*rule
	// list ids: classes with the same admin (or baseline) rule list share
	// one evaluation of that tier.
	admInID, admEgID, baseInID, baseEgID []int
	// nodeLocal lists, per node that runs a host-network pod, the other
	// pods on it (indexes into pods): traffic from the node to them is
	// always allowed.
	nodeLocal map[string][]int
	// nodeLabels is set when a policy peer selects nodes by their labels.
	nodeLabels bool
	// nsSelectors are the selectors of namespaces the policies hold: the
	// model reads a namespace's labels through them alone.
	nsSelectors []*selector

	all, podSet bitset
	// reach[a] row s holds the classes s can open connections to on port
	// atom a. Atoms that every rule treats alike share one matrix.
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

// Notes lists what the answers depend on beyond the input: ipBlock and
// networks peers against pods whose address the input does not give.
func (m *Model) Notes() []string { return m.notes }

const sparseMax = 256

// index builds the per-class lists of policies and rules.
func (m *Model) index() {
	n := len(m.classes)
	id := 0
	for _, p := range m.policies {
		for _, r := range p.rules {
			r.id = id
			id++
			if c := r.peers.count(); c <= sparseMax {
				r.sparse = make([]int32, 0, c)
				r.peers.each(func(i int) bool { r.sparse = append(r.sparse, int32(i)); return true })
			}
		}
	}
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
	m.admInID, m.admEgID = listIDs(m.admIn), listIDs(m.admEg)
	m.baseInID, m.baseEgID = listIDs(m.baseIn), listIDs(m.baseEg)
	m.all = newBitset(n)
	m.all.setAll(n)
	m.podSet = newBitset(n)
	m.podSet.setAll(m.nPod)
}

// listIDs numbers distinct rule lists; the empty list is -1.
func listIDs(lists [][]*rule) []int {
	ids := make([]int, len(lists))
	seen := map[string]int{}
	var b strings.Builder
	for c, l := range lists {
		if len(l) == 0 {
			ids[c] = -1
			continue
		}
		b.Reset()
		for _, r := range l {
			b.WriteString(itoa(r.id))
			b.WriteByte(',')
		}
		k := b.String()
		id, ok := seen[k]
		if !ok {
			id = len(seen)
			seen[k] = id
		}
		ids[c] = id
	}
	return ids
}

// hasNamed reports whether some rule of the list names a port.
func hasNamed(rules []*rule) bool {
	for _, r := range rules {
		if len(r.ports.named) > 0 {
			return true
		}
	}
	return false
}
