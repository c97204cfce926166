package load

import (
	"encoding/json"
	"reflect"
	"strconv"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

//go:generate go run ./gen

// The methods of zz_generated_decode.go decode the kinds the snapshot
// models without reflect: one method a type, a switch on the bytes of
// each key for a struct. They are written by internal/load/gen from the
// same rules as the plans of typed.go, and do what tdec.value does with
// a plan, step for step (null, duplicates in raw JSON, depth, interned
// strings); these are the steps they share. A type they do not know goes
// to the plan path, decPlan. TestGeneratedMatchesPlans holds the two
// alike.

// once marks the field of order ord as read, and in raw JSON reports
// false when it was read before.
func (d *tdec) once(seen *[2]uint64, ord int) bool {
	if !d.raw {
		return true
	}
	w, bit := ord/64, uint64(1)<<(ord%64)
	if seen[w]&bit != 0 {
		return false
	}
	seen[w] |= bit
	return true
}

// openObject enters the object at pos; false when there is none or it
// is nested too deep.
func (d *tdec) openObject() bool {
	if d.at() != '{' || !d.enter() {
		return false
	}
	d.pos++
	return true
}

// isNull reads a null at pos, which leaves a struct, a string, a number
// or a bool as it is.
func (d *tdec) isNull() bool { return d.at() == 'n' && d.literal("null") }

// closeEmpty moves past the closer of a collection just opened, when it
// is empty.
func (d *tdec) closeEmpty(closer byte) bool {
	if d.at() != closer {
		return false
	}
	d.pos++
	d.depth--
	return true
}

// decPlan decodes by the plan of T, for what the generator leaves to it.
func decPlan[T any](d *tdec, v *T) bool {
	return d.value(planFor(reflect.TypeFor[T]()), reflect.ValueOf(v).Elem())
}

func decString[T ~string](d *tdec, v *T) bool {
	if d.at() == 'n' {
		return d.isNull()
	}
	s, ok := d.str()
	if ok {
		*v = T(d.in.str(s))
	}
	return ok
}

func decBool[T ~bool](d *tdec, v *T) bool {
	switch d.at() {
	case 't':
		if d.literal("true") {
			*v = true
			return true
		}
	case 'f':
		if d.literal("false") {
			*v = false
			return true
		}
	case 'n':
		return d.isNull()
	}
	return false
}

type signed interface {
	~int | ~int8 | ~int16 | ~int32 | ~int64
}

type unsigned interface {
	~uint | ~uint8 | ~uint16 | ~uint32 | ~uint64 | ~uintptr
}

func decInt[T signed](d *tdec, v *T) bool {
	if d.at() == 'n' {
		return d.isNull()
	}
	n, ok := parseInt(d.number())
	if !ok || int64(T(n)) != n {
		return false
	}
	*v = T(n)
	return true
}

func decUint[T unsigned](d *tdec, v *T) bool {
	if d.at() == 'n' {
		return d.isNull()
	}
	n, err := strconv.ParseUint(string(d.number()), 10, 64)
	if err != nil || uint64(T(n)) != n {
		return false
	}
	*v = T(n)
	return true
}

// parseInt is strconv.ParseInt(string(b), 10, 64) without an allocation
// for the short integers of most fields.
func parseInt(b []byte) (int64, bool) {
	digits := b
	if len(digits) > 0 && digits[0] == '-' {
		digits = digits[1:]
	}
	if len(digits) == 0 || len(digits) > 18 {
		n, err := strconv.ParseInt(string(b), 10, 64)
		return n, err == nil
	}
	var n int64
	for _, c := range digits {
		if c < '0' || c > '9' {
			n, err := strconv.ParseInt(string(b), 10, 64)
			return n, err == nil
		}
		n = n*10 + int64(c-'0')
	}
	if len(digits) < len(b) {
		n = -n
	}
	return n, true
}

// decPtr decodes into what *p points at, made when nil; null makes it
// nil.
func decPtr[T any](d *tdec, p **T, elem func(*tdec, *T) bool) bool {
	if d.at() == 'n' {
		if !d.isNull() {
			return false
		}
		*p = nil
		return true
	}
	if *p == nil {
		*p = new(T)
	}
	return elem(d, *p)
}

// decSlice fills a slice; an empty array makes an empty slice, not nil,
// and null makes it nil.
func decSlice[S ~[]T, T any](d *tdec, s *S, elem func(*tdec, *T) bool) bool {
	switch d.at() {
	case '[':
	case 'n':
		if !d.isNull() {
			return false
		}
		*s = nil
		return true
	default:
		return false
	}
	if !d.enter() {
		return false
	}
	d.pos++
	if d.closeEmpty(']') {
		*s = S{}
		return true
	}
	out := *s
	for i := 0; ; i++ {
		if i >= len(out) {
			var zero T
			out = append(out, zero)
		}
		if !elem(d, &out[i]) {
			*s = out
			return false
		}
		if more, ok := d.next(']'); !more {
			*s = out
			d.depth--
			return ok
		}
	}
}

// decMap fills a map keyed by a string kind, each value decoded into a
// new element; in raw JSON a key given twice fails.
func decMap[M ~map[K]V, K ~string, V any](d *tdec, m *M, elem func(*tdec, *V) bool) bool {
	switch d.at() {
	case '{':
	case 'n':
		if !d.isNull() {
			return false
		}
		*m = nil
		return true
	default:
		return false
	}
	if !d.enter() {
		return false
	}
	if *m == nil {
		*m = make(M)
	}
	d.pos++
	if d.closeEmpty('}') {
		return true
	}
	for {
		key, ok := d.key()
		if !ok {
			return false
		}
		k := K(d.in.str(key))
		var e V
		if !elem(d, &e) {
			return false
		}
		n := len(*m)
		(*m)[k] = e
		if d.raw && len(*m) == n {
			return false
		}
		if more, ok := d.next('}'); !more {
			d.depth--
			return ok
		}
	}
}

// decStringMap is decMap for map[string]string (labels, annotations,
// selectors, data).
func (d *tdec) decStringMap(m *map[string]string) bool {
	switch d.at() {
	case '{':
	case 'n':
		if !d.isNull() {
			return false
		}
		*m = nil
		return true
	default:
		return false
	}
	if !d.enter() {
		return false
	}
	if *m == nil {
		*m = make(map[string]string)
	}
	d.pos++
	if d.closeEmpty('}') {
		return true
	}
	if !d.stringMap(*m) {
		return false
	}
	d.depth--
	return true
}

// decUnique is decString for a field whose values are seldom repeated
// (names, UIDs, addresses): not looked up among the interned strings.
func decUnique[T ~string](d *tdec, v *T) bool {
	if d.at() == 'n' {
		return d.isNull()
	}
	s, ok := d.str()
	if ok {
		*v = T(d.in.unique(s))
	}
	return ok
}

// unmarshal hands the value at pos to the type's own UnmarshalJSON, as
// jconv writes it.
func (d *tdec) unmarshal(u json.Unmarshaler) bool {
	if d.pos >= len(d.js) {
		return false
	}
	start := d.pos
	d.pos = skipJSON(d.js, d.pos)
	js := d.js[start:d.pos]
	if d.raw && !verbatim(js) {
		// The type reads the value's JSON as jconv writes it.
		c := jconv{src: js, out: d.buf[:0], depth: d.depth}
		if !c.value() || c.pos != len(js) {
			return false
		}
		d.buf, js = c.out, c.out
	}
	return u.UnmarshalJSON(js) == nil
}

// verbatim reports whether jconv writes the value js as it is: a string
// of plain characters, a literal, an integer.
func verbatim(js []byte) bool {
	switch {
	case len(js) >= 2 && js[0] == '"':
		return js[len(js)-1] == '"' && plainASCII(js[1:len(js)-1])
	case string(js) == "null", string(js) == "true", string(js) == "false":
		return true
	}
	end, ok := scanInteger(js, 0)
	return ok && end == len(js)
}

// decTime is metav1.Time's UnmarshalJSON for a string: the JSON string
// decoded, parsed as RFC 3339, in local time. Anything else goes to
// UnmarshalJSON.
func (d *tdec) decTime(t *metav1.Time) bool {
	if d.at() == '"' {
		start := d.pos
		if s, ok := d.str(); ok {
			pt, err := time.Parse(time.RFC3339, string(s))
			if err != nil {
				return false
			}
			t.Time = pt.Local()
			return true
		}
		d.pos = start
	}
	return d.unmarshal(t)
}

// decQuantity is resource.Quantity's UnmarshalJSON for a string of plain
// characters, which that method reads between its quotes as they are:
// parsed from the interned string, which the Quantity keeps. Anything
// else goes to UnmarshalJSON.
func (d *tdec) decQuantity(q *resource.Quantity) bool {
	if d.at() == '"' {
		start := d.pos
		end := start + 1
		for end < len(d.js) && plainByte[d.js[end]] {
			end++
		}
		if end < len(d.js) && d.js[end] == '"' {
			parsed, err := resource.ParseQuantity(strings.TrimSpace(d.in.str(d.js[start+1 : end])))
			if err != nil {
				return false
			}
			*q = parsed
			d.pos = end + 1
			return true
		}
	}
	return d.unmarshal(q)
}

// decIntOrString is intstr.IntOrString's UnmarshalJSON for a string or an
// integer; anything else goes to UnmarshalJSON.
func (d *tdec) decIntOrString(v *intstr.IntOrString) bool {
	start := d.pos
	switch c := d.at(); {
	case c == '"':
		if s, ok := d.str(); ok {
			v.Type, v.StrVal = intstr.String, d.in.str(s)
			return true
		}
	case c == '-' || c >= '0' && c <= '9':
		// an integer as JSON has it, as jconv copies it
		if n, ok := parseInt(d.integer()); ok && int64(int32(n)) == n {
			v.Type, v.IntVal = intstr.Int, int32(n)
			return true
		}
	}
	d.pos = start
	return d.unmarshal(v)
}
