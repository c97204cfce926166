package load

import (
	"bytes"
	"strings"
)

type document struct {
	body  []byte
	line  int // 1-based line of the file where the document's body starts
	index int // 0-based position among the file's documents
}

// splitDocuments cuts a YAML stream at "---" separator lines, remembering
// where each document starts so errors can name the file's line. Only
// lines starting with "---" can be separators, so only those are looked
// at.
func splitDocuments(data []byte) []document {
	var docs []document
	start, startLine := 0, 1
	line, counted := 1, 0 // line is the number of the line starting at counted
	for off := 0; off < len(data); {
		if bytes.HasPrefix(data[off:], separator) {
			next := len(data)
			if i := bytes.IndexByte(data[off:], '\n'); i >= 0 {
				next = off + i + 1
			}
			line += bytes.Count(data[counted:off], newline)
			counted = off
			if isSeparator(data[off:next]) {
				docs = append(docs, document{body: data[start:off], line: startLine})
				start, startLine = next, line+1
			}
		}
		i := bytes.Index(data[off:], lineSeparator)
		if i < 0 {
			break
		}
		off += i + 1
	}
	docs = append(docs, document{body: data[start:], line: startLine})
	out := docs[:0]
	for _, d := range docs {
		if len(bytes.TrimSpace(d.body)) == 0 {
			continue
		}
		d.index = len(out)
		out = append(out, d)
	}
	return out
}

var (
	separator     = []byte("---")
	lineSeparator = []byte("\n---")
	newline       = []byte("\n")
)

func isSeparator(line []byte) bool {
	s := strings.TrimRight(string(line), " \t\r\n")
	if !strings.HasPrefix(s, "---") {
		return false
	}
	rest := strings.TrimSpace(s[3:])
	return rest == "" || strings.HasPrefix(rest, "#")
}
