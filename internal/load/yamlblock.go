package load

// The block structure of YAML: mappings, sequences and the scalars in
// them, as yamlToJSON converts them.

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
		if c.src[c.pos] != '-' || !c.blankz(c.pos+1) {
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
