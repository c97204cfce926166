package finding

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestSeverityRoundTrip(t *testing.T) {
	for s := Info; s <= Critical; s++ {
		got, err := ParseSeverity(s.String())
		if err != nil || got != s {
			t.Errorf("ParseSeverity(%q) = %v, %v", s.String(), got, err)
		}
	}
	if _, err := ParseSeverity("severe"); err == nil {
		t.Error("ParseSeverity(severe) succeeded")
	}
	none, _ := ParseSeverity("none")
	if none <= Critical {
		t.Errorf("none = %d, want above critical", none)
	}
	// --fail-on none is written in JSON (harden's remaining counts) and
	// read back.
	b, err := json.Marshal(none)
	if err != nil || string(b) != `"none"` {
		t.Fatalf("none marshals as %s, %v", b, err)
	}
	var back Severity
	if err := json.Unmarshal(b, &back); err != nil || back != none {
		t.Errorf("none reads back as %v, %v", back, err)
	}
}

func TestSeverityJSON(t *testing.T) {
	b, err := json.Marshal(Finding{ID: "BH-X-001", Severity: High, Reason: "r"})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"id":"BH-X-001","severity":"high","category":"","reason":"r"}`
	if string(b) != want {
		t.Errorf("got %s, want %s", b, want)
	}
	var f Finding
	if err := json.Unmarshal(b, &f); err != nil || f.Severity != High {
		t.Errorf("unmarshal: %v %v", f.Severity, err)
	}
}

func TestSort(t *testing.T) {
	fs := []Finding{
		{ID: "B", Severity: Low},
		{ID: "A", Severity: Critical, Objects: []Ref{{Kind: "Pod", Name: "z"}}},
		{ID: "A", Severity: Critical, Objects: []Ref{{Kind: "Pod", Name: "a"}}},
		{ID: "C", Severity: High},
	}
	Sort(fs)
	var got []string
	for _, f := range fs {
		got = append(got, f.Key())
	}
	want := []string{"A|>|Pod/a", "A|>|Pod/z", "C|>", "B|>"}
	if d := cmp.Diff(want, got); d != "" {
		t.Error(d)
	}
	if w, ok := Worst(fs); !ok || w != Critical {
		t.Errorf("Worst = %v %v", w, ok)
	}
}

func TestDocTable(t *testing.T) {
	md := "| ID | severity | what |\n|---|---|---|\n| BH-X-001 | high | a |\n| BH-X-002 | medium or low | b |\n| not a check | low | c |\n"
	got := DocTable([]byte(md))
	if len(got) != 2 || got["BH-X-001"] != "high" || got["BH-X-002"] != "medium or low" {
		t.Fatalf("DocTable = %v", got)
	}
	if !Medium.Names(got["BH-X-002"]) || !Low.Names(got["BH-X-002"]) || High.Names(got["BH-X-002"]) {
		t.Error("Names misreads \"medium or low\"")
	}
	for _, tc := range []struct {
		cell string
		s    Severity
		want bool
	}{
		{"medium–critical", Medium, true},
		{"medium–critical", High, true},
		{"medium–critical", Critical, true},
		{"medium–critical", Low, false},
		{"high–critical", Medium, false},
		{"low", Info, false},
		{"none–high", Low, false},
	} {
		if got := tc.s.Names(tc.cell); got != tc.want {
			t.Errorf("%s.Names(%q) = %v, want %v", tc.s, tc.cell, got, tc.want)
		}
	}
}

// Sort agrees with a stable sort by severity, ID and key on random
// findings, those of equal keys (told apart by their reason) in the order
// they came.
func TestSortIsStable(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for n := 0; n < 500; n++ {
		fs := make([]Finding, r.IntN(30))
		for i := range fs {
			fs[i] = Finding{ID: string(rune('A' + r.IntN(3))), Severity: Severity(r.IntN(5)),
				Objects: []Ref{{Kind: "Pod", Name: string(rune('a' + r.IntN(3)))}}, Reason: fmt.Sprint(i)}
		}
		want := slices.Clone(fs)
		sort.SliceStable(want, func(i, j int) bool {
			a, b := &want[i], &want[j]
			if a.Severity != b.Severity {
				return a.Severity > b.Severity
			}
			if a.ID != b.ID {
				return a.ID < b.ID
			}
			return a.Key() < b.Key()
		})
		Sort(fs)
		if d := cmp.Diff(want, fs); d != "" {
			t.Fatal(d)
		}
	}
}
