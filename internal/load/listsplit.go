package load

import (
	"bytes"
	"sync"
)

// A big List document, as `kubectl get -o yaml|json` prints a cluster,
// is one document: to convert it on every CPU, its items are found first
// by a look at its lines (YAML) or brackets (JSON), converted each on its
// own in parallel, and joined. An item that does not convert as a whole
// means the look was wrong (a quoted scalar running over lines, say): the
// converter then goes through the sequence itself, as for a small list.

// parallelListSize is the size from which a document's items are looked
// for, when more than one CPU may run Go code.
const parallelListSize = 256 << 10

// itemChunks are the items of the root "items" sequence of a document:
// item i is src[starts[i]:starts[i+1]] (the last ends at end), each
// starting with its '-' in column col (YAML) or with its value (JSON,
// ends[i] then ending it).
type itemChunks struct {
	col    int
	starts []int
	ends   []int
	end    int
}

// yamlItems finds the items of a root "items:" block sequence by their
// lines: an item starts at a '-' line in the sequence's column, and the
// sequence ends at a line in a column left of it, or in it but not an
// item. Blank and comment lines belong to the item before.
func yamlItems(src []byte) *itemChunks {
	var ch *itemChunks
	for off := 0; off < len(src); {
		line, next, indent := lineAt(src, off)
		content := indent < len(line) && line[indent] != '\n' && line[indent] != '#'
		switch {
		case !content:
		case ch == nil:
			if indent == 0 && bytes.HasPrefix(line, []byte("items:")) {
				if rest := bytes.TrimSpace(line[len("items:"):]); len(rest) == 0 || rest[0] == '#' {
					ch = &itemChunks{col: -1}
				}
			}
		case ch.col < 0:
			if !isItemLine(line, indent) {
				return nil
			}
			ch.col = indent
			ch.starts = append(ch.starts, off)
		case indent > ch.col:
		case indent == ch.col && isItemLine(line, indent):
			ch.starts = append(ch.starts, off)
		default:
			ch.end = off
			return ch
		}
		off = next
	}
	if ch == nil || ch.col < 0 {
		return nil
	}
	ch.end = len(src)
	return ch
}

// lineAt returns the line of src starting at off (with its newline), the
// offset of the next one, and the line's indentation in spaces.
func lineAt(src []byte, off int) (line []byte, next, indent int) {
	next = len(src)
	if i := bytes.IndexByte(src[off:], '\n'); i >= 0 {
		next = off + i + 1
	}
	line = src[off:next]
	for indent < len(line) && line[indent] == ' ' {
		indent++
	}
	return line, next, indent
}

func isItemLine(line []byte, indent int) bool {
	return line[indent] == '-' && (indent+1 == len(line) || line[indent+1] == ' ' || line[indent+1] == '\n')
}

// jsonItems finds the elements of the root object's "items" array: by
// their lines when indented as kubectl prints it, else by brackets and
// strings; nil when there is no such array or the JSON is not as it
// should be (which the conversion then finds).
func jsonItems(src []byte) *itemChunks {
	if ch := jsonLineItems(src); ch != nil {
		return ch
	}
	return jsonBracketItems(src)
}

// jsonLineItems finds the elements of an indented "items" array by their
// lines: after a line `"items": [`, each element starts with '{' or '['
// in the column of the first, and the array ends at a line left of it.
func jsonLineItems(src []byte) *itemChunks {
	var ch *itemChunks
	col := -1
	for off := 0; off < len(src); {
		line, next, indent := lineAt(src, off)
		switch {
		case indent == len(line) || line[indent] == '\n':
		case ch == nil:
			if bytes.Equal(bytes.TrimRight(line[indent:], " \n"), []byte(`"items": [`)) {
				ch = &itemChunks{}
			}
		case col < 0 || indent == col:
			switch line[indent] {
			case '{', '[':
				col = indent
				ch.starts = append(ch.starts, off+indent)
			case '}', ']':
				if col < 0 {
					return nil
				}
			default:
				return nil
			}
		case indent < col:
			if line[indent] != ']' {
				return nil
			}
			for i := range ch.starts {
				end := off + indent
				if i+1 < len(ch.starts) {
					end = ch.starts[i+1]
				}
				for end > ch.starts[i] && (src[end-1] == ' ' || src[end-1] == '\n') {
					end--
				}
				if i+1 < len(ch.starts) {
					if src[end-1] != ',' {
						return nil
					}
					for end--; end > ch.starts[i] && (src[end-1] == ' ' || src[end-1] == '\n'); end-- {
					}
				}
				ch.ends = append(ch.ends, end)
			}
			return ch
		}
		off = next
	}
	return nil
}

// jsonBracketItems finds the elements of the root object's "items"
// array by its brackets and strings.
func jsonBracketItems(src []byte) *itemChunks {
	i := skipSpace(src, 0)
	if i >= len(src) || src[i] != '{' {
		return nil
	}
	for i = skipSpace(src, i+1); i < len(src) && src[i] == '"'; {
		k := rawSkip(src, i)
		if k < 0 {
			return nil
		}
		isItems := string(src[i:k]) == `"items"`
		i = skipSpace(src, k)
		if i >= len(src) || src[i] != ':' {
			return nil
		}
		i = skipSpace(src, i+1)
		if isItems && i < len(src) && src[i] == '[' {
			ch := &itemChunks{}
			for i = skipSpace(src, i+1); i < len(src) && src[i] != ']'; {
				end := rawSkip(src, i)
				if end <= i {
					return nil
				}
				ch.starts = append(ch.starts, i)
				ch.ends = append(ch.ends, end)
				switch i = skipSpace(src, end); {
				case i < len(src) && src[i] == ',':
					i = skipSpace(src, i+1)
				case i < len(src) && src[i] == ']':
				default:
					return nil
				}
			}
			return ch
		}
		end := rawSkip(src, i)
		if end <= i {
			return nil
		}
		i = end
		if i = skipSpace(src, i); i < len(src) && src[i] == ',' {
			i = skipSpace(src, i+1)
		}
	}
	return nil
}

func skipSpace(src []byte, i int) int {
	for i < len(src) && (src[i] == ' ' || src[i] == '\n') {
		i++
	}
	return i
}

// rawSkip returns the offset past the JSON value at i, or -1; it only
// follows strings and brackets, leaving the rest to the conversion.
func rawSkip(src []byte, i int) int {
	if i >= len(src) {
		return -1
	}
	switch src[i] {
	case '"':
		return rawString(src, i)
	case '{', '[':
		depth := 0
		for {
			for i < len(src) && !structural[src[i]] {
				i++
			}
			if i >= len(src) {
				return -1
			}
			switch src[i] {
			case '"':
				if i = rawString(src, i); i < 0 {
					return -1
				}
				continue
			case '{', '[':
				depth++
			default:
				if depth--; depth == 0 {
					return i + 1
				}
			}
			i++
		}
	}
	for i < len(src) && !endOfScalar[src[i]] {
		i++
	}
	return i
}

// endOfScalar marks the bytes that end a number or a literal.
var endOfScalar = byteSet(",}] \n")

// rawString returns the offset past the string at i, or -1.
func rawString(src []byte, i int) int {
	for i++; i < len(src); i++ {
		for i < len(src) && !quoteOrEscape[src[i]] {
			i++
		}
		if i >= len(src) {
			return -1
		}
		if src[i] == '"' {
			return i + 1
		}
		i++ // the escaped byte
	}
	return -1
}

// convertItems converts n items in parallel, each by convert into a
// buffer of its group (with scratch of the group) made to hold size(i)
// bytes for item i, and returns them in order; ok is false when one does
// not convert.
func convertItems(n int, size func(i int) int, convert func(i int, out []byte, s *scratch) ([]byte, bool)) (items [][]byte, ok bool) {
	items = make([][]byte, n)
	groups := min(4*workers(), n)
	var wg sync.WaitGroup
	failed := make([]bool, groups)
	for g := range groups {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() {
				if recover() != nil { // a fault of the fast path: converted in turn
					failed[g] = true
				}
			}()
			total := 0
			for i := g * n / groups; i < (g+1)*n/groups; i++ {
				total += size(i)
			}
			out := make([]byte, 0, total)
			s := new(scratch)
			for i := g * n / groups; i < (g+1)*n/groups; i++ {
				start := len(out)
				var ok bool
				if out, ok = convert(i, out, s); !ok {
					failed[g] = true
					return
				}
				items[i] = out[start:len(out):len(out)]
			}
		}()
	}
	wg.Wait()
	for _, f := range failed {
		if f {
			return nil, false
		}
	}
	// Later items of a group may have moved its buffer; their slices
	// hold the bytes either way.
	return items, true
}

// parallelSequence writes the root's "items" sequence, in column col,
// from its items converted in parallel; false leaves everything as it
// was, for the sequence to be written in turn.
func (c *yconv) parallelSequence(col int) bool {
	ch := c.chunks
	c.chunks = nil
	if ch.col != col || len(ch.starts) < 2 || c.lineStart != ch.starts[0] || c.pos != c.lineStart+col {
		return false
	}
	end := func(i int) int {
		if i+1 < len(ch.starts) {
			return ch.starts[i+1]
		}
		return ch.end
	}
	// JSON is about as long as the YAML it comes from.
	size := func(i int) int { return end(i) - ch.starts[i] }
	items, ok := convertItems(len(ch.starts), size, func(i int, out []byte, s *scratch) ([]byte, bool) {
		end := end(i)
		ic := yconv{src: c.src[:end], pos: ch.starts[i] + col, lineStart: ch.starts[i], out: out, buf: s.buf, keys: s.keys[:0], depth: 2}
		ok := ic.item(col)
		s.buf, s.keys = ic.buf, ic.keys
		if _, eof := ic.nextLine(); !ok || !eof {
			return ic.out, false
		}
		return ic.out, true
	})
	if !ok || !c.enter() {
		return false
	}
	c.out = c.items.join(c.depth, c.out, items)
	c.pos, c.lineStart = ch.end, ch.end
	c.depth--
	return true
}

// parallelArray writes the root's "items" array, at pos, from its
// elements converted in parallel; false leaves everything as it was.
func (c *jconv) parallelArray() bool {
	ch := c.chunks
	c.chunks = nil
	n := len(ch.starts)
	i := skipSpace(c.src, c.pos+1)
	for k := 0; k < n; k++ {
		if i != ch.starts[k] {
			return false
		}
		i = skipSpace(c.src, ch.ends[k])
		if k+1 < n {
			if c.at(i) != ',' {
				return false
			}
			i = skipSpace(c.src, i+1)
		}
	}
	if n < 2 || c.at(i) != ']' {
		return false
	}
	// Compacted, JSON as kubectl indents it is less than half as long.
	size := func(k int) int { return (ch.ends[k] - ch.starts[k]) / 2 }
	items, ok := convertItems(n, size, func(k int, out []byte, s *scratch) ([]byte, bool) {
		ic := jconv{src: c.src[:ch.ends[k]], pos: ch.starts[k], out: out, buf: s.buf, keys: s.keys[:0], depth: 2}
		ok := ic.value() && ic.pos == ch.ends[k]
		s.buf, s.keys = ic.buf, ic.keys
		return ic.out, ok
	})
	if !ok {
		return false
	}
	c.out = c.items.join(c.depth, c.out, items)
	c.pos = i + 1
	return true
}
