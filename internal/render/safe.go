package render

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// safeText makes text from the cluster safe to print on a terminal or in
// a CI log: a RoleBinding's subject names, a Role's name and an
// annotation are free text that the API server does not validate, so a
// tenant could write escape sequences into them that clear lines, move
// the cursor or retitle the terminal when the report is read, or
// reverse the text around them (bidi controls). Every control character
// but newline and tab, and every bidi override, is written as a Go
// escape (\x1b, \u202e); with color, the colour and weight sequences the
// printer writes (ESC [ params m, with the params paint uses) pass.
func safeText(s string, color bool) string {
	i := unsafeAt(s, color)
	if i < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	for i < len(s) {
		b.WriteString(s[:i])
		s = s[i:]
		if n := sgrLen(s, color); n > 0 {
			b.WriteString(s[:n])
			s = s[n:]
		} else {
			r, size := utf8.DecodeRuneInString(s)
			switch {
			case r == utf8.RuneError && size == 1:
				fmt.Fprintf(&b, `\x%02x`, s[0])
			case r < 0x80:
				fmt.Fprintf(&b, `\x%02x`, r)
			default:
				fmt.Fprintf(&b, `\u%04x`, r)
			}
			s = s[size:]
		}
		if i = unsafeAt(s, color); i < 0 {
			i = len(s)
		}
	}
	b.WriteString(s)
	return b.String()
}

// unsafeAt is the index of the first character of s that safeText
// rewrites, -1 for none.
func unsafeAt(s string, color bool) int {
	for i, r := range s {
		if unsafeRune(r) && (r != 0x1b || sgrLen(s[i:], color) == 0) {
			return i
		}
	}
	return -1
}

func unsafeRune(r rune) bool {
	switch {
	case r == '\n' || r == '\t':
		return false
	case r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f):
		return true
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069, r == 0x200e, r == 0x200f, r == 0x061c:
		return true // bidi embeddings, overrides, isolates and marks
	case r == utf8.RuneError:
		return true // only a byte that is no UTF-8 decodes so in a range
	}
	return false
}

// sgrLen is the length of the colour sequence s starts with when color is
// on and its params are ones the printer writes, else 0.
func sgrLen(s string, color bool) int {
	if !color || !strings.HasPrefix(s, "\x1b[") {
		return 0
	}
	end := strings.IndexByte(s, 'm')
	if end < 0 || end > 12 {
		return 0
	}
	for _, code := range strings.Split(s[2:end], ";") {
		if !sgrCodes[code] {
			return 0
		}
	}
	return end + 1
}

// sgrCodes are the SGR parameters a painted report uses: reset, bold,
// dim and the foreground colours.
var sgrCodes = map[string]bool{"0": true, "1": true, "2": true, "22": true, "39": true,
	"31": true, "32": true, "33": true, "34": true, "35": true, "36": true, "37": true,
	"91": true, "92": true, "93": true, "94": true, "95": true, "96": true, "97": true}

// safeWriter writes through safeText, without colour.
type safeWriter struct{ w io.Writer }

func (s safeWriter) Write(p []byte) (int, error) {
	if _, err := io.WriteString(s.w, safeText(string(p), false)); err != nil {
		return 0, err
	}
	return len(p), nil
}
