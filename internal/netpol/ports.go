package netpol

import (
	"cmp"
	"fmt"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// Protocols are the transport protocols NetworkPolicy knows, in index order.
var Protocols = []corev1.Protocol{corev1.ProtocolTCP, corev1.ProtocolUDP, corev1.ProtocolSCTP}

const maxPort = 65535

// protoIndex maps a protocol to its index in Protocols; "" is TCP, the API
// default. Unknown protocols return -1.
func protoIndex(p corev1.Protocol) int {
	switch strings.ToUpper(string(p)) {
	case "", "TCP":
		return 0
	case "UDP":
		return 1
	case "SCTP":
		return 2
	}
	return -1
}

// PortRange is an inclusive range of ports of one protocol.
type PortRange struct {
	Protocol corev1.Protocol `json:"protocol"`
	Start    int32           `json:"start"`
	End      int32           `json:"end"`
}

func (r PortRange) String() string {
	if r.Start == 1 && r.End == maxPort {
		return string(r.Protocol) + " any port"
	}
	if r.Start == r.End {
		return fmt.Sprintf("%s %d", r.Protocol, r.Start)
	}
	return fmt.Sprintf("%s %d-%d", r.Protocol, r.Start, r.End)
}

// FormatPorts renders ranges as "TCP 80, UDP 53".
func FormatPorts(rs []PortRange) string {
	s := make([]string, len(rs))
	for i, r := range rs {
		s[i] = r.String()
	}
	return strings.Join(s, ", ")
}

// portRange is a numeric range in protocol-index form.
type portRange struct {
	proto  int
	lo, hi int32
}

// namedPort is a port a rule names; it resolves per destination pod.
type namedPort struct {
	name  string
	proto int
}

// portSpec is what a rule's ports field admits.
type portSpec struct {
	all    bool // no ports field: every port of every protocol
	ranges []portRange
	named  []namedPort
}

// portAtoms partitions each protocol's port space into disjoint intervals
// such that every port range and resolved named port of the cluster is a
// union of atoms.
type portAtoms struct {
	atoms []portRange
	// starts[p] lists the first port of each atom of protocol p; first[p]
	// is the index of its first atom.
	starts [3][]int32
	first  [3]int
}

// buildPortAtoms cuts [1, 65535] of every protocol at the given ranges.
func buildPortAtoms(ranges []portRange) *portAtoms {
	var cuts [3]map[int32]bool
	for p := range cuts {
		cuts[p] = map[int32]bool{1: true}
	}
	for _, r := range ranges {
		if r.proto < 0 || r.lo > r.hi || r.hi < 1 || r.lo > maxPort {
			continue
		}
		lo, hi := max(r.lo, 1), min(r.hi, maxPort)
		cuts[r.proto][lo] = true
		if hi < maxPort {
			cuts[r.proto][hi+1] = true
		}
	}
	pa := &portAtoms{}
	for p := range cuts {
		s := make([]int32, 0, len(cuts[p]))
		for c := range cuts[p] {
			s = append(s, c)
		}
		sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
		pa.starts[p] = s
		pa.first[p] = len(pa.atoms)
		for i, lo := range s {
			hi := int32(maxPort)
			if i+1 < len(s) {
				hi = s[i+1] - 1
			}
			pa.atoms = append(pa.atoms, portRange{proto: p, lo: lo, hi: hi})
		}
	}
	return pa
}

// find returns the atom holding port of protocol p, or -1.
func (pa *portAtoms) find(p int, port int32) int {
	if p < 0 || port < 1 || port > maxPort {
		return -1
	}
	s := pa.starts[p]
	i := sort.Search(len(s), func(i int) bool { return s[i] > port }) - 1
	return pa.first[p] + i
}

// covers reports whether the numeric part of spec admits every port of atom a.
func (s *portSpec) covers(a portRange) bool {
	if s.all {
		return true
	}
	for _, r := range s.ranges {
		if r.proto == a.proto && r.lo <= a.lo && a.hi <= r.hi {
			return true
		}
	}
	return false
}

// admits reports whether spec admits the port for a destination whose named
// ports are resolved by named.
func (s *portSpec) admits(proto int, port int32, named map[namedPort]int32) bool {
	if s.all {
		return true
	}
	for _, r := range s.ranges {
		if r.proto == proto && r.lo <= port && port <= r.hi {
			return true
		}
	}
	for _, n := range s.named {
		if n.proto == proto {
			if v, ok := named[n]; ok && v == port {
				return true
			}
		}
	}
	return false
}

// comparePortRanges orders ranges by protocol, then first port.
func comparePortRanges(a, b portRange) int {
	if c := cmp.Compare(a.proto, b.proto); c != 0 {
		return c
	}
	return cmp.Compare(a.lo, b.lo)
}

// mergePorts joins adjacent ranges of the same protocol.
func mergePorts(rs []portRange) []PortRange {
	var out []PortRange
	for _, r := range rs {
		p := Protocols[r.proto]
		if n := len(out); n > 0 && out[n-1].Protocol == p && out[n-1].End+1 == r.lo {
			out[n-1].End = r.hi
			continue
		}
		out = append(out, PortRange{Protocol: p, Start: r.lo, End: r.hi})
	}
	return out
}
