package render

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/bulkhead-dev/bulkhead/internal/admission"
	"github.com/bulkhead-dev/bulkhead/internal/finding"
	"github.com/bulkhead-dev/bulkhead/internal/harden"
)

// TestHardenTextBounded: a big cluster's residual pairs are cut to the
// most severe, with a count of the others; -v shows them all.
func TestHardenTextBounded(t *testing.T) {
	p := &harden.Proof{}
	for i := range pairsMax + 5 {
		p.Residuals = append(p.Residuals, harden.Residual{Source: fmt.Sprintf("t%02d", i), Target: "x", Layers: []finding.Category{finding.Network}, Worst: finding.High, Reviewed: "isolated"})
	}
	var b bytes.Buffer
	if err := HardenText(&b, HardenResult{Source: "test", Proof: p}, TextOptions{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "… 5 more residual pairs") || strings.Contains(b.String(), "t25 → x") {
		t.Errorf("residuals not bounded:\n%s", b.String())
	}
	b.Reset()
	if err := HardenText(&b, HardenResult{Source: "test", Proof: p}, TextOptions{Verbose: true}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "t29 → x") {
		t.Errorf("-v left residuals out:\n%s", b.String())
	}

	// Residuals the proof did not explain are counted, with -v too, and
	// so are closed pairs past the first pairsMax.
	p.ResidualsOmitted = 1000
	for i := range pairsMax + 3 {
		p.Closed = append(p.Closed, fmt.Sprintf("c%02d → x", i))
	}
	b.Reset()
	if err := HardenText(&b, HardenResult{Source: "test", Proof: p}, TextOptions{}); err != nil {
		t.Fatal(err)
	}
	flat := strings.Join(strings.Fields(b.String()), " ") // unwrapped
	for _, want := range []string{"… 1005 more residual pairs (-o json", "c24 → x, and 3 more pairs (-o json lists up to 1000)"} {
		if !strings.Contains(flat, want) {
			t.Errorf("text lacks %q:\n%s", want, b.String())
		}
	}
	b.Reset()
	if err := HardenText(&b, HardenResult{Source: "test", Proof: p}, TextOptions{Verbose: true}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "… 1000 more residual pairs, less severe") || !strings.Contains(b.String(), "c27 → x") || strings.Contains(b.String(), "more pairs") {
		t.Errorf("-v: unexplained residuals not counted, or closed pairs cut:\n%s", b.String())
	}
}

// TestHardenTextExit: when something at or above --fail-on remains after
// the safe objects, the proof's last line says harden exits 3 and why,
// naming the directory to audit when the plan was written to one.
func TestHardenTextExit(t *testing.T) {
	cases := []struct {
		name string
		r    HardenResult
		want string // the last line, "" for no exit line
	}{
		{"nothing remains", HardenResult{Source: "test", Proof: &harden.Proof{}, FailOn: finding.High}, ""},
		{"one remains", HardenResult{Source: "test", Proof: &harden.Proof{}, FailOn: finding.High, Remaining: harden.Remains{Findings: 1}},
			"exit 3: 0 breached tenant pairs and 1 finding at or above high remains after the safe objects (bulkhead audit --with DIR lists them)"},
		{"written to a directory", HardenResult{Source: "test", SourceArgs: "-f cluster5", Proof: &harden.Proof{}, FailOn: finding.Medium, Remaining: harden.Remains{Pairs: 2, Findings: 9}, Out: "fixes"},
			"exit 3: 2 breached tenant pairs and 9 findings at or above medium remain after the safe objects (bulkhead audit -f cluster5 --with fixes lists them)"},
		{"a path to cluster-admin", HardenResult{Source: "test", SourceArgs: "--demo", Proof: &harden.Proof{}, FailOn: finding.High, Remaining: harden.Remains{Pairs: 1, Findings: 2, AdminPaths: 1}},
			"exit 3: 1 breached tenant pair, 2 findings and 1 path to cluster-admin at or above high remain after the safe objects (bulkhead audit --demo --with DIR lists them)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := HardenText(&b, c.r, TextOptions{Width: 400}); err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
			last := lines[len(lines)-1]
			if !strings.HasPrefix(last, "exit 3") {
				last = ""
			}
			if last != c.want {
				t.Errorf("last line = %q, want %q\n%s", last, c.want, b.String())
			}
		})
	}
}

// TestHardenTextVacuousChecks: a check with nothing to compare is neither
// ok nor failed.
func TestHardenTextVacuousChecks(t *testing.T) {
	cases := []struct {
		name   string
		checks harden.Checks
		want   []string
	}{
		{"nothing to compare", harden.Checks{}, []string{
			"  none   reachability within each tenant unchanged: nothing to compare",
			"  none   every pod that reached DNS still does: nothing to compare",
		}},
		{"compared", harden.Checks{Pairs: 2, DNSPods: 1}, []string{
			"  ok     reachability within each tenant unchanged: 2 pod pairs compared",
			"  ok     every pod that reached DNS still does: 1 pod",
		}},
		{"broken", harden.Checks{Pairs: 2, DNS: []harden.Broken{{From: "a/x", To: "DNS", Before: "53", After: "none"}}, DNSPods: 1}, []string{
			"  ok     reachability within each tenant unchanged: 2 pod pairs compared",
			"  FAILED every pod that reached DNS still does: 1 pod",
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := HardenText(&b, HardenResult{Source: "test", Proof: &harden.Proof{Checks: c.checks}}, TextOptions{}); err != nil {
				t.Fatal(err)
			}
			for _, w := range c.want {
				if !strings.Contains(b.String(), w+"\n") {
					t.Errorf("no line %q in\n%s", w, b.String())
				}
			}
		})
	}
}

// TestHardenJSONNoNull: a plan with nothing in a list writes [] for it,
// as every bulkhead JSON document does, not null.
func TestHardenJSONNoNull(t *testing.T) {
	var b bytes.Buffer
	if err := HardenJSON(&b, HardenResult{Source: "test", Proof: &harden.Proof{}}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), `"proposals": [],`) || !strings.Contains(b.String(), `"work": [],`) || !strings.Contains(b.String(), `"objects": [],`) {
		t.Errorf("harden JSON:\n%s", b.String())
	}
}

// TestCheckJSONEmpty: check's JSON of a change of nothing writes its lists
// [], with its schemaVersion.
func TestCheckJSONEmpty(t *testing.T) {
	var b bytes.Buffer
	if err := CheckAs(&b, FormatJSON, admission.ReplayReport{Cluster: "test"}, TextOptions{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), `"objects": []`) || !strings.Contains(b.String(), `"schemaVersion": "`+CheckSchemaVersion+`"`) {
		t.Errorf("check JSON:\n%s", b.String())
	}
}
