package finding

import (
	"strings"
	"testing"
)

// Each problem DocProblems knows is said; the ID is registered by no
// engine, which is one of them.
func TestDocProblems(t *testing.T) {
	f := Finding{ID: "BH-API-999", Category: API, Severity: Low, Reason: "a test finding"}
	for _, c := range []struct {
		table map[string]string
		want  []string
	}{
		{map[string]string{"BH-API-999": "high"}, []string{"no such rule", `emitted at low, documented as "high"`}},
		{map[string]string{"BH-API-999": "low"}, []string{"no such rule"}},
		{map[string]string{}, []string{"no such rule", "BH-API-999 is not documented"}},
	} {
		got := DocProblems(c.table, []Finding{f})
		if len(got) != len(c.want) {
			t.Fatalf("%v: %q, want %d problems", c.table, got, len(c.want))
		}
		for i, w := range c.want {
			if !strings.Contains(got[i], w) {
				t.Errorf("%v: problem %d %q, want it to say %q", c.table, i, got[i], w)
			}
		}
	}
}
