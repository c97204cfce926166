package load

import (
	"bytes"
	"encoding/json"
	"strconv"
	"unicode/utf8"
)

func (c *jconv) convert() bool {
	c.space()
	if c.at(c.pos) != '{' || !c.value() {
		return false
	}
	c.space()
	return c.pos == len(c.src)
}

// plainByte marks the bytes a string holds as they are both in YAML and
// in what encoding/json writes.
var plainByte = func() (t [256]bool) {
	for b := 0x20; b < 0x7f; b++ {
		t[b] = jsonSafe[b]
	}
	return t
}()

type jconv struct {
	src   []byte
	pos   int
	out   []byte
	keys  []span
	buf   []byte
	depth int
	items listItems
	// chunks are the root's items, found to convert them in parallel.
	chunks *itemChunks
}

func (c *jconv) at(i int) byte {
	if i < len(c.src) {
		return c.src[i]
	}
	return 0
}

// space moves past spaces and line feeds; tabs and CRs stay and fail.
func (c *jconv) space() (newline bool) {
	for c.pos < len(c.src) {
		switch c.src[c.pos] {
		case '\n':
			newline = true
		case ' ':
		default:
			return newline
		}
		c.pos++
	}
	return newline
}

func (c *jconv) value() bool {
	switch b := c.at(c.pos); b {
	case '{', '[':
		return c.collection(b == '{')
	case '"':
		return c.str()
	case 't':
		return c.literal("true")
	case 'f':
		return c.literal("false")
	case 'n':
		return c.literal("null")
	}
	return c.integer()
}

func (c *jconv) literal(s string) bool {
	if !bytes.HasPrefix(c.src[c.pos:], []byte(s)) {
		return false
	}
	c.pos += len(s)
	c.out = append(c.out, s...)
	return true
}

// integer copies an integer YAML types alike: one in the range of int64,
// or of uint64 when positive, with no sign but '-' and no "-0".
func (c *jconv) integer() bool {
	end, ok := scanInteger(c.src, c.pos)
	if !ok {
		return false
	}
	c.out = append(c.out, c.src[c.pos:end]...)
	c.pos = end
	return true
}

// scanInteger returns the end of the integer jconv.integer copies at
// src[start:], and false when there is none.
func scanInteger(src []byte, start int) (end int, ok bool) {
	at := func(i int) byte {
		if i < len(src) {
			return src[i]
		}
		return 0
	}
	pos := start
	if at(pos) == '-' {
		pos++
	}
	digits := pos
	for b := at(pos); b >= '0' && b <= '9'; b = at(pos) {
		pos++
	}
	n := src[start:pos]
	switch {
	case pos == digits, src[digits] == '0' && (pos > digits+1 || digits > start):
		return 0, false // no digits, leading zeros, "-0"
	case len(n) > 18:
		if _, err := strconv.ParseInt(string(n), 10, 64); err != nil {
			if _, err := strconv.ParseUint(string(n), 10, 64); err != nil {
				return 0, false
			}
		}
	}
	if b := at(pos); b == '.' || b == 'e' || b == 'E' {
		return 0, false
	}
	return pos, true
}

func (c *jconv) collection(object bool) bool {
	c.depth++
	if c.depth > maxDepth {
		return false
	}
	closer := byte(']')
	if object {
		closer = '}'
	}
	if !object && c.chunks != nil && c.depth == 2 && c.items.want && c.parallelArray() {
		c.depth--
		return true
	}
	rec := !object && c.items.open(c.depth, len(c.out))
	c.out = append(c.out, c.src[c.pos])
	c.pos++
	c.space()
	base := len(c.keys)
	var seen map[string]bool
	if c.at(c.pos) != closer {
		for n := 0; ; n++ {
			if n > 0 {
				c.out = append(c.out, ',')
			}
			if object {
				if !c.key(base, &seen) {
					return false
				}
				k := c.keys[len(c.keys)-1]
				c.items.key(c.depth, c.out[k.start:k.end])
			}
			start := len(c.out)
			if !c.value() {
				return false
			}
			c.items.element(rec, start, len(c.out))
			c.space()
			if c.at(c.pos) != ',' {
				break
			}
			c.pos++
			c.space()
		}
	}
	if c.at(c.pos) != closer {
		return false
	}
	c.pos++
	c.keys = c.keys[:base]
	c.out = append(c.out, closer)
	c.items.close(rec, len(c.out))
	c.depth--
	return true
}

// key copies the key of an object and its ':'.
func (c *jconv) key(base int, seen *map[string]bool) bool {
	start, outStart := c.pos, len(c.out)
	if c.at(c.pos) != '"' || !c.str() {
		return false
	}
	if c.space() || c.at(c.pos) != ':' || c.pos-start > maxKey {
		return false
	}
	if k := c.out[outStart:]; string(k) == `"<<"` || !newKey(c.out, c.keys[base:], seen, k) {
		return false
	}
	c.keys = append(c.keys, span{outStart, len(c.out)})
	c.out = append(c.out, ':')
	c.pos++
	c.space()
	return true
}

// str copies a string, as it is when encoding/json would write it so,
// else decoded and written again.
func (c *jconv) str() bool {
	start := c.pos
	c.pos++
	rewrite := false
	for {
		for c.pos < len(c.src) && plainByte[c.src[c.pos]] {
			c.pos++
		}
		if c.pos >= len(c.src) {
			return false
		}
		b := c.src[c.pos]
		switch {
		case b == '"':
			c.pos++
			if !rewrite {
				c.out = append(c.out, c.src[start:c.pos]...)
				return true
			}
			return c.rewrite(c.src[start+1 : c.pos-1])
		case b == '\\':
			rewrite = true
			switch c.at(c.pos + 1) {
			case '"', '\\', 'b', 'f', 'n', 'r', 't':
				c.pos += 2
			case 'u':
				v := 0
				for k := 2; k < 6; k++ {
					h := unhex(c.at(c.pos + k))
					if h < 0 {
						return false
					}
					v = v<<4 + h
				}
				if v >= 0xD800 && v <= 0xDFFF {
					return false
				}
				c.pos += 6
			default:
				return false
			}
		case b < 0x20 || b == 0x7f:
			return false
		case b < utf8.RuneSelf:
			if !jsonSafe[b] {
				rewrite = true
			}
			c.pos++
		default:
			r, size := utf8.DecodeRune(c.src[c.pos:])
			if size == 1 || !yamlPrintable(r) {
				return false
			}
			c.pos += size
		}
	}
}

// rewrite writes the content of a string, its escapes checked by str,
// as encoding/json would.
func (c *jconv) rewrite(raw []byte) bool {
	s := c.buf[:0]
	for i := 0; i < len(raw); {
		if raw[i] != '\\' {
			s = append(s, raw[i])
			i++
			continue
		}
		var ok bool
		if s, i, ok = appendEscape(s, raw, i+1); !ok {
			return false
		}
	}
	c.out = appendJSONString(c.out, s)
	c.buf = s
	return true
}

// appendEscape appends to s the character the JSON escape at raw[i] (the
// byte after its backslash) stands for, and returns the index after the
// escape. It reports false for what a fast path leaves to
// sigs.k8s.io/json: an unknown or cut escape, and surrogates.
func appendEscape(s, raw []byte, i int) ([]byte, int, bool) {
	switch e := raw[i]; e {
	case '"', '\\', '/':
		return append(s, e), i + 1, true
	case 'b':
		return append(s, '\b'), i + 1, true
	case 'f':
		return append(s, '\f'), i + 1, true
	case 'n':
		return append(s, '\n'), i + 1, true
	case 'r':
		return append(s, '\r'), i + 1, true
	case 't':
		return append(s, '\t'), i + 1, true
	case 'u':
		if i+4 >= len(raw) {
			return s, i, false
		}
		r := unhex(raw[i+1])<<12 | unhex(raw[i+2])<<8 | unhex(raw[i+3])<<4 | unhex(raw[i+4])
		if r < 0 || r >= 0xD800 && r <= 0xDFFF {
			return s, i, false
		}
		return utf8.AppendRune(s, rune(r)), i + 5, true
	}
	return s, i, false
}

// newKey reports whether key, written at the end of out, differs from
// the keys already written to the same object.
func newKey(out []byte, keys []span, seen *map[string]bool, key []byte) bool {
	if len(keys) < 16 {
		for _, s := range keys {
			if bytes.Equal(out[s.start:s.end], key) {
				return false
			}
		}
		return true
	}
	if *seen == nil {
		*seen = make(map[string]bool, 2*len(keys))
		for _, s := range keys {
			(*seen)[string(out[s.start:s.end])] = true
		}
	}
	if (*seen)[string(key)] {
		return false
	}
	(*seen)[string(key)] = true
	return true
}

// canonicalJSON returns the JSON sigs.k8s.io/yaml's YAMLToJSONStrict
// would have written for what a fast path wrote as js: the same value,
// keys sorted.
func canonicalJSON(js []byte) []byte {
	d := json.NewDecoder(bytes.NewReader(js))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		panic("load: a fast path wrote invalid JSON: " + err.Error())
	}
	out, err := json.Marshal(v)
	if err != nil {
		panic("load: a fast path wrote invalid JSON: " + err.Error())
	}
	return out
}
