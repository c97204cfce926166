package load

import "encoding/binary"

// The typed decode spends much of its time finding where strings end.
// These look at eight bytes at a time for the bytes that stop a run,
// then at the bytes of the word that has one.

const (
	ones  = 0x0101010101010101
	highs = 0x8080808080808080
)

// has reports, for each byte of w equal to c, its high bit (and maybe
// the high bits of bytes after it: only whether there is one is exact).
func has(w uint64, c byte) uint64 {
	x := w ^ ones*uint64(c)
	return (x - ones) &^ x & highs
}

// printableRun returns the offset of the first byte of s at or after i
// that is not printable ASCII, or is '"' or '\\': the bytes a JSON string
// as read takes as they are, each the same to jconv.
func printableRun(s []byte, i int) int {
	for ; i+8 <= len(s); i += 8 {
		w := binary.LittleEndian.Uint64(s[i:])
		if (w-ones*0x20)&^w&highs|w&highs|has(w, 0x7f)|has(w, '"')|has(w, '\\') != 0 {
			break
		}
	}
	for i < len(s) && s[i] >= 0x20 && s[i] < 0x7f && s[i] != '"' && s[i] != '\\' {
		i++
	}
	return i
}

// quoteOrEscapeAt returns the offset of the first '"' or '\\' of s at
// or after i, or len(s).
func quoteOrEscapeAt(s []byte, i int) int {
	for ; i+8 <= len(s); i += 8 {
		w := binary.LittleEndian.Uint64(s[i:])
		if has(w, '"')|has(w, '\\') != 0 {
			break
		}
	}
	for i < len(s) && s[i] != '"' && s[i] != '\\' {
		i++
	}
	return i
}
