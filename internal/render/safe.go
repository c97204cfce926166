package render

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// safeText makes text from the cluster safe to print on a terminal or in
// a CI log: a RoleBinding's subject names, a Role's name and an
// annotation are free text that the API server does not validate, so a
// tenant could write escape sequences into them that clear lines, move
// the cursor, recolour a severity or retitle the terminal when the report
// is read, or reverse the text around them (bidi controls). Every control
// character but newline and tab, and every bidi override, is written as a
// Go escape (\x1b, \u202e). The printer's own colours pass, with colour:
// paint marks them with paintMark, which no input can know, and safeText
// turns each mark into the escape character.
func safeText(s string, color bool) string {
	i := unsafeAt(s)
	if i < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	for i < len(s) {
		b.WriteString(s[:i])
		s = s[i:]
		if strings.HasPrefix(s, paintMark) {
			s = s[len(paintMark):]
			if color {
				b.WriteByte(0x1b)
			} else if end := strings.IndexByte(s, 'm'); end >= 0 {
				s = s[end+1:] // the colour, dropped
			}
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
		if i = unsafeAt(s); i < 0 {
			i = len(s)
		}
	}
	b.WriteString(s)
	return b.String()
}

// paintMark starts each colour sequence the printer writes, in place of
// the escape character: a private-use character and a random word made at
// start, so that no cluster text can hold it and pass for a colour.
var paintMark = func() string {
	var nonce [8]byte
	if _, err := rand.Read(nonce[:]); err != nil {
		panic(err) // crypto/rand never fails on a supported system
	}
	return "\ue000" + hex.EncodeToString(nonce[:]) + "\ue001"
}()

// unsafeAt is the index of the first character of s that safeText
// rewrites (a paint mark among them), -1 for none.
func unsafeAt(s string) int {
	for i, r := range s {
		if r == utf8.RuneError {
			if _, size := utf8.DecodeRuneInString(s[i:]); size == 1 {
				return i // a byte that is no UTF-8; U+FFFD itself is text
			}
			continue
		}
		if unsafeRune(r) {
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
	case r == 0xe000 || r == 0xe001:
		return true // a paint mark, or a forgery of one
	}
	return false
}

// safeWriter writes through safeText, without colour.
type safeWriter struct{ w io.Writer }

func (s safeWriter) Write(p []byte) (int, error) {
	if _, err := io.WriteString(s.w, safeText(string(p), false)); err != nil {
		return 0, err
	}
	return len(p), nil
}
