package netpol

import (
	"math/rand"
	"testing"
)

func TestTranspose(t *testing.T) {
	for _, n := range []int{1, 5, 63, 64, 65, 130} {
		r := rand.New(rand.NewSource(int64(n)))
		m := newMatrix(n)
		for i := 0; i < n; i++ {
			for j := 0; j < n; j++ {
				if r.Intn(3) == 0 {
					m.row(i).set(j)
				}
			}
		}
		tr := newMatrix(n)
		m.transposeInto(tr)
		for i := 0; i < n; i++ {
			for j := 0; j < n; j++ {
				if m.row(i).has(j) != tr.row(j).has(i) {
					t.Fatalf("n=%d: (%d,%d) not transposed", n, i, j)
				}
			}
		}
	}
}

func TestBitsetFirstEach(t *testing.T) {
	b := newBitset(200)
	for _, i := range []int{0, 63, 64, 130, 199} {
		b.set(i)
	}
	var got []int
	b.each(func(i int) bool { got = append(got, i); return true })
	if len(got) != 5 || got[4] != 199 || b.count() != 5 {
		t.Fatalf("each = %v", got)
	}
	if b.first(1) != 63 || b.first(131) != 199 || b.first(200) != -1 {
		t.Fatalf("first wrong: %d %d %d", b.first(1), b.first(131), b.first(200))
	}
}

func TestClearFrom(t *testing.T) {
	for _, n := range []int{0, 1, 63, 64, 65, 127, 128, 150} {
		b := newBitset(150)
		b.setAll(150)
		b.clearFrom(n)
		if b.count() != n {
			t.Errorf("clearFrom(%d) left %d bits", n, b.count())
		}
	}
}
