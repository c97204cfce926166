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
// where each document starts so errors can name the file's line.
func splitDocuments(data []byte) []document {
	var docs []document
	lines := bytes.SplitAfter(data, []byte("\n"))
	start, startLine := 0, 1
	off := 0
	for i, l := range lines {
		if isSeparator(l) {
			docs = append(docs, document{body: data[start:off], line: startLine})
			start = off + len(l)
			startLine = i + 2
		}
		off += len(l)
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

func isSeparator(line []byte) bool {
	s := strings.TrimRight(string(line), " \t\r\n")
	if !strings.HasPrefix(s, "---") {
		return false
	}
	rest := strings.TrimSpace(s[3:])
	return rest == "" || strings.HasPrefix(rest, "#")
}
