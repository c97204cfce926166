package netpol

// ReachRows returns, for each pod class (Classes()[i], i < the number of
// pod classes), the pod classes it reaches on some port, as bitset words
// over class ids: what EachReachable gives pair by pair, without a call per
// pair. A class's own bit is cleared, and so are the cluster DNS pods'
// classes when the class reaches them on their DNS ports only (name
// resolution, not a path), and the classes of pods at the API server's
// address when it reaches them on the API server's ports only (the API
// every pod calls: see APIOnly). Sets hold pod classes only.
func (m *Model) ReachRows() [][]uint64 {
	mats := m.distinctMatrices()
	rows := make([][]uint64, m.nPod)
	for s := 0; s < m.nPod; s++ {
		row := newBitset(len(m.classes))
		for _, mx := range mats {
			row.or(mx.row(s))
		}
		row.clearFrom(m.nPod)
		for d := row.first(0); d >= 0; d = row.first(d + 1) {
			if d == s || m.serviceOnly(s, d) {
				row[d>>6] &^= 1 << (uint(d) & 63)
			}
		}
		rows[s] = row[:(m.nPod+63)/64]
	}
	return rows
}
