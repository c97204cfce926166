package load

import (
	"bytes"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// splitEveryLine is splitDocuments as it was first written, looking at
// every line: the reference for the one that looks only at lines
// starting with "---".
func splitEveryLine(data []byte) []document {
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

func FuzzSplitDocuments(f *testing.F) {
	for _, seed := range []string{
		"a: 1\n---\nb: 2\n", "---\n---\n", "--- # c\nx\n---\t\r\ny", "a\n----\n--- x\n---\u00a0\n", "\n---", "---",
		strings.Repeat("k: v\n---\n", 5),
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		type doc struct {
			Body        string
			Line, Index int
		}
		conv := func(ds []document) (out []doc) {
			for _, d := range ds {
				out = append(out, doc{string(d.body), d.line, d.index})
			}
			return out
		}
		if d := cmp.Diff(conv(splitEveryLine(data)), conv(splitDocuments(data))); d != "" {
			t.Fatalf("split %q (-every line +fast):\n%s", data, d)
		}
	})
}
