package load

import (
	"encoding/base64"
	"encoding/json"
	"reflect"
	"strconv"
	"unicode/utf8"
)

// tdec walks JSON a fast path wrote, filling values by their plans.
type tdec struct {
	js  []byte
	pos int
	// raw says that js is JSON as read (decodeCompact), checked on the
	// way as jconv checks it; depth is then how deep the value at pos is.
	raw   bool
	depth int
	// in hands out the strings of repeated values.
	in *interner
	// buf holds what jconv writes of a value that a type decodes itself.
	buf []byte
	// lists are the resource lists of the batch, shared by the values
	// written alike (nil: none shared).
	lists *sharedLists
}

func (d *tdec) value(p *plan, v reflect.Value) bool {
	if d.pos >= len(d.js) {
		return false
	}
	c := d.js[d.pos]
	if c == 'n' && p.kind != kindUnmarshaler && p.kind != kindUnsupported {
		// null empties what may be nil and leaves the rest as it is.
		if !d.literal("null") {
			return false
		}
		switch p.kind {
		case kindPointer, kindMap, kindSlice, kindBytes:
			v.SetZero()
		}
		return true
	}
	switch p.kind {
	case kindUnmarshaler:
		return d.unmarshal(v.Addr().Interface().(json.Unmarshaler))
	case kindPointer:
		if v.IsNil() {
			v.Set(reflect.New(p.typ.Elem()))
		}
		return d.value(p.elem, v.Elem())
	case kindStruct:
		return c == '{' && d.object(p, v)
	case kindMap:
		return c == '{' && d.mapping(p, v)
	case kindSlice:
		return c == '[' && d.array(p, v)
	case kindBytes:
		s, ok := d.str()
		if !ok {
			return false
		}
		b := make([]byte, base64.StdEncoding.DecodedLen(len(s)))
		n, err := base64.StdEncoding.Decode(b, s)
		if err != nil {
			return false
		}
		v.SetBytes(b[:n])
		return true
	case kindString:
		s, ok := d.str()
		if ok {
			v.SetString(d.in.str(s))
		}
		return ok
	case kindBool:
		switch {
		case c == 't' && d.literal("true"):
			v.SetBool(true)
		case c == 'f' && d.literal("false"):
			v.SetBool(false)
		default:
			return false
		}
		return true
	case kindInt:
		n, err := strconv.ParseInt(string(d.number()), 10, 64)
		if err != nil || v.OverflowInt(n) {
			return false
		}
		v.SetInt(n)
		return true
	case kindUint:
		n, err := strconv.ParseUint(string(d.number()), 10, 64)
		if err != nil || v.OverflowUint(n) {
			return false
		}
		v.SetUint(n)
		return true
	case kindFloat:
		n, err := strconv.ParseFloat(string(d.number()), p.typ.Bits())
		if err != nil || v.OverflowFloat(n) {
			return false
		}
		v.SetFloat(n)
		return true
	}
	return false
}

func (d *tdec) literal(s string) bool {
	if len(d.js)-d.pos < len(s) || string(d.js[d.pos:d.pos+len(s)]) != s {
		return false
	}
	d.pos += len(s)
	return true
}

// number returns the number at pos, or nothing when a string, an object
// or an array is there (which then fails to parse).
func (d *tdec) number() []byte {
	if d.raw {
		return d.integer()
	}
	start := d.pos
	for d.pos < len(d.js) {
		switch d.js[d.pos] {
		case ',', '}', ']':
			return d.js[start:d.pos]
		case '"', '{', '[':
			return nil
		}
		d.pos++
	}
	return d.js[start:d.pos]
}

// integer returns the integer at pos as jconv copies it (see
// jconv.integer), or nothing for any other number.
func (d *tdec) integer() []byte {
	end, ok := scanInteger(d.js, d.pos)
	if !ok {
		return nil
	}
	start := d.pos
	d.pos = end
	return d.js[start:d.pos]
}

// enter counts a collection opening in raw JSON; false when it is nested
// deeper than jconv goes.
func (d *tdec) enter() bool {
	d.depth++
	return !d.raw || d.depth <= maxDepth
}

// key reads an object's key and its ':'.
func (d *tdec) key() ([]byte, bool) {
	start := d.pos
	key, ok := d.str()
	if !ok || d.at() != ':' || d.raw && d.pos-start > maxKey {
		return nil, false
	}
	d.pos++
	return key, true
}

// object fills a struct; an unknown key fails, and in raw JSON a key
// given twice.
func (d *tdec) object(p *plan, v reflect.Value) bool {
	if !d.enter() {
		return false
	}
	defer func() { d.depth-- }()
	d.pos++
	if d.at() == '}' {
		d.pos++
		return true
	}
	var seen [2]uint64
	for {
		key, ok := d.key()
		if !ok {
			return false
		}
		f := p.fields[string(key)]
		if f == nil {
			return false
		}
		if d.raw {
			if f.ord >= 128 || seen[f.ord/64]&(1<<(f.ord%64)) != 0 {
				return false
			}
			seen[f.ord/64] |= 1 << (f.ord % 64)
		}
		fv := v.Field(f.index[0])
		for _, i := range f.index[1:] {
			fv = fv.Field(i)
		}
		if !d.value(f.plan, fv) {
			return false
		}
		if more, ok := d.next('}'); !more {
			return ok
		}
	}
}

// mapping fills a map keyed by a string kind, each value decoded into a
// new element as encoding/json does; in raw JSON a key given twice
// fails.
func (d *tdec) mapping(p *plan, v reflect.Value) bool {
	if !d.enter() {
		return false
	}
	defer func() { d.depth-- }()
	if v.IsNil() {
		v.Set(reflect.MakeMap(p.typ))
	}
	d.pos++
	if d.at() == '}' {
		d.pos++
		return true
	}
	if p.typ == stringMapType {
		return d.stringMap(v.Interface().(map[string]string))
	}
	kt, et := p.typ.Key(), p.typ.Elem()
	kv, ev := reflect.New(kt).Elem(), reflect.New(et).Elem()
	for {
		key, ok := d.key()
		if !ok {
			return false
		}
		kv.SetString(d.in.str(key))
		ev.SetZero()
		if !d.value(p.elem, ev) {
			return false
		}
		n := v.Len()
		v.SetMapIndex(kv, ev)
		if d.raw && v.Len() == n {
			return false
		}
		if more, ok := d.next('}'); !more {
			return ok
		}
	}
}

var stringMapType = reflect.TypeFor[map[string]string]()

// stringMap is mapping for map[string]string (labels, annotations,
// selectors, data), without reflect.
func (d *tdec) stringMap(m map[string]string) bool {
	for {
		key, ok := d.key()
		if !ok {
			return false
		}
		k := d.in.str(key)
		if _, dup := m[k]; dup && d.raw {
			return false
		}
		switch {
		case d.at() == 'n':
			if !d.literal("null") {
				return false
			}
			m[k] = ""
		default:
			s, ok := d.str()
			if !ok {
				return false
			}
			m[k] = d.in.str(s)
		}
		if more, ok := d.next('}'); !more {
			return ok
		}
	}
}

// array fills a slice; an empty array makes an empty slice, not nil.
func (d *tdec) array(p *plan, v reflect.Value) bool {
	if !d.enter() {
		return false
	}
	defer func() { d.depth-- }()
	d.pos++
	if d.at() == ']' {
		d.pos++
		v.Set(reflect.MakeSlice(p.typ, 0, 0))
		return true
	}
	for i := 0; ; i++ {
		if i >= v.Cap() {
			v.Grow(1)
		}
		if i >= v.Len() {
			v.SetLen(i + 1)
		}
		if !d.value(p.elem, v.Index(i)) {
			return false
		}
		if more, ok := d.next(']'); !more {
			return ok
		}
	}
}

func (d *tdec) at() byte {
	if d.pos < len(d.js) {
		return d.js[d.pos]
	}
	return 0
}

// next moves past the ',' after a member (more) or the closer (!more);
// ok is false when neither is there.
func (d *tdec) next(closer byte) (more, ok bool) {
	switch d.at() {
	case ',':
		d.pos++
		return true, true
	case closer:
		d.pos++
		return false, true
	}
	return false, false
}

// str returns the content of the string at pos, unescaped. It reports
// false when no string is there, and for escapes a fast path never
// writes (surrogates), left to sigs.k8s.io/json.
func (d *tdec) str() ([]byte, bool) {
	if d.raw {
		return d.rawStr()
	}
	if d.at() != '"' {
		return nil, false
	}
	start := d.pos + 1
	i := quoteOrEscapeAt(d.js, start)
	if i >= len(d.js) {
		return nil, false
	}
	if d.js[i] == '"' {
		d.pos = i + 1
		return d.js[start:i], true
	}
	s := append([]byte(nil), d.js[start:i]...)
	for i < len(d.js) {
		switch b := d.js[i]; b {
		case '"':
			d.pos = i + 1
			return s, true
		case '\\':
			if i+1 >= len(d.js) {
				return nil, false
			}
			var ok bool
			if s, i, ok = appendEscape(s, d.js, i+1); !ok {
				return nil, false
			}
		default:
			s = append(s, b)
			i++
		}
	}
	return nil, false
}

// rawStr is str for raw JSON: it refuses, as jconv.str does, control
// characters, DEL, bytes that are not UTF-8, characters YAML does not
// print and escapes other than JSON's (but "\/", which YAML lacks).
// Characters encoding/json escapes (<, >, &) jconv writes again, with
// the same value.
func (d *tdec) rawStr() ([]byte, bool) {
	if d.at() != '"' {
		return nil, false
	}
	start := d.pos + 1
	i := printableRun(d.js, start)
	var s []byte
	copied := false
	from := start // the start of the run not yet appended to s
	for i < len(d.js) {
		switch b := d.js[i]; {
		case plainByte[b]:
			i++
		case b == '"':
			d.pos = i + 1
			if !copied {
				return d.js[start:i], true
			}
			return append(s, d.js[from:i]...), true
		case b == '\\':
			if i+1 >= len(d.js) || d.js[i+1] == '/' {
				return nil, false
			}
			s, copied = append(s, d.js[from:i]...), true
			var ok bool
			if s, i, ok = appendEscape(s, d.js, i+1); !ok {
				return nil, false
			}
			from = i
		case b < 0x20 || b == 0x7f:
			return nil, false
		case b < utf8.RuneSelf:
			i++
		default:
			r, size := utf8.DecodeRune(d.js[i:])
			if size == 1 || !yamlPrintable(r) {
				return nil, false
			}
			i += size
		}
	}
	return nil, false
}
