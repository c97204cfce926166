package load

import (
	"encoding/base64"
	"encoding/json"
	"reflect"
	"strconv"
)

// tdec walks JSON a fast path wrote, filling values by their plans.
type tdec struct {
	js  []byte
	pos int
}

func (d *tdec) value(p *plan, v reflect.Value) bool {
	if d.pos >= len(d.js) {
		return false
	}
	c := d.js[d.pos]
	if c == 'n' && p.kind != kindUnmarshaler && p.kind != kindUnsupported {
		// null empties what may be nil and leaves the rest as it is.
		d.pos += len("null")
		switch p.kind {
		case kindPointer, kindMap, kindSlice, kindBytes:
			v.SetZero()
		}
		return true
	}
	switch p.kind {
	case kindUnmarshaler:
		start := d.pos
		d.pos = skipJSON(d.js, d.pos)
		return v.Addr().Interface().(json.Unmarshaler).UnmarshalJSON(d.js[start:d.pos]) == nil
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
			v.SetString(string(s))
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

// object fills a struct; an unknown key fails.
func (d *tdec) object(p *plan, v reflect.Value) bool {
	d.pos++
	if d.at() == '}' {
		d.pos++
		return true
	}
	for {
		key, ok := d.str()
		if !ok || d.at() != ':' {
			return false
		}
		d.pos++
		f := p.fields[string(key)]
		if f == nil {
			return false
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
// new element as encoding/json does.
func (d *tdec) mapping(p *plan, v reflect.Value) bool {
	if v.IsNil() {
		v.Set(reflect.MakeMap(p.typ))
	}
	d.pos++
	if d.at() == '}' {
		d.pos++
		return true
	}
	kt, et := p.typ.Key(), p.typ.Elem()
	for {
		key, ok := d.str()
		if !ok || d.at() != ':' {
			return false
		}
		d.pos++
		kv := reflect.New(kt).Elem()
		kv.SetString(string(key))
		ev := reflect.New(et).Elem()
		if !d.value(p.elem, ev) {
			return false
		}
		v.SetMapIndex(kv, ev)
		if more, ok := d.next('}'); !more {
			return ok
		}
	}
}

// array fills a slice; an empty array makes an empty slice, not nil.
func (d *tdec) array(p *plan, v reflect.Value) bool {
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
	if d.at() != '"' {
		return nil, false
	}
	start := d.pos + 1
	i := start
	for i < len(d.js) && d.js[i] != '"' && d.js[i] != '\\' {
		i++
	}
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
