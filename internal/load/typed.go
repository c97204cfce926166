package load

import (
	"encoding"
	"encoding/json"
	"reflect"
	"sync"
)

// decodeTyped fills obj, a new object of the scheme, from js, JSON a fast
// path wrote (compact, no duplicate keys, strings as encoding/json writes
// them), as sigs.k8s.io/json's UnmarshalStrict (case-sensitive, unknown
// fields refused) fills it. It reports false, leaving obj half filled,
// for anything it does not do exactly alike, every error included: an
// unknown field, a value of the wrong type, an error of a type's own
// UnmarshalJSON, a type with what it does not know (interfaces, arrays,
// ",string" fields, TextUnmarshalers, maps keyed other than by strings,
// embedded pointers, ambiguous fields). The caller then decodes a new
// object with sigs.k8s.io/json. TestTypedDecodeMatches and the
// reference fuzzers hold the two alike.
func decodeTyped(js []byte, obj any) bool {
	return decodeWith(tdec{js: js}, obj, true)
}

// decodeCompact is decodeTyped for JSON as it was read, not as a fast
// path wrote it: it also refuses what jconv would not convert (any space,
// duplicate keys, numbers other than integers, strings YAML reads
// otherwise, nesting past maxDepth counting from depth), so that what it
// takes is what decodeTyped takes of jconv's output, and fills obj
// alike.
func decodeCompact(js []byte, obj any, depth int) bool {
	return decodeWith(tdec{js: js, raw: true, depth: depth}, obj, true)
}

// decodeWith decodes d's JSON into obj: by the generated methods of
// zz_generated_decode.go when generated is true and they know obj's
// type, else by its plan. Either way, a type whose plan is unsupported
// is refused before anything is read.
func decodeWith(d tdec, obj any, generated bool) bool {
	n, ok := decodeValue(d, obj, generated)
	return ok && n == len(d.js)
}

// decodePrefix decodes the value d's JSON starts with into obj by the
// generated methods, and returns where it ends.
func decodePrefix(d tdec, obj any) (end int, ok bool) {
	return decodeValue(d, obj, true)
}

// decodeValue is decodeWith, the value ending anywhere: it returns the
// offset after it.
func decodeValue(d tdec, obj any, generated bool) (end int, ok bool) {
	defer func() {
		if recover() != nil { // a fault here: the caller's slower way decodes anew
			ok = false
		}
	}()
	in := interners.Get().(*interner)
	defer interners.Put(in)
	d.in = in
	// The plan of every type the generated methods take is supported
	// (TestGeneratedRootsHavePlans): they need not ask.
	if generated {
		if ok, handled := d.generated(obj); handled {
			return d.pos, ok
		}
	}
	v := reflect.ValueOf(obj)
	if v.Kind() != reflect.Pointer || v.IsNil() {
		return 0, false
	}
	p := planFor(v.Type().Elem())
	if p.kind == kindUnsupported {
		return 0, false
	}
	return d.pos, d.value(p, v.Elem())
}

type planKind uint8

const (
	kindUnsupported planKind = iota
	kindUnmarshaler          // a named type whose pointer has UnmarshalJSON
	kindPointer
	kindStruct
	kindMap // keyed by a string kind
	kindSlice
	kindBytes
	kindString
	kindBool
	kindInt
	kindUint
	kindFloat
)

// A plan says how to decode into a type.
type plan struct {
	kind   planKind
	typ    reflect.Type
	elem   *plan              // of a pointer, slice or map
	fields map[string]*member // of a struct, by JSON name
}

type member struct {
	index []int
	plan  *plan
	ord   int // the field's place among its struct's fields, for duplicates
}

var (
	plansMu sync.RWMutex
	plans   = map[reflect.Type]*plan{}

	unmarshalerType     = reflect.TypeFor[json.Unmarshaler]()
	textUnmarshalerType = reflect.TypeFor[encoding.TextUnmarshaler]()
)

// planFor returns the plan of t, made once.
func planFor(t reflect.Type) *plan {
	plansMu.RLock()
	p := plans[t]
	plansMu.RUnlock()
	if p != nil {
		return p
	}
	plansMu.Lock()
	defer plansMu.Unlock()
	building := map[reflect.Type]*plan{}
	p = makePlan(t, building)
	// A plan that reaches an unsupported type through a cycle is
	// unsupported too; settle that before publishing.
	for changed := true; changed; {
		changed = false
		for _, q := range building {
			if q.kind != kindUnsupported && q.reaches(kindUnsupported) {
				q.kind, changed = kindUnsupported, true
			}
		}
	}
	for t, q := range building {
		plans[t] = q
	}
	return p
}

func (p *plan) reaches(k planKind) bool {
	if p.elem != nil && p.elem.kind == k {
		return true
	}
	for _, f := range p.fields {
		if f.plan.kind == k {
			return true
		}
	}
	return false
}

func makePlan(t reflect.Type, building map[reflect.Type]*plan) *plan {
	if p := plans[t]; p != nil {
		return p
	}
	if p := building[t]; p != nil {
		return p
	}
	p := &plan{typ: t}
	building[t] = p
	pt := reflect.PointerTo(t)
	switch {
	case t.Name() != "" && pt.Implements(unmarshalerType):
		p.kind = kindUnmarshaler
		return p
	case pt.Implements(textUnmarshalerType):
		return p
	}
	switch t.Kind() {
	case reflect.Pointer:
		if t.Elem().Kind() == reflect.Pointer {
			return p
		}
		p.kind, p.elem = kindPointer, makePlan(t.Elem(), building)
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			if t.Elem().Name() == "uint8" && !reflect.PointerTo(t.Elem()).Implements(unmarshalerType) {
				p.kind = kindBytes
			}
			return p
		}
		p.kind, p.elem = kindSlice, makePlan(t.Elem(), building)
	case reflect.Map:
		if t.Key().Kind() != reflect.String || reflect.PointerTo(t.Key()).Implements(textUnmarshalerType) {
			return p
		}
		p.kind, p.elem = kindMap, makePlan(t.Elem(), building)
	case reflect.Struct:
		if fields, ok := structFields(t, building); ok {
			p.kind, p.fields = kindStruct, fields
		}
	case reflect.String:
		if t != reflect.TypeFor[json.Number]() {
			p.kind = kindString
		}
	case reflect.Bool:
		p.kind = kindBool
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		p.kind = kindInt
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		p.kind = kindUint
	case reflect.Float32, reflect.Float64:
		p.kind = kindFloat
	}
	return p
}

// structFields lists the fields of a struct by JSON name as encoding/json
// finds them (tags, "-", fields of embedded structs promoted), and
// reports false for what decodeTyped leaves to sigs.k8s.io/json: a name
// two fields claim, ",string", embedded pointers, tags encoding/json
// would not take as names.
func structFields(t reflect.Type, building map[reflect.Type]*plan) (map[string]*member, bool) {
	fields := map[string]*member{}
	var visit func(t reflect.Type, index []int) bool
	visit = func(t reflect.Type, index []int) bool {
		for i := 0; i < t.NumField(); i++ {
			sf := t.Field(i)
			ft := sf.Type
			if sf.Anonymous {
				if ft.Kind() == reflect.Pointer {
					return false
				}
				if !sf.IsExported() && ft.Kind() != reflect.Struct {
					continue
				}
			} else if !sf.IsExported() {
				continue
			}
			tag := sf.Tag.Get("json")
			if tag == "-" {
				continue
			}
			name, opts := tag, ""
			for j := 0; j < len(tag); j++ {
				if tag[j] == ',' {
					name, opts = tag[:j], tag[j:]
					break
				}
			}
			if !plainTagName(name) || containsOption(opts, "string") {
				return false
			}
			idx := append(index[:len(index):len(index)], i)
			if name == "" && sf.Anonymous && ft.Kind() == reflect.Struct {
				if !visit(ft, idx) {
					return false
				}
				continue
			}
			if name == "" {
				name = sf.Name
			}
			if fields[name] != nil {
				return false
			}
			fields[name] = &member{index: idx, plan: makePlan(ft, building), ord: len(fields)}
		}
		return true
	}
	return fields, visit(t, nil)
}

// plainTagName reports whether a tag's name is empty or one encoding/json
// takes as it is: letters, digits and the punctuation Kubernetes uses.
func plainTagName(s string) bool {
	for _, c := range s {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-', c == '_', c == '.':
		default:
			return false
		}
	}
	return true
}

func containsOption(opts, o string) bool {
	for opts != "" {
		opts = opts[1:] // the ','
		next := len(opts)
		for j := 0; j < len(opts); j++ {
			if opts[j] == ',' {
				next = j
				break
			}
		}
		if opts[:next] == o {
			return true
		}
		opts = opts[next:]
	}
	return false
}
