package cli

import (
	"strings"
	"testing"
)

// TestNotef: a note fits 100 columns without a terminal (or COLUMNS),
// its next lines indented under its text, and no word is lost or split.
func TestNotef(t *testing.T) {
	t.Setenv("COLUMNS", "")
	var b strings.Builder
	text := "1 pod of default would be refused by enforce=baseline (v1.32); it exists, admitted before the level was set: kept in the analysis"
	Notef(&b, "%s", text)
	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	if len(lines) < 2 || !strings.HasPrefix(lines[0], "bulkhead: 1 pod") {
		t.Fatalf("note %q", b.String())
	}
	var words []string
	for i, l := range lines {
		if len(l) > 100 {
			t.Errorf("line %d is %d columns: %q", i, len(l), l)
		}
		if i > 0 && !strings.HasPrefix(l, strings.Repeat(" ", len(notePrefix))) {
			t.Errorf("line %d is not indented under the text: %q", i, l)
		}
		words = append(words, strings.Fields(l)...)
	}
	if got := strings.Join(words[1:], " "); got != text {
		t.Errorf("words %q, want %q", got, text)
	}
	t.Setenv("COLUMNS", "200")
	b.Reset()
	Notef(&b, "%s", text)
	if strings.Count(b.String(), "\n") != 1 {
		t.Errorf("with COLUMNS=200, %q is not one line", b.String())
	}
}
