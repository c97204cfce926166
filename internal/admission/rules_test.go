package admission

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRulesDocumented: admission's own rules are documented in the table
// of docs/webhook.md, each row naming its default mode (and "fixed" for a
// rule that cannot be set below enforce).
func TestRulesDocumented(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", "docs", "webhook.md"))
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string]string{}
	for _, line := range strings.Split(string(data), "\n") {
		cells := strings.Split(line, "|")
		if len(cells) < 4 || !strings.HasPrefix(strings.TrimSpace(cells[1]), "BH-ADM-") {
			continue
		}
		rows[strings.TrimSpace(cells[1])] = strings.TrimSpace(cells[2])
	}
	for _, r := range admissionRules {
		t.Run(r.ID, func(t *testing.T) {
			mode, ok := rows[r.ID]
			if !ok {
				t.Fatal("no row in docs/webhook.md")
			}
			if !strings.HasPrefix(mode, string(r.Default)) {
				t.Errorf("documented default %q, want %s", mode, r.Default)
			}
			if r.Fixed != strings.Contains(mode, "fixed") {
				t.Errorf("documented %q, fixed is %v", mode, r.Fixed)
			}
		})
	}
	if len(rows) != len(admissionRules) {
		t.Errorf("docs/webhook.md documents %d BH-ADM rules, admission has %d", len(rows), len(admissionRules))
	}
}
