package load

import (
	"math"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// The fast paths write JSON as sigs.k8s.io/yaml's YAMLToJSON writes it
// with encoding/json: strings escaped alike (HTML characters too), numbers
// spelled alike. Only the order of keys differs, and nothing after the
// fast paths depends on it (see canonicalJSON).

const hexDigits = "0123456789abcdef"

// jsonSafe marks the ASCII bytes encoding/json writes as they are in a
// string when it escapes HTML.
var jsonSafe = func() (t [utf8.RuneSelf]bool) {
	for b := 0x20; b < utf8.RuneSelf; b++ {
		t[b] = true
	}
	for _, b := range `"\<>&` {
		t[b] = false
	}
	return t
}()

// appendJSONString appends s, valid UTF-8, as encoding/json writes it.
func appendJSONString(dst, s []byte) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		for i < len(s) && plainByte[s[i]] {
			i++
		}
		if i == len(s) {
			break
		}
		b := s[i]
		if b < utf8.RuneSelf {
			if jsonSafe[b] {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch b {
			case '\\', '"':
				dst = append(dst, '\\', b)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[b>>4], hexDigits[b&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRune(s[i:])
		if r == '\u2028' || r == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			start = i + size
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// appendJSONFloat appends f as encoding/json writes a float64; it
// reports false for NaN and infinities, which encoding/json refuses.
func appendJSONFloat(dst []byte, f float64) ([]byte, bool) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return dst, false
	}
	abs, format := math.Abs(f), byte('f')
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	dst = strconv.AppendFloat(dst, f, format, -1, 64)
	if format == 'e' {
		// clean up e-09 to e-9
		if n := len(dst); n >= 4 && dst[n-4] == 'e' && dst[n-3] == '-' && dst[n-2] == '0' {
			dst[n-2] = dst[n-1]
			dst = dst[:n-1]
		}
	}
	return dst, true
}

// yamlFloat is the float syntax of YAML 1.1 as gopkg.in/yaml.v2 (vendored
// by sigs.k8s.io/yaml) resolves it.
var yamlFloat = regexp.MustCompile(`^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`)

// appendPlain appends the JSON of a plain (unquoted) YAML scalar, typed
// as yaml.v2 resolves it into an interface{}: null, booleans (y, yes, on,
// true, n, no, off, false in three casings), integers (decimal, 0x, 0o,
// leading-zero octal, with underscores), floats, and strings for the
// rest, timestamps included. It reports false for what the fast path
// leaves to sigs.k8s.io/yaml: NaN, infinities, the merge key "<<" and
// the rare binary spellings.
func appendPlain(dst, v []byte) ([]byte, bool) {
	if len(v) == 0 {
		return append(dst, "null"...), true
	}
	switch v[0] {
	case 'y', 'Y', 'n', 'N', 't', 'T', 'f', 'F', 'o', 'O', '~':
		switch string(v) {
		case "y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON":
			return append(dst, "true"...), true
		case "n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF":
			return append(dst, "false"...), true
		case "~", "null", "Null", "NULL":
			return append(dst, "null"...), true
		}
	case '.':
		switch string(v) {
		case ".nan", ".NaN", ".NAN", ".inf", ".Inf", ".INF":
			return dst, false
		}
		if f, err := strconv.ParseFloat(string(v), 64); err == nil {
			return appendJSONFloat(dst, f)
		}
	case '+', '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		return appendNumberLike(dst, v)
	case '<':
		if string(v) == "<<" {
			return dst, false
		}
	}
	return appendJSONString(dst, v), true
}

// appendNumberLike resolves a plain scalar starting with a sign or a
// digit as yaml.v2 does: an int, else an unsigned int, else a float,
// else a string (a timestamp stays one when decoded into interface{}).
func appendNumberLike(dst, v []byte) ([]byte, bool) {
	// Decimal integers, by far the most common, need no parsing.
	if n := len(v); n < 19 && (v[0] != '0' || n == 1) && v[0] != '+' {
		i := 0
		if v[0] == '-' {
			i = 1
		}
		if i < n && (v[i] != '0' || i == 0) {
			digits := true
			for _, c := range v[i:] {
				if c < '0' || c > '9' {
					digits = false
					break
				}
			}
			if digits && (i == 0 || n > 1) {
				return append(dst, v...), true
			}
		}
	}
	switch string(v) {
	case "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF":
		return dst, false
	}
	if !numberish(v) {
		return appendJSONString(dst, v), true
	}
	plain := strings.ReplaceAll(string(v), "_", "")
	if i, err := strconv.ParseInt(plain, 0, 64); err == nil {
		return strconv.AppendInt(dst, i, 10), true
	}
	if u, err := strconv.ParseUint(plain, 0, 64); err == nil {
		return strconv.AppendUint(dst, u, 10), true
	}
	if yamlFloat.MatchString(plain) {
		if f, err := strconv.ParseFloat(plain, 64); err == nil {
			return appendJSONFloat(dst, f)
		}
	}
	if strings.HasPrefix(plain, "0b") || strings.HasPrefix(plain, "-0b") {
		return dst, false
	}
	return appendJSONString(dst, v), true
}

// numberish reports whether v could be an integer (with a 0x, 0o or 0b
// prefix, underscores) or a float at all: only such characters, and at
// most one '.'. Addresses, versions and timestamps are not, and need no
// parsing.
func numberish(v []byte) bool {
	dots := 0
	for _, b := range v {
		switch {
		case b >= '0' && b <= '9', b >= 'a' && b <= 'f', b >= 'A' && b <= 'F',
			b == 'x', b == 'X', b == 'o', b == 'O', b == '+', b == '-', b == '_':
		case b == '.':
			if dots++; dots > 1 {
				return false
			}
		default:
			return false
		}
	}
	return true
}
