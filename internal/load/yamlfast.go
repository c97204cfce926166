package load

import (
	"unicode/utf8"
)

// yamlToJSON appends the JSON of one YAML document to dst, as
// sigs.k8s.io/yaml's YAMLToJSONStrict would write it but for the order of
// keys, for the YAML that kubectl, Helm and people write: block mappings
// and sequences (sequences indented or not), plain, single- and
// double-quoted scalars on one line or folded over several, literal and
// folded block scalars, flow mappings and sequences, comments, and YAML
// 1.1 typing of plain scalars. It reports false for anything else (tabs,
// CR line ends, anchors, aliases, tags, complex or non-string keys, merge
// keys, duplicate keys, directives, a root that is not a mapping, and
// every YAML error), leaving that document to sigs.k8s.io/yaml, whose
// result and messages are then the loader's. FuzzFastYAML holds the two
// to the same JSON.
func yamlToJSON(dst, src []byte) ([]byte, bool) {
	c := yconv{src: src, out: dst}
	if !c.convert() {
		return dst, false
	}
	return c.out, true
}

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

// mapping writes a block mapping whose first key is at pos, in column col.
func (c *yconv) mapping(col int) bool {
	if !c.enter() {
		return false
	}
	c.out = append(c.out, '{')
	base := len(c.keys)
	var seen map[string]bool
	for first := true; ; first = false {
		if !first {
			c.out = append(c.out, ',')
		}
		k, quoted, after, ok := c.scanKey()
		if !ok || !c.writeKey(k, quoted, base, &seen) {
			return false
		}
		c.items.key(c.depth, c.lastKey())
		c.pos = after
		if !c.value(col) {
			return false
		}
		next, eof := c.nextLine()
		if eof || next < col {
			break
		}
		if next > col || (c.src[c.pos] == '-' && c.blankz(c.pos+1)) {
			return false
		}
	}
	c.keys = c.keys[:base]
	c.out = append(c.out, '}')
	c.depth--
	return true
}

// isKey reports whether a key and its ':' are at pos.
func (c *yconv) isKey() bool {
	_, _, _, ok := c.scanKey()
	return ok
}

// scanKey reads the key of a block mapping at pos: a plain or quoted
// scalar on one line followed by ':' and a blank. It returns the key as
// written (quoted: its value) and the offset after the ':'.
func (c *yconv) scanKey() (key []byte, quoted bool, after int, ok bool) {
	start, i := c.pos, c.pos
	switch b := c.src[i]; b {
	case '"', '\'':
		save := c.pos
		v, ok := c.quoted(b == '\'', false)
		i, c.pos = c.pos, save
		if !ok {
			return nil, false, 0, false
		}
		for i < len(c.src) && c.src[i] == ' ' {
			i++
		}
		if c.at(i) != ':' || !c.blankz(i+1) || i-start > maxKey {
			return nil, false, 0, false
		}
		return v, true, i + 1, true
	default:
		if !plainStart(c, i, false) {
			return nil, false, 0, false
		}
		end := i
		for i < len(c.src) && c.src[i] != '\n' {
			switch c.src[i] {
			case ':':
				if c.blankz(i + 1) {
					if i-start > maxKey {
						return nil, false, 0, false
					}
					return c.src[start:end], false, i + 1, true
				}
			case ' ':
				if c.at(i+1) == '#' {
					return nil, false, 0, false
				}
				i++
				continue
			}
			i++
			end = i
		}
		return nil, false, 0, false
	}
}

// writeKey writes a key and its ':', refusing keys that are not strings
// once typed, merge keys and duplicates.
func (c *yconv) writeKey(k []byte, quoted bool, base int, seen *map[string]bool) bool {
	start := len(c.out)
	if string(k) == "<<" {
		return false
	}
	if quoted {
		c.out = appendJSONString(c.out, k)
	} else {
		var ok bool
		if c.out, ok = appendPlain(c.out, k); !ok || c.out[start] != '"' {
			return false
		}
	}
	if !newKey(c.out, c.keys[base:], seen, c.out[start:]) {
		return false
	}
	c.keys = append(c.keys, span{start, len(c.out)})
	c.out = append(c.out, ':')
	return true
}

// lastKey returns the key writeKey wrote last.
func (c *yconv) lastKey() []byte {
	k := c.keys[len(c.keys)-1]
	return c.out[k.start:k.end]
}

// value writes the value after the ':' of a key of a block mapping in
// column parent.
func (c *yconv) value(parent int) bool {
	for c.pos < len(c.src) && c.src[c.pos] == ' ' {
		c.pos++
	}
	if c.pos < len(c.src) && c.src[c.pos] != '#' && c.src[c.pos] != '\n' {
		return c.inline(parent)
	}
	col, eof := c.nextLine()
	switch {
	case eof || col < parent:
	case col == parent:
		if c.src[c.pos] == '-' && c.blankz(c.pos+1) {
			return c.sequence(col)
		}
	default:
		return c.node(parent, col)
	}
	c.out = append(c.out, "null"...)
	return true
}

// node writes a node that starts a line, in column col, below a
// collection in column parent.
func (c *yconv) node(parent, col int) bool {
	switch {
	case c.src[c.pos] == '-' && c.blankz(c.pos+1):
		return c.sequence(col)
	case c.isKey():
		return c.mapping(col)
	}
	return c.inline(parent)
}

// sequence writes a block sequence whose first '-' is at pos, in column
// col.
func (c *yconv) sequence(col int) bool {
	if c.chunks != nil && c.depth == 1 && c.items.want && c.parallelSequence(col) {
		return true
	}
	if !c.enter() {
		return false
	}
	rec := c.items.open(c.depth, len(c.out))
	c.out = append(c.out, '[')
	for first := true; ; first = false {
		if !first {
			c.out = append(c.out, ',')
		}
		start := len(c.out)
		if !c.item(col) {
			return false
		}
		c.items.element(rec, start, len(c.out))
		next, eof := c.nextLine()
		if eof || next < col {
			break
		}
		if next > col {
			return false
		}
		if !(c.src[c.pos] == '-' && c.blankz(c.pos+1)) {
			break // the next key of the mapping this sequence is a value of
		}
	}
	c.out = append(c.out, ']')
	c.items.close(rec, len(c.out))
	c.depth--
	return true
}

// item writes the item of a block sequence in column col whose '-' is at
// pos.
func (c *yconv) item(col int) bool {
	c.pos++ // the '-'
	for c.pos < len(c.src) && c.src[c.pos] == ' ' {
		c.pos++
	}
	if c.pos >= len(c.src) || c.src[c.pos] == '#' || c.src[c.pos] == '\n' {
		next, eof := c.nextLine()
		if eof || next <= col {
			c.out = append(c.out, "null"...)
			return true
		}
		return c.node(col, next)
	}
	switch m := c.col(); {
	case c.src[c.pos] == '-' && c.blankz(c.pos+1):
		return c.sequence(m)
	case c.isKey():
		return c.mapping(m)
	}
	return c.inline(col)
}

// inline writes a scalar or flow collection at pos, a value below a
// collection in column parent. It ends at a line break, the end, or the
// content of a later line.
func (c *yconv) inline(parent int) bool {
	switch b := c.src[c.pos]; b {
	case '|', '>':
		return c.blockScalar(parent, b == '|')
	case '"', '\'':
		v, ok := c.quoted(b == '\'', true)
		if !ok {
			return false
		}
		c.out = appendJSONString(c.out, v)
		return c.restOfLine()
	case '{', '[':
		return c.flow(parent) && c.restOfLine()
	}
	if !plainStart(c, c.pos, false) {
		return false
	}
	v, ok := c.plain(parent + 1)
	if !ok {
		return false
	}
	c.out, ok = appendPlain(c.out, v)
	return ok
}

// plainStart reports whether a plain scalar may start at i: not at an
// indicator, but for '-' (and, in the block context, '?' and ':')
// followed by a non-blank.
func plainStart(c *yconv, i int, flow bool) bool {
	switch c.src[i] {
	case ' ', '\n', ',', '[', ']', '{', '}', '#', '&', '*', '!', '|', '>', '\'', '"', '%', '@', '`':
		return false
	case '-':
		return !c.blankz(i + 1)
	case '?', ':':
		return !flow && !c.blankz(i+1)
	}
	return true
}

// plain reads a plain scalar in the block context, folding the lines
// that continue it (in column minCol or more). It reports false when a
// ':' and a blank end it: a key where none may be.
func (c *yconv) plain(minCol int) ([]byte, bool) {
	start, end := c.pos, c.pos
	folded := false
	for {
		for c.pos < len(c.src) && c.src[c.pos] != '\n' {
			b := c.src[c.pos]
			if b == ':' && c.blankz(c.pos+1) {
				return nil, false
			}
			if b == ' ' {
				if c.at(c.pos+1) == '#' {
					break
				}
				c.pos++
				continue
			}
			c.pos++
			end = c.pos
		}
		if c.at(c.pos) != '\n' && c.pos < len(c.src) {
			break // a comment: the scalar ends here
		}
		// A line break: does a later line continue the scalar?
		save, saveLine := c.pos, c.lineStart
		breaks := 0
		for c.pos < len(c.src) && c.src[c.pos] == '\n' {
			c.pos++
			c.lineStart = c.pos
			for c.pos < len(c.src) && c.src[c.pos] == ' ' {
				c.pos++
			}
			if c.pos < len(c.src) && c.src[c.pos] == '\n' {
				breaks++
			}
		}
		if c.pos >= len(c.src) || c.col() < minCol || c.src[c.pos] == '#' {
			c.pos, c.lineStart = save, saveLine
			break
		}
		if !folded {
			c.buf = append(c.buf[:0], c.src[start:end]...)
			folded = true
		} else {
			c.buf = append(c.buf, c.src[start:end]...)
		}
		if breaks == 0 {
			c.buf = append(c.buf, ' ')
		}
		for ; breaks > 0; breaks-- {
			c.buf = append(c.buf, '\n')
		}
		start, end = c.pos, c.pos
	}
	if !folded {
		return c.src[start:end], true
	}
	return append(c.buf, c.src[start:end]...), true
}
