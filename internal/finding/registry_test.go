package finding_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/bulkhead-dev/bulkhead/internal/app"
	"github.com/bulkhead-dev/bulkhead/internal/cli"
	"github.com/bulkhead-dev/bulkhead/internal/finding"

	// The engines register their rules at init; app links them all, and
	// these say which the registry must hold.
	_ "github.com/bulkhead-dev/bulkhead/internal/dns"
	_ "github.com/bulkhead-dev/bulkhead/internal/netpol"
	_ "github.com/bulkhead-dev/bulkhead/internal/node"
	_ "github.com/bulkhead-dev/bulkhead/internal/rbac"
	_ "github.com/bulkhead-dev/bulkhead/internal/service"
)

// root is the repository, relative to this package.
const root = "../.."

// Every category has rules; IDs are unique (Register panics otherwise)
// and so are titles, so that a report or SARIF file names each rule
// unambiguously.
func TestRegisteredRules(t *testing.T) {
	rules := finding.Rules()
	byCategory := map[finding.Category]int{}
	titles := map[string]string{}
	for _, r := range rules {
		t.Run(r.ID, func(t *testing.T) {
			if err := r.Validate(); err != nil {
				t.Error(err)
			}
			if got, ok := finding.RuleOf(r.ID); !ok || got != r {
				t.Errorf("RuleOf(%s) = %+v, %v", r.ID, got, ok)
			}
			if other, dup := titles[r.Title]; dup {
				t.Errorf("title %q is also %s's", r.Title, other)
			}
			titles[r.Title] = r.ID
		})
		byCategory[r.Category]++
	}
	for _, c := range []finding.Category{finding.API, finding.Network, finding.DNS, finding.Node} {
		if byCategory[c] == 0 {
			t.Errorf("no rule of category %s", c)
		}
	}
}

// docRow is one row of a docs/checks/*.md checks table.
type docRow struct {
	file, severity, title string
}

var (
	docRowRE   = regexp.MustCompile(`^\| (BH-[A-Z]+-[0-9]+) \| ([^|]*) \| (.*) \|$`)
	docTitleRE = regexp.MustCompile(`^\*\*(.+?)\.\*\* `)
)

// docRows reads the checks tables of docs/checks/: ID → its row. A row's
// title is the bold sentence its meaning opens with.
func docRows(t *testing.T) map[string]docRow {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(root, "docs/checks/*.md"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no docs/checks: %v", err)
	}
	rows := map[string]docRow{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		rel, _ := filepath.Rel(root, f)
		for _, line := range strings.Split(string(data), "\n") {
			m := docRowRE.FindStringSubmatch(line)
			if m == nil {
				continue
			}
			if _, dup := rows[m[1]]; dup {
				t.Errorf("%s: %s documented twice", rel, m[1])
			}
			row := docRow{file: filepath.ToSlash(rel), severity: m[2]}
			if tm := docTitleRE.FindStringSubmatch(m[3]); tm != nil {
				row.title = tm[1]
			}
			rows[m[1]] = row
		}
	}
	return rows
}

// docs/checks/ covers every rule: in the file its Doc names, a row with its
// ID, its title and a severity naming its default one; and every ID the
// docs list is a registered rule.
func TestDocsCoverRules(t *testing.T) {
	rows := docRows(t)
	for _, r := range finding.Rules() {
		t.Run(r.ID, func(t *testing.T) {
			row, ok := rows[r.ID]
			switch {
			case !ok:
				t.Fatalf("docs/checks/ does not document %s", r.ID)
			case row.file != r.Doc:
				t.Errorf("%s is documented in %s, its rule says %s", r.ID, row.file, r.Doc)
			case row.title != r.Title:
				t.Errorf("%s: title %q in %s, %q in its rule", r.ID, row.title, row.file, r.Title)
			case !r.Severity.Names(row.severity):
				t.Errorf("%s: %s documents severity %q, not the rule's %s", r.ID, row.file, row.severity, r.Severity)
			}
		})
	}
	for id, row := range rows {
		if _, ok := finding.RuleOf(id); !ok {
			t.Errorf("%s documents %s, which no rule declares", row.file, id)
		}
	}
}

// Every finding an audit emits, on the demo and on the corpus clusters,
// is of a registered rule, under its rule's category, at a severity its
// row of docs/checks/ names.
func TestEmittedFindingsUseRules(t *testing.T) {
	rows := docRows(t)
	corpus := filepath.Join(root, "internal/corpus/testdata")
	audits := []struct {
		name string
		args []string
	}{
		{"demo", []string{"--demo"}},
		{"platform", []string{"-f", filepath.Join(corpus, "platform")}},
		{"argocd", []string{"-f", filepath.Join(corpus, "argocd"), "-n", "argocd"}},
		{"boutique", []string{"-f", filepath.Join(corpus, "boutique")}},
		{"recipes", []string{"-f", filepath.Join(corpus, "recipes")}},
		{"capsule", []string{"-f", filepath.Join(corpus, "capsule"), "--tenant-label", "capsule.clastix.io/tenant"}},
	}
	seen := map[string]bool{}
	for _, a := range audits {
		t.Run(a.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			args := append([]string{"audit", "-o", "json", "--matrix=false", "--fail-on", "none"}, a.args...)
			if code := app.Run(context.Background(), args, cli.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut}); code != 0 {
				t.Fatalf("bulkhead %s: exit %d: %s", strings.Join(args, " "), code, errOut.String())
			}
			var report struct {
				Findings []finding.Finding `json:"findings"`
			}
			if err := json.Unmarshal(out.Bytes(), &report); err != nil {
				t.Fatal(err)
			}
			if len(report.Findings) == 0 {
				t.Fatal("no findings")
			}
			for _, f := range report.Findings {
				seen[f.ID] = true
				if _, err := f.Rule(); err != nil {
					t.Errorf("%v: %s", err, f.Reason)
					continue
				}
				if row := rows[f.ID]; !f.Severity.Names(row.severity) {
					t.Errorf("%s emitted at %s, %s documents %q: %s", f.ID, f.Severity, row.file, row.severity, f.Reason)
				}
			}
		})
	}
	// The clusters cover each layer; the engines' own tests cover each rule.
	layers := map[string]bool{}
	for id := range seen {
		layers[id[:strings.LastIndex(id, "-")+1]] = true
	}
	for _, prefix := range []string{"BH-API-", "BH-NET-", "BH-DNS-", "BH-NODE-"} {
		if !layers[prefix] {
			t.Errorf("no audit emits a %s finding", prefix)
		}
	}
}
