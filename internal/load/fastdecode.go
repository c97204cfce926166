package load

import (
	"bytes"
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
func (b *batch) toJSON(body []byte, s *scratch) (js []byte, ok bool) {
	if b.reference {
		return nil, false
	}
	defer func() {
		if recover() != nil { // a fault of the fast path: the reference path reads the document
			js, ok = nil, false
		}
	}()
	body = withoutCR(body)
	if i := bytes.IndexFunc(body, func(r rune) bool { return r != ' ' && r != '\n' }); i >= 0 && body[i] == '{' {
		c := jconv{src: body, out: s.out[:0], buf: s.buf, keys: s.keys[:0], items: s.items.reset()}
		if len(body) >= parallelListSize && workers() > 1 {
			c.chunks = jsonItems(body)
		}
		converted := c.convert()
		s.out, s.buf, s.keys, s.items = c.out, c.buf, c.keys, c.items
		if converted {
			return s.out, true
		}
	}
	c := yconv{src: body, out: s.out[:0], buf: s.buf, keys: s.keys[:0], items: s.items.reset()}
	if len(body) >= parallelListSize && workers() > 1 {
		c.chunks = yamlItems(body)
	}
	converted := c.convert()
	s.out, s.buf, s.keys, s.items = c.out, c.buf, c.keys, c.items
	return s.out, converted
}

// withoutCR returns body with its CR LF line ends made LF, which YAML
// reads alike; a CR not before an LF stays (and leaves the document to
// sigs.k8s.io/yaml).
func withoutCR(body []byte) []byte {
	i := bytes.IndexByte(body, '\r')
	if i < 0 {
		return body
	}
	out := make([]byte, 0, len(body))
	for ; i >= 0; i = bytes.IndexByte(body, '\r') {
		if i+1 == len(body) || body[i+1] != '\n' {
			return append(out, body...)
		}
		out = append(out, body[:i]...)
		body = body[i+1:]
	}
	return append(out, body...)
}

// scratch holds the buffers of the fast paths, reused from document to
// document: a document's JSON is not needed once it is decoded.
type scratch struct {
	out, buf []byte
	keys     []span
	items    listItems
}

var scratchPool = sync.Pool{New: func() any { return new(scratch) }}

// decodeFast is decode for the JSON a fast path wrote. It takes the
// common case itself: an object of a kind the scheme knows, or a list of
// them, that decodes strictly without an error, straight into the typed
// object (no second pass for apiVersion and kind, no re-encoding of list
// items). Everything else goes to decode with the JSON sigs.k8s.io/yaml
// would have written, so that what is loaded and every message are
// decode's.
//
// known, when not nil, says where the fast path wrote the items of js.
func (b *batch) decodeFast(where string, js []byte, implied *schema.GroupVersionKind, known *listItems) {
	slow := func() { b.decode(where, canonicalJSON(js), implied) }
	// Most objects start with apiVersion and kind. Their typed decode
	// refuses keys encoding/json would take for either ("Kind") as
	// unknown fields, so reading on for those is needed only for what is
	// not decoded into a type: lists and kinds the scheme does not know.
	top, ok := scanTop(js, true, known)
	if ok && (top.apiVersion == "" || top.kind == "" || strings.HasSuffix(top.kind, "List") || !recognized(top)) {
		top, ok = scanTop(js, false, known)
	}
	if !ok {
		slow()
		return
	}
	tm := metav1.TypeMeta{APIVersion: top.apiVersion, Kind: top.kind}
	implyKind(&tm, implied)
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
	if !decodeWith(tdec{js: js, lists: b.lists()}, obj, true) {
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
		ib.decodeFast(fmt.Sprintf("%s items[%d]", where, i), items[i], implied, nil)
	}) {
		b.merge(ib)
	}
}
