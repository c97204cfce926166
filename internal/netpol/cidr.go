package netpol

import (
	"fmt"
	"net/netip"
	"slices"
	"sort"
)

// ipBlock is a CIDR minus exceptions, as in NetworkPolicy's ipBlock and
// (without exceptions) AdminNetworkPolicy's networks.
type ipBlock struct {
	cidr   netip.Prefix
	except []netip.Prefix
}

func parseIPBlock(cidr string, except []string) (ipBlock, error) {
	p, err := netip.ParsePrefix(cidr)
	if err != nil {
		return ipBlock{}, fmt.Errorf("ipBlock cidr %q: %w", cidr, err)
	}
	b := ipBlock{cidr: p.Masked()}
	for _, e := range except {
		q, err := netip.ParsePrefix(e)
		if err != nil {
			return ipBlock{}, fmt.Errorf("ipBlock except %q: %w", e, err)
		}
		b.except = append(b.except, q.Masked())
	}
	return b, nil
}

func (b ipBlock) key() string {
	k := b.cidr.String()
	for _, e := range b.except {
		k += "!" + e.String()
	}
	return k
}

// describe renders the block as written: "10.0.0.0/8 except 10.1.0.0/16".
func (b ipBlock) describe() string {
	s := b.cidr.String()
	for i, e := range b.except {
		if i == 0 {
			s += " except "
		} else {
			s += ", "
		}
		s += e.String()
	}
	return s
}

// contains reports whether ip is in the block.
func (b ipBlock) contains(ip netip.Addr) bool {
	ip = ip.Unmap()
	if !b.cidr.Contains(ip) {
		return false
	}
	for _, e := range b.except {
		if e.Contains(ip) {
			return false
		}
	}
	return true
}

// nonPodNetworks are ranges no pod address is ever taken from: loopback,
// link-local (the metadata service) and multicast.
var nonPodNetworks = []netip.Prefix{
	netip.MustParsePrefix("127.0.0.0/8"),
	netip.MustParsePrefix("169.254.0.0/16"),
	netip.MustParsePrefix("224.0.0.0/4"),
	netip.MustParsePrefix("::1/128"),
	netip.MustParsePrefix("fe80::/10"),
	netip.MustParsePrefix("ff00::/8"),
}

// coversPods reports whether the block holds every address a pod can get,
// whatever it is: a whole address family (0.0.0.0/0 or ::/0) whose
// exceptions lie in ranges pods never get addresses from. Such a block
// matches pods whose address the input does not give (representative pods
// of controllers, pods read from manifests); any other block may or may
// not, depending on the address the pod gets.
func (b ipBlock) coversPods() bool {
	if b.cidr.Bits() != 0 {
		return false
	}
	for _, e := range b.except {
		inside := false
		for _, n := range nonPodNetworks {
			if n.Bits() <= e.Bits() && n.Contains(e.Addr()) {
				inside = true
				break
			}
		}
		if !inside {
			return false
		}
	}
	return true
}

// inNonPodNetworks reports whether the block lies in a network no pod
// address is taken from (nonPodNetworks).
func (b ipBlock) inNonPodNetworks() bool {
	return slices.ContainsFunc(nonPodNetworks, func(n netip.Prefix) bool { return n.Bits() <= b.cidr.Bits() && n.Contains(b.cidr.Addr()) })
}

// ipRange is an inclusive range of addresses of one family.
type ipRange struct{ lo, hi netip.Addr }

func (r ipRange) String() string {
	if r.lo == r.hi {
		return r.lo.String()
	}
	// Print as a prefix when the range is exactly one.
	for bits := 0; bits <= r.lo.BitLen(); bits++ {
		p := netip.PrefixFrom(r.lo, bits)
		if p.Masked().Addr() == r.lo && lastAddr(p) == r.hi {
			return p.String()
		}
	}
	return r.lo.String() + "-" + r.hi.String()
}

// lastAddr returns the highest address of a prefix.
func lastAddr(p netip.Prefix) netip.Addr {
	a := p.Masked().Addr().AsSlice()
	bits := p.Bits()
	for i := range a {
		for j := 0; j < 8; j++ {
			if i*8+j >= bits {
				a[i] |= 0x80 >> uint(j)
			}
		}
	}
	out, _ := netip.AddrFromSlice(a)
	return out
}

// buildIPAtoms splits both address families into disjoint ranges such that
// each given prefix is a union of ranges. The ranges are sorted, IPv4 first.
func buildIPAtoms(prefixes []netip.Prefix) []ipRange {
	cuts := map[netip.Addr]bool{
		netip.IPv4Unspecified(): true,
		netip.IPv6Unspecified(): true,
	}
	for _, p := range prefixes {
		p = p.Masked()
		cuts[p.Addr()] = true
		if n := lastAddr(p).Next(); n.IsValid() && n.BitLen() == p.Addr().BitLen() {
			cuts[n] = true
		}
	}
	s := make([]netip.Addr, 0, len(cuts))
	for c := range cuts {
		s = append(s, c)
	}
	sort.Slice(s, func(i, j int) bool { return s[i].Less(s[j]) })
	out := make([]ipRange, 0, len(s))
	for i, lo := range s {
		var hi netip.Addr
		if i+1 < len(s) && s[i+1].BitLen() == lo.BitLen() {
			hi = s[i+1].Prev()
		} else if lo.Is4() {
			hi = netip.AddrFrom4([4]byte{255, 255, 255, 255})
		} else {
			hi = netip.AddrFrom16([16]byte{0: 255, 1: 255, 2: 255, 3: 255, 4: 255, 5: 255, 6: 255, 7: 255, 8: 255, 9: 255, 10: 255, 11: 255, 12: 255, 13: 255, 14: 255, 15: 255})
		}
		out = append(out, ipRange{lo: lo, hi: hi})
	}
	return out
}

// findIPAtom returns the index of the range holding ip.
func findIPAtom(atoms []ipRange, ip netip.Addr) int {
	ip = ip.Unmap()
	i := sort.Search(len(atoms), func(i int) bool { return ip.Less(atoms[i].lo) }) - 1
	if i < 0 || atoms[i].hi.Less(ip) {
		return -1
	}
	return i
}
