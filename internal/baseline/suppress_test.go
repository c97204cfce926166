package baseline

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/bulkhead-dev/bulkhead/internal/analysis"
	"github.com/bulkhead-dev/bulkhead/internal/finding"
)

const fp1 = "0123456789abcdef0123456789abcdef"

func TestParseSuppressionsErrors(t *testing.T) {
	for _, tc := range []struct {
		name, yaml, want string
	}{
		{"not a list", "fingerprint: x\n", "s.yaml:1: want a list of suppressions"},
		{"not a mapping", "- just a string\n", "s.yaml:1: want a mapping"},
		{"no reason", "- fingerprint: " + fp1 + "\n", "s.yaml:1: no reason"},
		{"empty reason", "- fingerprint: " + fp1 + "\n  reason: ''\n", "s.yaml:1: no reason"},
		{"bad fingerprint", "- reason: r\n  fingerprint: abc\n", `s.yaml:2: fingerprint "abc": want the 32 hex digits`},
		{"rule without object", "- reason: r\n  rule: BH-NET-001\n", "s.yaml:1: want a fingerprint, or a rule and an object"},
		{"object without rule", "- reason: r\n  object: Pod/a/*\n", "s.yaml:1: want a fingerprint, or a rule and an object"},
		{"both", "- reason: r\n  fingerprint: " + fp1 + "\n  rule: BH-NET-001\n  object: Pod/a/b\n", "s.yaml:1: a fingerprint, or a rule and an object: not both"},
		{"unknown rule", "- reason: r\n  rule: BH-NOPE-001\n  object: Pod/a/b\n", `s.yaml:2: rule "BH-NOPE-001": no such rule`},
		{"bad rule glob", "- reason: r\n  rule: BH-[NET\n  object: Pod/a/b\n", `s.yaml:2: rule "BH-[NET": syntax error in pattern`},
		{"bad object glob", "- reason: r\n  rule: BH-NET-001\n  object: Pod/[a\n", `s.yaml:3: object "Pod/[a": want Kind/namespace/name`},
		{"bad date", "- reason: r\n  fingerprint: " + fp1 + "\n  expires: 31/12/2025\n", `s.yaml:3: expires "31/12/2025": want a date, YYYY-MM-DD`},
		{"unknown field", "- reason: r\n  fingerprint: " + fp1 + "\n  until: 2025-01-01\n", `s.yaml:3: unknown field "until"`},
		{"twice", "- reason: r\n  reason: s\n  fingerprint: " + fp1 + "\n", "s.yaml:2: reason given twice"},
		{"not a string", "- reason: [a, b]\n  fingerprint: " + fp1 + "\n", "s.yaml:1: reason: want a string"},
		{"second entry", "- reason: r\n  fingerprint: " + fp1 + "\n\n- reason: s\n", "s.yaml:4: want a fingerprint"},
		{"yaml syntax", "- reason: [r\n", "s.yaml: yaml: line"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseSuppressions([]byte(tc.yaml), "s.yaml")
			if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
				t.Errorf("error %v, want %q", err, tc.want)
			}
		})
	}
}

func TestParseSuppressions(t *testing.T) {
	for _, empty := range []string{"", "# nothing yet\n", "[]\n"} {
		if es, err := ParseSuppressions([]byte(empty), "s.yaml"); err != nil || len(es) != 0 {
			t.Errorf("%q: %v, %v", empty, es, err)
		}
	}
	es, err := ParseSuppressions([]byte(`
- fingerprint: `+fp1+`
  reason: the CI runner needs it
  expires: 2025-06-30
- rule: bh-net-*
  object: "Pod/legacy/*"
  reason: legacy, gone in Q3
`), "s.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var got []analysis.Suppression
	for _, e := range es {
		got = append(got, e.Suppression)
	}
	want := []analysis.Suppression{
		{Where: "s.yaml:2", Fingerprint: fp1, Reason: "the CI runner needs it", Expires: "2025-06-30"},
		{Where: "s.yaml:5", Rule: "BH-NET-*", Object: "Pod/legacy/*", Reason: "legacy, gone in Q3"},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("entries (-want +got):\n%s", d)
	}
}

func TestMatches(t *testing.T) {
	f := finding.Finding{ID: "BH-NET-001", Fingerprint: fp1,
		Subjects: []finding.Ref{{Kind: "Pod", Namespace: "legacy", Name: "web"}},
		Objects:  []finding.Ref{{Kind: "ClusterRole", Name: "admin"}}}
	every := f
	every.SourceTenant = "*"
	for _, tc := range []struct {
		entry string
		want  bool
	}{
		{"fingerprint: " + fp1, true},
		{"fingerprint: ffffffffffffffffffffffffffffffff", false},
		{"rule: BH-NET-001\n  object: Pod/legacy/web", true},
		{"rule: BH-NET-*\n  object: Pod/legacy/*", true},
		{"rule: BH-NET-*\n  object: ClusterRole/admin", true},
		{"rule: BH-NET-*\n  object: ClusterRole/*/*", false},
		{"rule: BH-API-*\n  object: Pod/legacy/*", false},
		{"rule: BH-NET-*\n  object: Pod/other/*", false},
	} {
		t.Run(tc.entry, func(t *testing.T) {
			es, err := ParseSuppressions([]byte("- reason: r\n  "+tc.entry+"\n"), "s.yaml")
			if err != nil {
				t.Fatal(err)
			}
			if got := es[0].Matches(&f); got != tc.want {
				t.Errorf("Matches = %v, want %v", got, tc.want)
			}
			// From every tenant, the subject is an example: only the
			// fingerprint and the objects count.
			byObject := strings.Contains(tc.entry, "ClusterRole/") || strings.Contains(tc.entry, "fingerprint")
			if got := es[0].Matches(&every); got != (tc.want && byObject) {
				t.Errorf("from every tenant, Matches = %v, want %v", got, tc.want && byObject)
			}
		})
	}
}

// TestSuppressExpiry: on its expiry date a suppression still suppresses;
// the day after it stops, and the report says so.
func TestSuppressExpiry(t *testing.T) {
	es, err := ParseSuppressions([]byte(`
- rule: BH-NET-001
  object: Pod/b/*
  reason: accepted until the migration
  expires: 2025-06-30
- fingerprint: "02000000000000000000000000000000"
  reason: forever
`), "s.yaml")
	if err != nil {
		t.Fatal(err)
	}
	a := fnd("BH-NET-001", finding.High, "01000000000000000000000000000000")
	b := fnd("BH-API-002", finding.Critical, "02000000000000000000000000000000")
	c := fnd("BH-NODE-001", finding.Medium, "03000000000000000000000000000000")
	for _, tc := range []struct {
		name    string
		today   time.Time
		kept    int
		expired bool
	}{
		{"before", time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC), 1, false},
		{"on the day, late", time.Date(2025, 6, 30, 23, 59, 0, 0, time.UTC), 1, false},
		{"the day after", time.Date(2025, 7, 1, 0, 0, 1, 0, time.UTC), 2, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := report(nil, nil, b, a, c)
			Suppress(r, es, tc.today)
			if len(r.Findings) != tc.kept {
				t.Errorf("kept %v, want %d findings", r.Findings, tc.kept)
			}
			if n := len(r.Suppressed); n != 3-tc.kept {
				t.Errorf("%d suppressed, want %d", n, 3-tc.kept)
			}
			if s := r.Suppressed[0]; s.Reason != "forever" || s.By != "s.yaml:6" || s.Finding.Fingerprint != b.Fingerprint {
				t.Errorf("suppressed %+v", r.Suppressed[0])
			}
			if !tc.expired {
				if len(r.ExpiredSuppressions) != 0 {
					t.Errorf("expired %v", r.ExpiredSuppressions)
				}
				if n := r.AtOrAbove(finding.High); n != 0 {
					t.Errorf("AtOrAbove(high) = %d with the high and critical findings suppressed", n)
				}
				return
			}
			want := []analysis.Suppression{{Where: "s.yaml:2", Rule: "BH-NET-001", Object: "Pod/b/*",
				Reason: "accepted until the migration", Expires: "2025-06-30", Findings: 1}}
			if d := cmp.Diff(want, r.ExpiredSuppressions); d != "" {
				t.Errorf("expired (-want +got):\n%s", d)
			}
			if n := r.AtOrAbove(finding.High); n != 1 {
				t.Errorf("AtOrAbove(high) = %d: the expired suppression still suppresses", n)
			}
			if d := cmp.Diff(map[string]int{"high": 1, "medium": 1}, r.Summary); d != "" {
				t.Errorf("summary (-want +got):\n%s", d)
			}
		})
	}
}
