package load

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"sync"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	kjson "sigs.k8s.io/json"

	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
)

// toJSON converts a document by a fast path: JSON compacted as it is, or
// YAML of the common kind converted by yamlToJSON. It reports false when
// the document is left to sigs.k8s.io/yaml. The JSON is in s.out.
func (b *batch) toJSON(body []byte, s *scratch) ([]byte, bool) {
	if b.reference {
		return nil, false
	}
	if i := bytes.IndexFunc(body, func(r rune) bool { return r != ' ' && r != '\n' }); i >= 0 && body[i] == '{' {
		c := jconv{src: body, out: s.out[:0], buf: s.buf, keys: s.keys[:0]}
		ok := c.convert()
		s.out, s.buf, s.keys = c.out, c.buf, c.keys
		if ok {
			return s.out, true
		}
	}
	c := yconv{src: body, out: s.out[:0], buf: s.buf, keys: s.keys[:0]}
	ok := c.convert()
	s.out, s.buf, s.keys = c.out, c.buf, c.keys
	return s.out, ok
}

// scratch holds the buffers of the fast paths, reused from document to
// document: a document's JSON is not needed once it is decoded.
type scratch struct {
	out, buf []byte
	keys     []span
}

var scratchPool = sync.Pool{New: func() any { return new(scratch) }}

// decodeFast is decode for the JSON a fast path wrote. It takes the
// common case itself: an object of a kind the scheme knows, or a list of
// them, that decodes strictly without an error, straight into the typed
// object (no second pass for apiVersion and kind, no re-encoding of list
// items). Everything else goes to decode with the JSON sigs.k8s.io/yaml
// would have written, so that what is loaded and every message are
// decode's.
func (b *batch) decodeFast(where string, js []byte, implied *schema.GroupVersionKind) {
	slow := func() { b.decode(where, canonicalJSON(js), implied) }
	top, ok := scanTop(js)
	if !ok {
		slow()
		return
	}
	tm := metav1.TypeMeta{APIVersion: top.apiVersion, Kind: top.kind}
	if implied != nil {
		switch {
		case tm.Kind == "" && tm.APIVersion == "":
			tm.APIVersion, tm.Kind = implied.GroupVersion().String(), implied.Kind
		case tm.APIVersion == "" && tm.Kind == implied.Kind:
			tm.APIVersion = implied.GroupVersion().String()
		}
	}
	if tm.Kind == "" || tm.APIVersion == "" || tm.APIVersion == snapshot.InfoAPIVersion && tm.Kind == snapshot.InfoKind {
		slow()
		return
	}
	gv, err := schema.ParseGroupVersion(tm.APIVersion)
	if err != nil {
		slow()
		return
	}
	gvk := gv.WithKind(tm.Kind)
	if strings.HasSuffix(tm.Kind, "List") && (top.items != nil || Scheme.Recognizes(gvk)) {
		b.listFast(where, gv, tm.Kind, top.items)
		return
	}
	if removed(gvk) != "" || gvk == crdKind {
		slow()
		return
	}
	if !Scheme.Recognizes(gvk) {
		b.unknown(tm.APIVersion, tm.Kind)
		return
	}
	obj, err := Scheme.New(gvk)
	if err != nil {
		slow()
		return
	}
	if !decodeTyped(js, obj) {
		obj, _ = Scheme.New(gvk)
		if strict, err := kjson.UnmarshalStrict(js, obj); err != nil || len(strict) > 0 {
			slow()
			return
		}
	}
	b.add(where, gvk, obj)
}

// listFast decodes the items of a list in parallel, as list does.
func (b *batch) listFast(where string, gv schema.GroupVersion, kind string, items [][]byte) {
	b.docs-- // the list itself is not a document; its items are
	var implied *schema.GroupVersionKind
	if elem := strings.TrimSuffix(kind, "List"); elem != "" {
		g := gv.WithKind(elem)
		implied = &g
	}
	for _, ib := range parallel(b, len(items), func(ib *batch, i int) {
		ib.docs++
		ib.decodeFast(fmt.Sprintf("%s items[%d]", where, i), items[i], implied)
	}) {
		b.merge(ib)
	}
}

// topLevel is what the loader reads of an object before decoding it.
type topLevel struct {
	apiVersion, kind string
	items            [][]byte // nil when there is no "items"
}

// scanTop reads apiVersion, kind and the items of a list from the top
// level of js, a JSON object written by a fast path. It reports false
// when decode would read them otherwise: not strings, not an array, or
// keys that encoding/json takes for them ("Kind", "ITEMS").
func scanTop(js []byte) (top topLevel, ok bool) {
	if len(js) < 2 || js[0] != '{' {
		return top, false
	}
	for i := 1; js[i] != '}'; {
		if js[i] == ',' {
			i++
		}
		kEnd := skipJSON(js, i)
		key, ok := jsonString(js[i:kEnd])
		if !ok {
			return top, false
		}
		vStart := kEnd + 1 // past ':'
		vEnd := skipJSON(js, vStart)
		v := js[vStart:vEnd]
		switch key {
		case "apiVersion":
			if top.apiVersion, ok = jsonString(v); !ok {
				return top, false
			}
		case "kind":
			if top.kind, ok = jsonString(v); !ok {
				return top, false
			}
		case "items":
			if v[0] != '[' {
				return top, false
			}
			top.items = make([][]byte, 0, 16)
			for j := 1; v[j] != ']'; {
				if v[j] == ',' {
					j++
				}
				end := skipJSON(v, j)
				top.items = append(top.items, v[j:end])
				j = end
			}
		default:
			if strings.EqualFold(key, "apiVersion") || strings.EqualFold(key, "kind") || strings.EqualFold(key, "items") {
				return top, false
			}
		}
		i = vEnd
	}
	return top, true
}

// jsonString returns the value of a JSON string.
func jsonString(js []byte) (string, bool) {
	if len(js) < 2 || js[0] != '"' {
		return "", false
	}
	if bytes.IndexByte(js, '\\') < 0 {
		return string(js[1 : len(js)-1]), true
	}
	var s string
	return s, json.Unmarshal(js, &s) == nil
}

// skipJSON returns the offset just past the value starting at i of
// compact, valid JSON.
func skipJSON(js []byte, i int) int {
	switch js[i] {
	case '"':
		for {
			i += 1 + bytes.IndexByte(js[i+1:], '"')
			k := i - 1
			for js[k] == '\\' {
				k--
			}
			if (i-1-k)%2 == 0 {
				return i + 1
			}
		}
	case '{', '[':
		depth := 0
		for ; ; i++ {
			for !structural[js[i]] {
				i++
			}
			switch js[i] {
			case '"':
				i = skipJSON(js, i) - 1
			case '{', '[':
				depth++
			default:
				if depth--; depth == 0 {
					return i + 1
				}
			}
		}
	}
	for i < len(js) && js[i] != ',' && js[i] != '}' && js[i] != ']' {
		i++
	}
	return i
}

// structural marks the bytes skipJSON stops at inside a collection.
var structural = func() (t [256]bool) {
	for _, b := range `"{}[]` {
		t[b] = true
	}
	return t
}()
