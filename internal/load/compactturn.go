package load

import (
	"bytes"
	"strconv"
)

// On one CPU, the items of a compact List need not be found before they
// are decoded: compactInTurn decodes them one after the other where they
// are, each ending where its decode ends, and checks the document around
// them last. It takes the list only when every item decodes in place
// (decodeCompact), as compactGroups would decode it; anything else, and
// the list goes the way of compactList, which decides as it always did.

// compactInTurn loads the items of a compact List in turn, and reports
// whether it did; when not, it has changed nothing.
func (b *batch) compactInTurn(where string, body []byte) (done bool) {
	defer func() {
		if recover() != nil { // a fault here: compactList's way decides
			done = false
		}
	}()
	open := rootItemsOpen(body)
	if open < 0 {
		return false
	}
	// About one item a line, as the compact writers put them.
	ib := (&batch{opts: b.opts, ops: make([]op, 0, min(bytes.Count(body, []byte{'\n'})+1, len(body)/64+1))}).remembering(b)
	kinds := kindCache{}
	prefix := where + " items["
	var item []byte // where item k is: prefix, k, "]"
	i := skipSpace(body, open+1)
	for k := 0; ; k++ {
		if i >= len(body) || body[i] != '{' {
			return false
		}
		gvk, newObj, ok := kinds.typed(body[i:])
		if !ok {
			return false
		}
		obj := newObj()
		n, ok := decodePrefix(tdec{js: body[i:], raw: true, depth: 2, lists: ib.lists()}, obj)
		if !ok {
			return false
		}
		ib.docs++
		item = append(strconv.AppendInt(append(item[:0], prefix...), int64(k), 10), ']')
		ib.add(string(item), gvk, obj)
		i = skipSpace(body, i+n)
		if i < len(body) && body[i] == ']' {
			break
		}
		if i >= len(body) || body[i] != ',' {
			return false
		}
		i = skipSpace(body, i+1)
	}
	if _, ok := listShell(body, open, i); !ok {
		return false
	}
	b.docs-- // the list itself is not a document; its items are
	b.merge(ib)
	return true
}

// rootItemsOpen returns the offset of the '[' of the root object's
// "items" array, the first "items" key with an array, as
// jsonBracketItems finds it; -1 when there is none.
func rootItemsOpen(src []byte) int {
	i := skipSpace(src, 0)
	if i >= len(src) || src[i] != '{' {
		return -1
	}
	for i = skipSpace(src, i+1); i < len(src) && src[i] == '"'; {
		k := rawSkip(src, i)
		if k < 0 {
			return -1
		}
		isItems := string(src[i:k]) == `"items"`
		i = skipSpace(src, k)
		if i >= len(src) || src[i] != ':' {
			return -1
		}
		i = skipSpace(src, i+1)
		if isItems && i < len(src) && src[i] == '[' {
			return i
		}
		end := rawSkip(src, i)
		if end <= i {
			return -1
		}
		i = end
		if i = skipSpace(src, i); i < len(src) && src[i] == ',' {
			i = skipSpace(src, i+1)
		}
	}
	return -1
}
