package node

import "math/bits"

// tenantSet is a set of tenants by their index in a sorted list.
type tenantSet []uint64

func newTenantSet(n int) tenantSet { return make(tenantSet, (n+63)/64) }

func (s tenantSet) add(i int)    { s[i/64] |= 1 << (i % 64) }
func (s tenantSet) remove(i int) { s[i/64] &^= 1 << (i % 64) }

func (s tenantSet) or(o tenantSet) {
	for i := range s {
		s[i] |= o[i]
	}
}

func (s tenantSet) clone() tenantSet { return append(tenantSet(nil), s...) }

func (s tenantSet) count() int {
	n := 0
	for _, w := range s {
		n += bits.OnesCount64(w)
	}
	return n
}

// names returns the names of the first max members, in list order.
func (s tenantSet) names(list []string, max int) []string {
	var out []string
	for wi, w := range s {
		for w != 0 && len(out) < max {
			b := bits.TrailingZeros64(w)
			out = append(out, list[wi*64+b])
			w &^= 1 << b
		}
		if len(out) == max {
			break
		}
	}
	return out
}
