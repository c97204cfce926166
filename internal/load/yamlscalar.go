package load

import (
	"bytes"
	"unicode/utf8"
)

// quoted reads a single- or double-quoted scalar at pos, as yaml.v2's
// scanner does: escapes, and line breaks folded into spaces (a line of
// its own each empty line); multi says whether it may span lines. It
// returns the value in c.buf.
func (c *yconv) quoted(single, multi bool) ([]byte, bool) {
	c.pos++
	s := c.buf[:0]
	for {
		leadingBlanks := false
	chars:
		for c.pos < len(c.src) {
			switch b := c.src[c.pos]; {
			case b == ' ' || b == '\n':
				break chars
			case single && b == '\'':
				if c.at(c.pos+1) != '\'' {
					break chars
				}
				s = append(s, '\'')
				c.pos += 2
			case !single && b == '"':
				break chars
			case !single && b == '\\' && c.at(c.pos+1) == '\n':
				if !multi {
					return nil, false
				}
				c.pos += 2
				c.lineStart = c.pos
				leadingBlanks = true
				break chars
			case !single && b == '\\':
				var ok bool
				if s, ok = c.escape(s); !ok {
					return nil, false
				}
			default:
				s = append(s, b)
				c.pos++
			}
		}
		if c.pos >= len(c.src) {
			return nil, false
		}
		if b := c.src[c.pos]; (single && b == '\'') || (!single && b == '"') {
			c.pos++
			c.buf = s
			return s, true
		}
		spaces, leadingBreak, trailing := 0, false, 0
		for c.pos < len(c.src) && (c.src[c.pos] == ' ' || c.src[c.pos] == '\n') {
			if c.src[c.pos] == ' ' {
				if !leadingBlanks {
					spaces++
				}
			} else {
				if !multi {
					return nil, false
				}
				if !leadingBlanks {
					spaces, leadingBreak, leadingBlanks = 0, true, true
				} else {
					trailing++
				}
				c.lineStart = c.pos + 1
			}
			c.pos++
		}
		switch {
		case leadingBreak && trailing == 0:
			s = append(s, ' ')
		case leadingBlanks:
			for ; trailing > 0; trailing-- {
				s = append(s, '\n')
			}
		default:
			for ; spaces > 0; spaces-- {
				s = append(s, ' ')
			}
		}
	}
}

// escape appends what the escape sequence of a double-quoted scalar at
// pos stands for.
func (c *yconv) escape(s []byte) ([]byte, bool) {
	code := 0
	switch c.at(c.pos + 1) {
	case '0':
		s = append(s, 0)
	case 'a':
		s = append(s, '\a')
	case 'b':
		s = append(s, '\b')
	case 't':
		s = append(s, '\t')
	case 'n':
		s = append(s, '\n')
	case 'v':
		s = append(s, '\v')
	case 'f':
		s = append(s, '\f')
	case 'r':
		s = append(s, '\r')
	case 'e':
		s = append(s, 0x1b)
	case ' ', '"', '\'', '\\':
		s = append(s, c.src[c.pos+1])
	case 'N':
		s = append(s, "\u0085"...)
	case '_':
		s = append(s, "\u00a0"...)
	case 'L':
		s = append(s, "\u2028"...)
	case 'P':
		s = append(s, "\u2029"...)
	case 'x':
		code = 2
	case 'u':
		code = 4
	case 'U':
		code = 8
	default:
		return s, false
	}
	c.pos += 2
	if code == 0 {
		return s, true
	}
	v := 0
	for k := 0; k < code; k++ {
		h := unhex(c.at(c.pos + k))
		if h < 0 {
			return s, false
		}
		v = v<<4 + h
	}
	if (v >= 0xD800 && v <= 0xDFFF) || v > 0x10FFFF {
		return s, false
	}
	c.pos += code
	return utf8.AppendRune(s, rune(v)), true
}

func unhex(b byte) int {
	switch {
	case b >= '0' && b <= '9':
		return int(b - '0')
	case b >= 'a' && b <= 'f':
		return int(b-'a') + 10
	case b >= 'A' && b <= 'F':
		return int(b-'A') + 10
	}
	return -1
}

// blockScalar writes a literal (|) or folded (>) block scalar, the value
// of a collection in column parent, as yaml.v2's scanner reads it: its
// indentation given or found from its first non-empty line, folding, and
// clip, strip (-) or keep (+) chomping of the final line breaks.
func (c *yconv) blockScalar(parent int, literal bool) bool {
	c.pos++
	chomping, increment := 0, 0
	chomp := func() {
		switch c.at(c.pos) {
		case '+':
			chomping = 1
			c.pos++
		case '-':
			chomping = -1
			c.pos++
		}
	}
	digit := func() bool {
		if d := c.at(c.pos); d >= '0' && d <= '9' {
			if d == '0' {
				return false
			}
			increment = int(d - '0')
			c.pos++
		}
		return true
	}
	if b := c.at(c.pos); b == '+' || b == '-' {
		chomp()
		if !digit() {
			return false
		}
	} else {
		if !digit() {
			return false
		}
		if increment > 0 {
			chomp()
		}
	}
	if !c.restOfLine() {
		return false
	}
	if c.pos < len(c.src) {
		c.pos++
		c.lineStart = c.pos
	}
	indent := 0
	if increment > 0 {
		indent = increment
		if parent >= 0 {
			indent += parent
		}
	}
	s := c.buf[:0]
	trailing := c.blockBreaks(&indent, parent)
	leadingBreak, leadingBlank := false, false
	for c.col() == indent && c.pos < len(c.src) {
		trailingBlank := c.src[c.pos] == ' '
		if !literal && !leadingBlank && !trailingBlank && leadingBreak {
			if trailing == 0 {
				s = append(s, ' ')
			}
		} else if leadingBreak {
			s = append(s, '\n')
		}
		for ; trailing > 0; trailing-- {
			s = append(s, '\n')
		}
		leadingBlank = trailingBlank
		end := len(c.src)
		if i := bytes.IndexByte(c.src[c.pos:], '\n'); i >= 0 {
			end = c.pos + i
		}
		s = append(s, c.src[c.pos:end]...)
		c.pos, leadingBreak = end, false
		if c.pos < len(c.src) {
			c.pos++
			c.lineStart = c.pos
			leadingBreak = true
		}
		trailing = c.blockBreaks(&indent, parent)
	}
	if chomping != -1 && leadingBreak {
		s = append(s, '\n')
	}
	if chomping == 1 {
		for ; trailing > 0; trailing-- {
			s = append(s, '\n')
		}
	}
	c.out = appendJSONString(c.out, s)
	c.buf = s
	return true
}

// blockBreaks moves past the indentation and the empty lines of a block
// scalar, counting the line breaks, and settles its indentation when not
// yet known: the deepest of those lines and the first non-empty one, and
// at least one more than the parent's.
func (c *yconv) blockBreaks(indent *int, parent int) (breaks int) {
	deepest := 0
	for {
		for (*indent == 0 || c.col() < *indent) && c.at(c.pos) == ' ' {
			c.pos++
		}
		deepest = max(deepest, c.col())
		if c.pos >= len(c.src) || c.src[c.pos] != '\n' {
			break
		}
		breaks++
		c.pos++
		c.lineStart = c.pos
	}
	if *indent == 0 {
		*indent = max(deepest, parent+1, 1)
	}
	return breaks
}
