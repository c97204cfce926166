package load

import (
	"hash/maphash"
	"sync"
	"unsafe"
)

// An interner hands out one string for each short byte string it is
// given again: a cluster repeats its namespaces, label keys and values,
// images, kinds and port names over thousands of objects, and one string
// each is less to allocate, to collect and to keep. It remembers a
// string a slot, the slot chosen by a hash of its bytes: a string seen
// again while its slot still holds it is handed out again; a new one
// takes the slot. The strings it makes are copied into chunks of a few
// kilobytes, one allocation for hundreds of strings, which are never
// written again.
type interner struct {
	seed  maphash.Seed
	slots *[internSlots]string
	// chunk is the free room of the current chunk.
	chunk []byte
}

const (
	// internMax is the longest string interned; longer ones are mostly
	// unique (annotations, certificates).
	internMax = 64
	// internSlots is how many strings an interner remembers.
	internSlots = 1 << 12
	// chunkSize is the size of a chunk strings are copied into; chunkMax
	// the longest string copied into one.
	chunkSize = 16 << 10
	chunkMax  = 512
)

// str returns the string of b, the one handed out before when its slot
// still holds it. A nil interner allocates every time.
func (in *interner) str(b []byte) string {
	if in == nil || len(b) > internMax {
		return in.unique(b)
	}
	if len(b) == 0 {
		return ""
	}
	if in.slots == nil {
		in.seed = maphash.MakeSeed()
		in.slots = new([internSlots]string)
	}
	slot := &in.slots[maphash.Bytes(in.seed, b)&(internSlots-1)]
	if *slot == string(b) {
		return *slot
	}
	s := in.unique(b)
	*slot = s
	return s
}

// unique returns a new string of b, for what is seldom repeated (names,
// UIDs, addresses): copied into the current chunk when short.
func (in *interner) unique(b []byte) string {
	if in == nil || len(b) > chunkMax {
		return string(b)
	}
	if len(b) == 0 {
		return ""
	}
	if len(b) > len(in.chunk) {
		in.chunk = make([]byte, chunkSize)
	}
	c := in.chunk[:len(b):len(b)]
	copy(c, b)
	in.chunk = in.chunk[len(b):]
	return unsafe.String(&c[0], len(c))
}

// interners are reused across decodes, one a decode at a time.
var interners = sync.Pool{New: func() any { return new(interner) }}
