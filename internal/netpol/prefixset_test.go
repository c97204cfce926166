package netpol

import (
	"math/rand"
	"net/netip"
	"slices"
	"testing"
)

// A prefixSet holds an address exactly when one of its prefixes contains
// it, as a walk over every prefix says: on random prefixes of mixed
// lengths and families, nested and disjoint, those of every address
// among them, and addresses in and out of them, some with a zone.
func TestPrefixSetContains(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	addr := func() netip.Addr {
		if r.Intn(4) == 0 {
			var b [16]byte
			b[0], b[1], b[15] = 0xfd, byte(r.Intn(2)), byte(r.Intn(256))
			return netip.AddrFrom16(b)
		}
		return netip.AddrFrom4([4]byte{10, byte(r.Intn(4)), byte(r.Intn(8)), byte(r.Intn(256))})
	}
	for round := 0; round < 200; round++ {
		var s prefixSet
		var all []netip.Prefix
		for range r.Intn(30) {
			a := addr()
			bits := []int{8, 16, 20, 24, 26, 32}[r.Intn(6)]
			if a.Is6() {
				bits = []int{16, 64, 120, 128}[r.Intn(4)]
			}
			p := netip.PrefixFrom(a, bits).Masked()
			if added := s.add(p); added == slices.Contains(all, p) {
				t.Fatalf("add(%s) = %v with %v held", p, added, all)
			}
			if !slices.Contains(all, p) {
				all = append(all, p)
			}
		}
		if r.Intn(10) == 0 { // every address of a family
			p := netip.PrefixFrom(netip.IPv4Unspecified(), 0)
			if r.Intn(2) == 0 {
				p = netip.PrefixFrom(netip.IPv6Unspecified(), 0)
			}
			if !slices.Contains(all, p) {
				s.add(p)
				all = append(all, p)
			}
		}
		for range 200 {
			a := addr()
			if a.Is6() && r.Intn(8) == 0 {
				a = a.WithZone("eth0") // held by no prefix
			}
			want := slices.ContainsFunc(all, func(p netip.Prefix) bool { return p.Contains(a) })
			if got := s.contains(a); got != want {
				t.Fatalf("contains(%s) = %v, want %v, prefixes %v", a, got, want, all)
			}
		}
	}
}
