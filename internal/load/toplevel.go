package load

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/runtime/schema"
)

// topLevel is what the loader reads of an object before decoding it.
type topLevel struct {
	apiVersion, kind string
	items            [][]byte // nil when there is no "items"
}

// recognized reports whether the scheme knows the kind top names.
func recognized(top topLevel) bool {
	gv, err := schema.ParseGroupVersion(top.apiVersion)
	return err == nil && Scheme.Recognizes(gv.WithKind(top.kind))
}

// scanTop reads apiVersion, kind and the items of a list from the top
// level of js, a JSON object written by a fast path, stopping once it has
// apiVersion and kind when early is set, and taking the items from known
// when it has them. It reports false when decode would read them
// otherwise: not strings, not an array, or keys that encoding/json takes
// for them ("Kind", "ITEMS").
func scanTop(js []byte, early bool, known *listItems) (top topLevel, ok bool) {
	if len(js) < 2 || js[0] != '{' {
		return top, false
	}
	for i := 1; js[i] != '}' && (!early || top.apiVersion == "" || top.kind == ""); {
		if js[i] == ',' {
			i++
		}
		kEnd := skipJSON(js, i)
		key, ok := jsonString(js[i:kEnd])
		if !ok {
			return top, false
		}
		vStart := kEnd + 1 // past ':'
		if key == "items" && known != nil && known.end > 0 && known.start == vStart {
			top.items = make([][]byte, len(known.spans))
			for j, s := range known.spans {
				top.items[j] = js[s.start:s.end]
			}
			i = known.end
			continue
		}
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
		return skipString(js, i)
	case '{', '[':
		depth := 0
		for ; ; i++ {
			for !structural[js[i]] {
				i++
			}
			switch js[i] {
			case '"':
				i = skipString(js, i) - 1
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

// skipString returns the offset just past the string starting at i.
func skipString(js []byte, i int) int {
	for i++; ; i++ {
		for !quoteOrEscape[js[i]] {
			i++
		}
		if js[i] == '"' {
			return i + 1
		}
		i++ // the escaped byte
	}
}

var (
	// structural marks the bytes skipJSON stops at inside a collection.
	structural = byteSet(`"{}[]`)
	// quoteOrEscape marks the bytes that end a run of a string's content.
	quoteOrEscape = byteSet(`"\`)
)

func byteSet(s string) (t [256]bool) {
	for i := 0; i < len(s); i++ {
		t[s[i]] = true
	}
	return t
}

// listItems records where a fast path wrote the elements of the root
// object's "items" array, so that scanTop need not skip over them.
type listItems struct {
	want       bool // the value being written is the root object's "items"
	start, end int  // offsets of its '[' and past its ']'; end is 0 when none
	spans      []span
}

func (r listItems) reset() listItems { return listItems{spans: r.spans[:0]} }

// key notes a key written at depth, 1 being the root object.
func (r *listItems) key(depth int, key []byte) {
	if depth == 1 {
		r.want = string(key) == `"items"`
	}
}

// open notes an array opening at offset at of out, at depth; it reports
// whether it is the root's items, whose elements are to be recorded.
func (r *listItems) open(depth, at int) bool {
	if !r.want || depth != 2 {
		return false
	}
	r.want, r.start = false, at
	return true
}

func (r *listItems) element(rec bool, start, end int) {
	if rec {
		r.spans = append(r.spans, span{start, end})
	}
}

func (r *listItems) close(rec bool, end int) {
	if rec {
		r.end = end
	}
}

// join appends an array of items written apart, at depth, recording
// them when it is the root's items.
func (r *listItems) join(depth int, out []byte, items [][]byte) []byte {
	total := 2 + len(items)
	for _, item := range items {
		total += len(item)
	}
	out = slices.Grow(out, total)
	rec := r.open(depth, len(out))
	out = append(out, '[')
	for i, item := range items {
		if i > 0 {
			out = append(out, ',')
		}
		start := len(out)
		out = append(out, item...)
		r.element(rec, start, len(out))
	}
	out = append(out, ']')
	r.close(rec, len(out))
	return out
}
