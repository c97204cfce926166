package cli

import (
	"fmt"
	"io"
	"strings"

	"github.com/bulkhead-dev/bulkhead/internal/termsafe"
)

// notePrefix starts every line bulkhead writes about its input and its
// work on stderr.
const notePrefix = "bulkhead: "

// Notef writes a note to w (stderr): "bulkhead: " and the text, wrapped
// to the width of w's terminal (COLUMNS, or 100 columns, when w is not
// one), its next lines indented under the text.
func Notef(w io.Writer, format string, args ...any) {
	writeWrapped(w, notePrefix, strings.Repeat(" ", len(notePrefix)), fmt.Sprintf(format, args...))
}

// itemf writes an item of a note's list: indented, wrapped as Notef.
func itemf(w io.Writer, format string, args ...any) {
	writeWrapped(w, "  ", "    ", fmt.Sprintf(format, args...))
}

// writeWrapped writes text after lead, breaking it between words at w's
// width, each next line starting with indent. A word longer than a line
// stays whole.
func writeWrapped(w io.Writer, lead, indent, text string) {
	text = termsafe.String(text) // names from the cluster, in the messages
	width := widthOf(w)
	var b strings.Builder
	b.WriteString(lead)
	col := len(lead)
	for i, word := range strings.Fields(text) {
		if i > 0 {
			if col+1+len(word) > width {
				b.WriteString("\n" + indent)
				col = len(indent)
			} else {
				b.WriteByte(' ')
				col++
			}
		}
		b.WriteString(word)
		col += len(word)
	}
	b.WriteByte('\n')
	_, _ = io.WriteString(w, b.String())
}
