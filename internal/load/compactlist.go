package load

import (
	"bytes"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
)

// A List written as compact JSON (`bulkhead snapshot -o json`,
// `kubectl get -o json | jq -c`) is already what jconv would write of
// each item, but for the order of keys. Its items are decoded where they
// are read, by decodeCompact, which checks what jconv would check on its
// way: no pass that copies every byte before the one that decodes them.
// An item decodeCompact does not take goes through jconv and decodeFast
// on its own; one jconv does not take either sends the whole document the
// way it went before (toJSON, or sigs.k8s.io/yaml), so that what is
// loaded and every message stay the same.

// compactList loads doc, when it is a JSON object whose root holds a
// non-empty "items" array, item by item in parallel, and reports whether
// it did. where names the document in messages.
func (b *batch) compactList(where string, body []byte) (done bool) {
	return b.compactListWith(where, body, workers() == 1)
}

// compactListWith is compactList, trying compactInTurn first when inTurn
// is set.
func (b *batch) compactListWith(where string, body []byte, inTurn bool) (done bool) {
	if b.reference || bytes.IndexByte(body, '\r') >= 0 {
		return false
	}
	i := skipSpace(body, 0)
	if i >= len(body) || body[i] != '{' {
		return false
	}
	if inTurn && b.compactInTurn(where, body) {
		return true
	}
	ch := jsonBracketItems(body)
	if ch == nil || len(ch.starts) == 0 {
		return false
	}
	open, end := ch.starts[0]-1, skipSpace(body, ch.ends[len(ch.ends)-1])
	for open > 0 && (body[open] == ' ' || body[open] == '\n') {
		open--
	}
	if body[open] != '[' || end >= len(body) || body[end] != ']' {
		return false
	}
	implied, ok := listShell(body, open, end)
	if !ok {
		return false
	}
	groups := compactGroups(b, where, body, ch, implied)
	if groups == nil {
		return false
	}
	b.docs-- // the list itself is not a document; its items are
	b.mergeAll(groups)
	return true
}

// listShell checks the document around its items, body[:open+1] and
// body[end:] (its '[' and ']'), as jconv writes it: what decodeFast reads
// of a list, the items being decoded apart. It returns the kind the list
// implies for items that have none.
func listShell(body []byte, open, end int) (implied *schema.GroupVersionKind, ok bool) {
	shell := append(append(make([]byte, 0, open+1+len(body)-end), body[:open+1]...), body[end:]...)
	c := jconv{src: shell}
	if !c.convert() {
		return nil, false
	}
	top, ok := scanTop(c.out, false, nil)
	if !ok || top.items == nil || top.apiVersion == "" || !strings.HasSuffix(top.kind, "List") ||
		top.apiVersion == snapshot.InfoAPIVersion && top.kind == snapshot.InfoKind {
		return nil, false
	}
	gv, err := schema.ParseGroupVersion(top.apiVersion)
	if err != nil {
		return nil, false
	}
	if elem := strings.TrimSuffix(top.kind, "List"); elem != "" {
		g := gv.WithKind(elem)
		implied = &g
	}
	return implied, true
}

// compactGroups decodes the items of ch in as many groups as there are
// workers, a run of items each, into one batch a group (made like
// parent, with room for an object an item), and returns the batches in
// order; nil when an item does not decode.
func compactGroups(parent *batch, where string, body []byte, ch *itemChunks, implied *schema.GroupVersionKind) []*batch {
	n := len(ch.starts)
	groups := make([]*batch, min(workers(), n))
	var failed atomic.Bool
	var wg sync.WaitGroup
	for g := range groups {
		lo, hi := g*n/len(groups), (g+1)*n/len(groups)
		ib := &batch{opts: parent.opts, reference: parent.reference, ops: make([]op, 0, hi-lo)}
		if len(groups) == 1 {
			ib.remembering(parent)
		}
		groups[g] = ib
		run := func() {
			kinds := kindCache{}
			prefix := where + " items["
			for k := lo; k < hi && !failed.Load(); k++ {
				ib.docs++
				if !ib.compactItem(prefix+strconv.Itoa(k)+"]", body[ch.starts[k]:ch.ends[k]], implied, kinds) {
					failed.Store(true)
				}
			}
		}
		if len(groups) == 1 {
			run()
			break
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			run()
		}()
	}
	wg.Wait()
	if failed.Load() {
		return nil
	}
	return groups
}

// compactItem decodes one item of a compact List; it reports false when
// jconv does not take the item, and so not the document.
func (b *batch) compactItem(where string, item []byte, implied *schema.GroupVersionKind, kinds kindCache) (ok bool) {
	defer func() {
		if recover() != nil { // a fault of the fast path: the document goes the old way
			ok = false
		}
	}()
	if gvk, newObj, ok := kinds.typed(item); ok {
		if obj := newObj(); decodeWith(tdec{js: item, raw: true, depth: 2, lists: b.lists()}, obj, true) {
			b.add(where, gvk, obj)
			return true
		}
	}
	s := scratchPool.Get().(*scratch)
	defer scratchPool.Put(s)
	c := jconv{src: item, out: s.out[:0], buf: s.buf, keys: s.keys[:0], depth: 2}
	converted := c.value() && c.pos == len(item)
	s.out, s.buf, s.keys = c.out, c.buf, c.keys
	if !converted {
		return false
	}
	b.decodeFast(where, c.out, implied, nil)
	return true
}

// typedKind reports whether objects of gvk decode into a type of the
// scheme by decodeFast's common way: known, not a list, not removed, not
// what the loader reads otherwise.
func typedKind(gvk schema.GroupVersionKind) bool {
	return !strings.HasSuffix(gvk.Kind, "List") && removed(gvk) == "" && gvk != crdKind &&
		(gvk.GroupVersion().String() != snapshot.InfoAPIVersion || gvk.Kind != snapshot.InfoKind) &&
		Scheme.Recognizes(gvk)
}

// A kindCache remembers, by the bytes an item starts with, the kind
// leadingKind read there and whether typedKind takes it: a List repeats a
// few kinds over thousands of items.
type kindCache map[string]cachedKind

type cachedKind struct {
	gvk schema.GroupVersionKind
	// new makes an object of the kind; nil when typedKind does not take
	// it.
	new func() runtime.Object
}

// typed returns the kind of an item, by leadingKind, and what makes an
// object of it, when typedKind takes it.
func (c kindCache) typed(item []byte) (schema.GroupVersionKind, func() runtime.Object, bool) {
	_, _, n, ok := leadingKeys(item)
	if !ok {
		return schema.GroupVersionKind{}, nil, false
	}
	if k, ok := c[string(item[:n])]; ok {
		return k.gvk, k.new, k.new != nil
	}
	gvk, ok := leadingKind(item)
	var newObj func() runtime.Object
	if ok && typedKind(gvk) {
		newObj = constructor(gvk)
	}
	if len(c) < 64 {
		c[string(item[:n])] = cachedKind{gvk, newObj}
	}
	return gvk, newObj, newObj != nil
}

// leadingKind reads the kind of an object whose first two keys are
// "kind" and "apiVersion", as encoding/json writes typed objects (or the
// other way round), their values plain strings; anything else is left to
// the way through jconv.
func leadingKind(item []byte) (schema.GroupVersionKind, bool) {
	apiVersion, kind, _, ok := leadingKeys(item)
	if !ok {
		return schema.GroupVersionKind{}, false
	}
	gv, err := schema.ParseGroupVersion(string(apiVersion))
	if err != nil {
		return schema.GroupVersionKind{}, false
	}
	return gv.WithKind(string(kind)), true
}

// leadingKeys finds the values of the "kind" and "apiVersion" keys an
// item starts with, and the length of the item up to the ',' after them.
func leadingKeys(item []byte) (apiVersion, kind []byte, n int, ok bool) {
	rest := item
	for k := 0; k < 2; k++ {
		if len(rest) == 0 || rest[0] != "{,"[k] {
			return nil, nil, 0, false
		}
		var dst *[]byte
		switch {
		case bytes.HasPrefix(rest[1:], []byte(`"kind":"`)):
			dst, rest = &kind, rest[1+len(`"kind":"`):]
		case bytes.HasPrefix(rest[1:], []byte(`"apiVersion":"`)):
			dst, rest = &apiVersion, rest[1+len(`"apiVersion":"`):]
		default:
			return nil, nil, 0, false
		}
		i := bytes.IndexByte(rest, '"')
		if i < 0 || *dst != nil || !plainASCII(rest[:i]) {
			return nil, nil, 0, false
		}
		*dst, rest = rest[:i], rest[i+1:]
	}
	if len(rest) == 0 || rest[0] != ',' {
		return nil, nil, 0, false
	}
	return apiVersion, kind, len(item) - len(rest), true
}

// plainASCII reports whether a string's content has only bytes jconv
// copies as they are (no escape).
func plainASCII(s []byte) bool {
	for _, c := range s {
		if !plainByte[c] {
			return false
		}
	}
	return true
}
