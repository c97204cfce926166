package rbac

import (
	"bufio"
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/bulkhead-dev/bulkhead/internal/finding"
)

// docSeverities reads the checks table of docs/checks/api.md: ID →
// "min–max" (or one severity).
func docSeverities(t *testing.T) map[string][2]finding.Severity {
	t.Helper()
	doc, err := os.ReadFile("../../docs/checks/api.md")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][2]finding.Severity{}
	sc := bufio.NewScanner(bytes.NewReader(doc))
	for sc.Scan() {
		cells := strings.Split(sc.Text(), "|")
		if len(cells) < 4 || !strings.HasPrefix(strings.TrimSpace(cells[1]), "BH-API-") {
			continue
		}
		id, sevs := strings.TrimSpace(cells[1]), strings.TrimSpace(cells[2])
		lo, hi, ok := strings.Cut(sevs, "–")
		if !ok {
			hi = lo
		}
		min, err1 := finding.ParseSeverity(lo)
		max, err2 := finding.ParseSeverity(hi)
		if err1 != nil || err2 != nil {
			t.Fatalf("docs/checks/api.md: %s: severity %q: %v %v", id, sevs, err1, err2)
		}
		out[id] = [2]finding.Severity{min, max}
	}
	return out
}

// TestChecksMatchDocs: every check is documented with the severities it
// is declared with, the doc lists no other, and the findings emitted on
// the fixtures stay within their check's range.
func TestChecksMatchDocs(t *testing.T) {
	doc := docSeverities(t)
	declared := map[string]Check{}
	for _, c := range Checks {
		declared[c.ID] = c
		got, ok := doc[c.ID]
		switch {
		case !ok:
			t.Errorf("docs/checks/api.md does not list %s", c.ID)
		case got != [2]finding.Severity{c.Min, c.Max}:
			t.Errorf("%s: docs say %s–%s, the check is declared %s–%s", c.ID, got[0], got[1], c.Min, c.Max)
		}
	}
	for id := range doc {
		if _, ok := declared[id]; !ok {
			t.Errorf("docs/checks/api.md lists %s, which no check declares", id)
		}
	}
	snap, ten := loadFixture(t, "tenants.yaml")
	for _, f := range Analyze(snap, ten) {
		if _, err := f.Rule(); err != nil {
			t.Errorf("%v: %s", err, f.Reason)
		}
		c, ok := declared[f.ID]
		if !ok {
			t.Errorf("finding of undeclared check %s", f.ID)
			continue
		}
		if f.Severity < c.Min || f.Severity > c.Max {
			t.Errorf("%s emitted at %s, outside its declared %s–%s: %s", f.ID, f.Severity, c.Min, c.Max, f.Reason)
		}
	}
}
