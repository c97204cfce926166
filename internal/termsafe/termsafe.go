// Package termsafe escapes text from a cluster for a terminal or a CI log.
// A RoleBinding's subject names, a Role's name and an annotation are free
// text the API server does not validate, so a tenant could write escape
// sequences into them that clear lines, move the cursor, recolour or
// retitle the terminal when a report or a message naming them is read, or
// reverse the text around them (bidi controls). Every control character
// but newline and tab, every bidi override and every byte that is no
// UTF-8 is written as a Go escape (\x1b, \u202e, \xff).
package termsafe

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// String returns s with every unsafe character escaped.
func String(s string) string { return Rewrite(s, nil) }

// Rewrite returns s with every unsafe character escaped, but where own,
// given the text from an unsafe character on, writes something else and
// returns how much of the text it stands for (0: escape it).
func Rewrite(s string, own func(b *strings.Builder, rest string) int) string {
	i := Index(s)
	if i < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	for i >= 0 {
		b.WriteString(s[:i])
		s = s[i:]
		n := 0
		if own != nil {
			n = own(&b, s)
		}
		if n == 0 {
			n = Escape(&b, s)
		}
		s = s[n:]
		i = Index(s)
	}
	b.WriteString(s)
	return b.String()
}

// Index is the index of the first unsafe character of s, -1 for none.
func Index(s string) int {
	for i, r := range s {
		if r == utf8.RuneError {
			if _, size := utf8.DecodeRuneInString(s[i:]); size == 1 {
				return i // a byte that is no UTF-8; U+FFFD itself is text
			}
			continue
		}
		if Unsafe(r) {
			return i
		}
	}
	return -1
}

// Unsafe reports whether a character is escaped: a control character but
// newline and tab, a bidi control, or a character of the private-use pair
// the text renderer marks its own colours with.
func Unsafe(r rune) bool {
	switch {
	case r == '\n' || r == '\t':
		return false
	case r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f):
		return true
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069, r == 0x200e, r == 0x200f, r == 0x061c:
		return true // bidi embeddings, overrides, isolates and marks
	case r == 0xe000 || r == 0xe001:
		return true
	}
	return false
}

// Escape writes the escape of the character s starts with and returns its
// length in s.
func Escape(b *strings.Builder, s string) int {
	r, size := utf8.DecodeRuneInString(s)
	switch {
	case r == utf8.RuneError && size <= 1:
		if size == 0 {
			return 0
		}
		fmt.Fprintf(b, `\x%02x`, s[0])
	case r < 0x80:
		fmt.Fprintf(b, `\x%02x`, r)
	default:
		fmt.Fprintf(b, `\u%04x`, r)
	}
	return size
}
