package finding

import (
	"regexp"
	"strings"
)

// DocTable reads the checks table of a docs/checks/*.md page: each row
// whose first cell is a check ID ("BH-…"), ID → its severity cell as
// written ("high", "medium or low", "the permission's (high, critical)").
// The tests that tie each engine's findings to its page read it.
func DocTable(markdown []byte) map[string]string {
	out := map[string]string{}
	for _, line := range strings.Split(string(markdown), "\n") {
		cells := strings.Split(line, "|")
		if len(cells) < 4 || !strings.HasPrefix(strings.TrimSpace(cells[1]), "BH-") {
			continue
		}
		out[strings.TrimSpace(cells[1])] = strings.TrimSpace(cells[2])
	}
	return out
}

// Names reports whether a documented severity cell names severity s as a
// word ("medium or low" names medium and low, not "medium-ish").
func (s Severity) Names(cell string) bool {
	return regexp.MustCompile(`\b` + regexp.QuoteMeta(s.String()) + `\b`).MatchString(cell)
}
