package netpol

import "math/bits"

// bitset is a fixed-width set of class indices.
type bitset []uint64

func newBitset(n int) bitset { return make(bitset, (n+63)/64) }

func (b bitset) set(i int)      { b[i>>6] |= 1 << (uint(i) & 63) }
func (b bitset) has(i int) bool { return b[i>>6]&(1<<(uint(i)&63)) != 0 }
func (b bitset) or(o bitset) {
	for i := range b {
		b[i] |= o[i]
	}
}
func (b bitset) copyFrom(o bitset) { copy(b, o) }
func (b bitset) clear()            { clear(b) }
func (b bitset) clone() bitset     { return append(bitset(nil), b...) }

// setAll sets bits [0, n).
func (b bitset) setAll(n int) {
	for i := range b {
		b[i] = ^uint64(0)
	}
	b.trim(n)
}

// trim clears the bits at n and above.
func (b bitset) trim(n int) {
	if len(b) == 0 {
		return
	}
	if r := uint(n) & 63; r != 0 {
		b[len(b)-1] &= (1 << r) - 1
	}
}

// clearFrom clears every bit at n and above.
func (b bitset) clearFrom(n int) {
	i := n >> 6
	if i >= len(b) {
		return
	}
	b[i] &= (1 << (uint(n) & 63)) - 1
	clear(b[i+1:])
}

// orAnd sets b |= x & y.
func (b bitset) orAnd(x, y bitset) {
	for i := range b {
		b[i] |= x[i] & y[i]
	}
}

func (b bitset) empty() bool {
	for _, w := range b {
		if w != 0 {
			return false
		}
	}
	return true
}

func (b bitset) count() int {
	n := 0
	for _, w := range b {
		n += bits.OnesCount64(w)
	}
	return n
}

// each calls f for every set bit in increasing order; f returns false to stop.
func (b bitset) each(f func(int) bool) {
	for i, w := range b {
		for w != 0 {
			t := bits.TrailingZeros64(w)
			if !f(i*64 + t) {
				return
			}
			w &= w - 1
		}
	}
}

// first returns the lowest set bit at or above from, or -1.
func (b bitset) first(from int) int {
	if from < 0 {
		from = 0
	}
	i := from >> 6
	if i >= len(b) {
		return -1
	}
	w := b[i] &^ ((1 << (uint(from) & 63)) - 1)
	for {
		if w != 0 {
			return i*64 + bits.TrailingZeros64(w)
		}
		i++
		if i >= len(b) {
			return -1
		}
		w = b[i]
	}
}

// matrix is a square bit matrix: n rows of w words.
type matrix struct {
	n, w int
	bits []uint64
}

func newMatrix(n int) *matrix {
	w := (n + 63) / 64
	return &matrix{n: n, w: w, bits: make([]uint64, n*w)}
}

func (m *matrix) row(i int) bitset { return bitset(m.bits[i*m.w : (i+1)*m.w : (i+1)*m.w]) }

// transposeInto writes the transpose of m into t (same size), 64x64 blocks
// at a time.
func (m *matrix) transposeInto(t *matrix) {
	var blk [64]uint64
	for bi := 0; bi < m.w; bi++ { // block row: rows bi*64..
		for bj := 0; bj < m.w; bj++ { // block column: words bj
			for k := 0; k < 64; k++ {
				r := bi*64 + k
				if r < m.n {
					blk[k] = m.bits[r*m.w+bj]
				} else {
					blk[k] = 0
				}
			}
			transpose64(&blk)
			for k := 0; k < 64; k++ {
				r := bj*64 + k
				if r < t.n {
					t.bits[r*t.w+bi] = blk[k]
				}
			}
		}
	}
}

// transpose64 transposes a 64x64 bit block in place, where bit j of word i
// is element (i, j).
func transpose64(a *[64]uint64) {
	j := 32
	m := uint64(0x00000000FFFFFFFF)
	for j != 0 {
		for k := 0; k < 64; k = (k + j + 1) &^ j {
			t := (a[k]>>uint(j) ^ a[k+j]) & m
			a[k] ^= t << uint(j)
			a[k+j] ^= t
		}
		j >>= 1
		m ^= m << uint(j)
	}
}

// intersects reports whether a and b share a bit.
func intersects(a, b bitset) bool {
	for i := range a {
		if a[i]&b[i] != 0 {
			return true
		}
	}
	return false
}
