package load

import (
	"unicode/utf8"
)

func (c *yconv) convert() bool {
	if !plainText(c.src) {
		return false
	}
	col, eof := c.nextLine()
	if eof {
		c.out = append(c.out, "null"...)
		return true
	}
	switch {
	case c.src[c.pos] == '{':
		if !c.flow(-1) || !c.restOfLine() {
			return false
		}
	case c.isKey():
		if !c.mapping(col) {
			return false
		}
	default:
		return false // a scalar or a sequence: not an object anyway
	}
	_, eof = c.nextLine()
	return eof
}

// plainText reports whether src has none of what the fast path leaves to
// sigs.k8s.io/yaml at the level of characters: control characters, tabs
// and CRs, what YAML reads as line breaks besides LF (NEL, LS, PS), byte
// order marks, invalid UTF-8, and lines starting with a directive or a
// document marker.
func plainText(src []byte) bool {
	lineStart := true
	for i := 0; i < len(src); {
		if !lineStart {
			for i < len(src) && printableASCII[src[i]] {
				i++
			}
			if i == len(src) {
				break
			}
		}
		b := src[i]
		if lineStart {
			switch b {
			case '%':
				return false
			case '-', '.':
				if i+2 < len(src) && src[i+1] == b && src[i+2] == b && (i+3 == len(src) || src[i+3] == ' ' || src[i+3] == '\n') {
					return false
				}
			}
		}
		lineStart = b == '\n'
		if b < utf8.RuneSelf {
			if (b < 0x20 && b != '\n') || b == 0x7f {
				return false
			}
			i++
			continue
		}
		r, size := utf8.DecodeRune(src[i:])
		if !yamlPrintable(r) || size == 1 {
			return false
		}
		i += size
	}
	return true
}

// printableASCII marks the bytes plainText lets by without a look.
var printableASCII = func() (t [256]bool) {
	for b := 0x20; b < 0x7f; b++ {
		t[b] = true
	}
	return t
}()

// yamlPrintable reports whether yaml.v2 reads a non-ASCII rune as an
// ordinary character.
func yamlPrintable(r rune) bool {
	switch {
	case r == 0x85, r == 0x2028, r == 0x2029, r == 0xFEFF:
		return false
	case r >= 0xA0 && r <= 0xD7FF, r >= 0xE000 && r <= 0xFFFD, r >= 0x10000 && r <= 0x10FFFF:
		return true
	}
	return false
}

// maxDepth bounds the nesting the fast path follows.
const maxDepth = 1000

// maxKey is how long a key may be: YAML wants the ':' of an implicit key
// within 1024 characters of its start.
const maxKey = 1000

type yconv struct {
	src       []byte
	pos       int
	lineStart int // offset of the line pos is on
	out       []byte
	keys      []span // keys of the mappings being written, as offsets in out
	buf       []byte // scratch for scalars that are not a slice of src
	depth     int
	items     listItems
	// chunks are the root's items, found to convert them in parallel.
	chunks *itemChunks
}

type span struct{ start, end int }

func (c *yconv) col() int { return c.pos - c.lineStart }

func (c *yconv) at(i int) byte {
	if i < len(c.src) {
		return c.src[i]
	}
	return 0
}

// blankz reports whether the byte at i is a space, a line break or the end.
func (c *yconv) blankz(i int) bool {
	return i >= len(c.src) || c.src[i] == ' ' || c.src[i] == '\n'
}

// nextLine moves past spaces, comments and line breaks to the next
// content and returns its column, or reports the end of the document. At
// content already, it stays.
func (c *yconv) nextLine() (col int, eof bool) {
	for {
		for c.pos < len(c.src) && c.src[c.pos] == ' ' {
			c.pos++
		}
		if c.pos < len(c.src) && c.src[c.pos] == '#' {
			for c.pos < len(c.src) && c.src[c.pos] != '\n' {
				c.pos++
			}
		}
		if c.pos >= len(c.src) {
			return 0, true
		}
		if c.src[c.pos] != '\n' {
			return c.col(), false
		}
		c.pos++
		c.lineStart = c.pos
	}
}

// restOfLine moves past spaces and a comment to the line break or the
// end, and reports false when something else is on the line.
func (c *yconv) restOfLine() bool {
	for c.pos < len(c.src) && c.src[c.pos] == ' ' {
		c.pos++
	}
	if c.pos < len(c.src) && c.src[c.pos] == '#' {
		for c.pos < len(c.src) && c.src[c.pos] != '\n' {
			c.pos++
		}
	}
	return c.pos >= len(c.src) || c.src[c.pos] == '\n'
}

func (c *yconv) enter() bool {
	c.depth++
	return c.depth <= maxDepth
}
