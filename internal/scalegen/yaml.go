package scalegen

import (
	"bytes"
	"fmt"
)

/*
appendYAML turns one compact JSON object (as encoding/json writes it) into
block-style YAML in the layout kubectl and sigs.k8s.io/yaml print: two
spaces per level, sequence items at their key's indentation, a mapping item
starting on the "- " line. It is sigs.k8s.io/yaml.JSONToYAML without the
round trip through a generic YAML tree, which made generating the 100k-pod
cluster take minutes.

Keys keep the JSON order (encoding/json writes struct fields in declaration
order and map keys sorted). Strings are written plain when YAML 1.1 (which
yaml.v2, and so bulkhead's loader, reads) takes them back as the same
string; otherwise as the JSON string itself, which is a valid YAML
double-quoted scalar (JSON's escapes are a subset of YAML's).
*/
func appendYAML(dst, js []byte) ([]byte, error) {
	w := yamlWriter{js: js, out: dst}
	if len(js) < 2 || js[0] != '{' {
		return nil, fmt.Errorf("yaml: want a JSON object")
	}
	if js[1] == '}' {
		return append(w.out, "{}\n"...), nil
	}
	w.mapping(0, false)
	if w.err != nil || w.i != len(js) {
		return nil, fmt.Errorf("yaml: malformed JSON at byte %d: %v", w.i, w.err)
	}
	return w.out, nil
}

type yamlWriter struct {
	js  []byte
	i   int
	out []byte
	err error
}

func (w *yamlWriter) pad(n int) {
	for ; n > 0; n-- {
		w.out = append(w.out, ' ')
	}
}

// mapping writes the non-empty object at w.i; inline puts its first key on
// the current line (after "- ").
func (w *yamlWriter) mapping(indent int, inline bool) {
	w.i++ // {
	for first := true; w.err == nil && w.i < len(w.js); first = false {
		if !first || !inline {
			w.pad(indent)
		}
		w.scalar()
		w.out = append(w.out, ':')
		w.i++ // :
		w.value(indent, false)
		if w.i >= len(w.js) {
			break
		}
		c := w.js[w.i]
		w.i++
		if c == '}' {
			return
		}
	}
	w.err = fmt.Errorf("unterminated object")
}

// sequence writes the non-empty array at w.i, its items at indent.
func (w *yamlWriter) sequence(indent int) {
	w.i++ // [
	for w.err == nil && w.i < len(w.js) {
		w.pad(indent)
		w.out = append(w.out, '-')
		w.value(indent, true)
		if w.i >= len(w.js) {
			break
		}
		c := w.js[w.i]
		w.i++
		if c == ']' {
			return
		}
	}
	w.err = fmt.Errorf("unterminated array")
}

// value writes the value at w.i after a key's colon or an item's dash,
// ending the line.
func (w *yamlWriter) value(indent int, item bool) {
	if w.i+1 >= len(w.js) {
		w.err = fmt.Errorf("truncated")
		return
	}
	switch c, next := w.js[w.i], w.js[w.i+1]; {
	case c == '{' && next == '}':
		w.out = append(w.out, " {}\n"...)
		w.i += 2
	case c == '[' && next == ']':
		w.out = append(w.out, " []\n"...)
		w.i += 2
	case c == '{' && item:
		w.out = append(w.out, ' ')
		w.mapping(indent+2, true)
	case c == '{':
		w.out = append(w.out, '\n')
		w.mapping(indent+2, false)
	case c == '[' && item:
		w.out = append(w.out, '\n')
		w.sequence(indent + 2)
	case c == '[':
		w.out = append(w.out, '\n')
		w.sequence(indent)
	default:
		w.out = append(w.out, ' ')
		w.scalar()
		w.out = append(w.out, '\n')
	}
}

// scalar writes the string, number, boolean or null at w.i.
func (w *yamlWriter) scalar() {
	start := w.i
	if w.js[w.i] != '"' {
		for w.i < len(w.js) && w.js[w.i] != ',' && w.js[w.i] != '}' && w.js[w.i] != ']' {
			w.i++
		}
		w.out = append(w.out, w.js[start:w.i]...)
		return
	}
	escaped := false
	for w.i++; w.i < len(w.js) && w.js[w.i] != '"'; w.i++ {
		if w.js[w.i] == '\\' {
			escaped = true
			w.i++
		}
	}
	w.i++ // closing quote
	if w.i > len(w.js) {
		w.err = fmt.Errorf("unterminated string")
		return
	}
	s := w.js[start+1 : w.i-1]
	if escaped || !plain(s) {
		w.out = append(w.out, w.js[start:w.i]...)
		return
	}
	w.out = append(w.out, s...)
}

// plain reports whether YAML 1.1 reads s, unquoted, back as the string s:
// not empty, not a boolean, null or number, no indicator first, no ": " or
// " #", no leading or trailing space, printable ASCII only. When unsure, it
// says no: a quoted scalar is always right.
func plain(s []byte) bool {
	if len(s) == 0 || s[0] == ' ' || s[len(s)-1] == ' ' || s[len(s)-1] == ':' {
		return false
	}
	switch s[0] {
	case '-', '?', ':', ',', '[', ']', '{', '}', '#', '&', '*', '!', '|', '>', '\'', '"', '%', '@', '`', '<', '=', '~', '.', '+':
		return false
	}
	if s[0] >= '0' && s[0] <= '9' {
		return false // a number, a timestamp or a sexagesimal in YAML 1.1
	}
	for i, c := range s {
		if c < ' ' || c > '~' {
			return false
		}
		if (c == ':' || c == '#') && (i+1 < len(s) && s[i+1] == ' ' || i > 0 && s[i-1] == ' ') {
			return false
		}
	}
	if len(s) > 5 {
		return true
	}
	switch string(bytes.ToLower(s)) {
	case "y", "yes", "n", "no", "true", "false", "on", "off", "null":
		return false
	}
	return true
}
