package load

// flow writes a flow mapping or sequence at pos, nested in a block
// collection in column parent. Keys sit on one line with their ':';
// entries are flow collections, quoted scalars or plain scalars on one
// line. Comments, empty values and plain scalars holding '?' are left to
// sigs.k8s.io/yaml.
func (c *yconv) flow(parent int) bool {
	if !c.enter() {
		return false
	}
	mapping := c.src[c.pos] == '{'
	closer := byte(']')
	if mapping {
		closer = '}'
	}
	rec := !mapping && c.items.open(c.depth, len(c.out))
	c.out = append(c.out, c.src[c.pos])
	c.pos++
	base := len(c.keys)
	var seen map[string]bool
	for n := 0; ; n++ {
		if !c.flowSpace(parent) {
			return false
		}
		if c.at(c.pos) == closer {
			c.pos++
			break
		}
		if n > 0 {
			c.out = append(c.out, ',')
		}
		if mapping {
			if !c.flowKey(parent, base, &seen) {
				return false
			}
			c.items.key(c.depth, c.lastKey())
		}
		start := len(c.out)
		if !c.flowValue(parent) {
			return false
		}
		c.items.element(rec, start, len(c.out))
		if !c.flowSpace(parent) {
			return false
		}
		switch c.at(c.pos) {
		case ',':
			c.pos++
			continue
		case closer:
			c.pos++
		default:
			return false
		}
		break
	}
	c.keys = c.keys[:base]
	c.out = append(c.out, closer)
	c.items.close(rec, len(c.out))
	c.depth--
	return true
}

// flowKey writes the key of a flow mapping and its ':'.
func (c *yconv) flowKey(parent, base int, seen *map[string]bool) bool {
	start := c.pos
	var k []byte
	quoted := false
	switch b := c.at(c.pos); b {
	case '"', '\'':
		var ok bool
		if k, ok = c.quoted(b == '\'', false); !ok {
			return false
		}
		quoted = true
	default:
		var ok bool
		if k, ok = c.flowPlain(); !ok {
			return false
		}
	}
	for c.at(c.pos) == ' ' {
		c.pos++
	}
	if c.at(c.pos) != ':' || c.pos-start > maxKey || !c.writeKey(k, quoted, base, seen) {
		return false
	}
	c.pos++
	if !c.flowSpace(parent) {
		return false
	}
	b := c.at(c.pos)
	return b != ',' && b != '}' && c.pos < len(c.src)
}

// flowValue writes an entry of a flow collection.
func (c *yconv) flowValue(parent int) bool {
	if c.pos >= len(c.src) {
		return false
	}
	switch b := c.src[c.pos]; b {
	case '{', '[':
		return c.flow(parent)
	case '"', '\'':
		v, ok := c.quoted(b == '\'', true)
		if ok {
			c.out = appendJSONString(c.out, v)
		}
		return ok
	}
	v, ok := c.flowPlain()
	if ok {
		c.out, ok = appendPlain(c.out, v)
	}
	return ok
}

// flowPlain reads a plain scalar of the flow context, on one line.
func (c *yconv) flowPlain() ([]byte, bool) {
	if c.pos >= len(c.src) || !plainStart(c, c.pos, true) {
		return nil, false
	}
	start, end := c.pos, c.pos
	for c.pos < len(c.src) {
		switch c.src[c.pos] {
		case ',', '[', ']', '{', '}', '\n':
			return c.src[start:end], true
		case '?':
			return nil, false
		case ':':
			if c.blankz(c.pos + 1) {
				return c.src[start:end], true
			}
		case ' ':
			if c.at(c.pos+1) == '#' {
				return nil, false
			}
			c.pos++
			continue
		}
		c.pos++
		end = c.pos
	}
	return c.src[start:end], true
}

// flowSpace moves past spaces and line breaks inside a flow collection;
// a line that goes on with it must be indented past the block collection
// in column parent. Comments are left to sigs.k8s.io/yaml.
func (c *yconv) flowSpace(parent int) bool {
	for c.pos < len(c.src) {
		switch c.src[c.pos] {
		case ' ':
			c.pos++
		case '\n':
			c.pos++
			c.lineStart = c.pos
			for c.at(c.pos) == ' ' {
				c.pos++
			}
			if c.pos < len(c.src) && c.src[c.pos] != '\n' && c.col() <= parent {
				return false
			}
		case '#':
			return false
		default:
			return true
		}
	}
	return true
}
