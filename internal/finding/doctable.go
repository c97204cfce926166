package finding

import (
	"fmt"
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
// word ("medium or low" names medium and low, not "medium-ish"), or as
// within a range ("medium–critical" names high).
func (s Severity) Names(cell string) bool {
	if regexp.MustCompile(`\b` + regexp.QuoteMeta(s.String()) + `\b`).MatchString(cell) {
		return true
	}
	for _, m := range severityRange.FindAllStringSubmatch(cell, -1) {
		lo, err1 := ParseSeverity(m[1])
		hi, err2 := ParseSeverity(m[2])
		if err1 == nil && err2 == nil && lo <= s && s <= hi {
			return true
		}
	}
	return false
}

// severityRange is "low–high" in a severity cell, with an en dash.
var severityRange = regexp.MustCompile(`\b([a-z]+)–([a-z]+)\b`)

// DocProblems says what is wrong between findings and the table of the
// docs/checks page that documents them (DocTable): a finding of no
// registered rule, one the table does not document, and one emitted at a
// severity its row does not name. An engine's test of its page reports
// each.
func DocProblems(table map[string]string, fs []Finding) []string {
	var out []string
	for _, f := range fs {
		if _, err := f.Rule(); err != nil {
			out = append(out, fmt.Sprintf("%v: %s", err, f.Reason))
		}
		sev, ok := table[f.ID]
		if !ok {
			out = append(out, f.ID+" is not documented")
			continue
		}
		if !f.Severity.Names(sev) {
			out = append(out, fmt.Sprintf("%s emitted at %s, documented as %q: %s", f.ID, f.Severity, sev, f.Reason))
		}
	}
	return out
}
