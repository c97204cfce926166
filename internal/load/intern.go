package load

import "sync"

// An interner hands out one string for each short byte string it is
// given again: a cluster repeats its namespaces, label keys and values,
// images, kinds and port names over thousands of objects, and one string
// each is less to allocate, to collect and to keep.
type interner struct {
	m map[string]string
}

const (
	// internMax is the longest string interned; longer ones are mostly
	// unique (annotations, certificates).
	internMax = 64
	// internEntries bounds an interner: past it, it takes no new strings
	// (what repeats across a cluster comes early and often).
	internEntries = 1 << 14
)

// str returns the string of b, the one handed out before when there is
// one. A nil interner allocates every time.
func (in *interner) str(b []byte) string {
	if in == nil || len(b) > internMax {
		return string(b)
	}
	if s, ok := in.m[string(b)]; ok {
		return s
	}
	s := string(b)
	if in.m == nil {
		in.m = make(map[string]string, 1024)
	}
	if len(in.m) < internEntries {
		in.m[s] = s
	}
	return s
}

// interners are reused across decodes, one a decode at a time.
var interners = sync.Pool{New: func() any { return new(interner) }}
