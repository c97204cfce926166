package render

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/bulkhead-dev/bulkhead/internal/attackpath"
	"github.com/bulkhead-dev/bulkhead/internal/finding"
)

// TestPathsIncomplete: paths on incomplete input say so, a warning line
// each before the paths in text and an incomplete list in JSON, whether
// or not a path was found; on complete input neither.
func TestPathsIncomplete(t *testing.T) {
	path := attackpath.Path{From: "b", Target: attackpath.Vertex{Kind: attackpath.Pod, Namespace: "a-web", Name: "web"}, Hops: []attackpath.Hop{{
		From: attackpath.Vertex{Kind: attackpath.Pod, Namespace: "b-web", Name: "web"},
		To:   attackpath.Vertex{Kind: attackpath.Pod, Namespace: "a-web", Name: "web"}, Type: attackpath.Reaches}}}
	for _, tc := range []struct {
		name       string
		r          PathsResult
		wantText   string
		incomplete bool
	}{
		{"no path, complete", PathsResult{}, "no path: isolated\n", false},
		{"no path, incomplete", PathsResult{Incomplete: ciliumNotes},
			"warning: incomplete input, the paths may be wrong either way (" + ciliumNotes[0] + ")\nno path: isolated\n", true},
		{"a path, incomplete", PathsResult{Paths: []attackpath.Path{path}, Total: 1, Incomplete: ciliumNotes}, "", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var text, js bytes.Buffer
			if err := PathsAs(&text, FormatText, tc.r, TextOptions{}); err != nil {
				t.Fatal(err)
			}
			if err := PathsAs(&js, FormatJSON, tc.r, TextOptions{}); err != nil {
				t.Fatal(err)
			}
			if tc.wantText != "" {
				if diff := cmp.Diff(tc.wantText, text.String()); diff != "" {
					t.Errorf("text (-want +got):\n%s", diff)
				}
			}
			if warned := strings.HasPrefix(text.String(), "warning: incomplete input"); warned != tc.incomplete {
				t.Errorf("text warns %v, want %v:\n%s", warned, tc.incomplete, text.String())
			}
			var doc PathsDocument
			if err := json.Unmarshal(js.Bytes(), &doc); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.r.Incomplete, doc.Incomplete); diff != "" {
				t.Errorf("JSON incomplete (-want +got):\n%s", diff)
			}
			if !tc.incomplete && strings.Contains(js.String(), `"incomplete"`) {
				t.Errorf("complete input, JSON says incomplete:\n%s", js.String())
			}
		})
	}
}

// A joined pair's layer that no path shown, finding or DNS discovery
// accounts for is said to be on paths not shown.
func TestPathsUnshownLayers(t *testing.T) {
	paths := []attackpath.Path{{From: "a", To: "b", Severity: finding.High, Layers: []finding.Category{finding.API}}}
	for _, tc := range []struct {
		name     string
		findings []string
		want     bool
	}{
		{"network on no path shown", []string{"BH-NODE-007"}, true},
		{"network by its finding", []string{"BH-NET-001"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			joined := []attackpath.Cell{{Source: "a", Target: "b", Worst: finding.Critical, Paths: 1,
				Layers: []finding.Category{finding.API, finding.Network}, Findings: tc.findings}}
			var buf bytes.Buffer
			if err := Paths(&buf, paths, 1, joined, TextOptions{}); err != nil {
				t.Fatal(err)
			}
			if got := strings.Contains(buf.String(), "cross the network layer"); got != tc.want {
				t.Errorf("said %v, want %v:\n%s", got, tc.want, buf.String())
			}
		})
	}
}

// The joined pairs of a source that say the same share a line, which
// names the first targets and counts the rest; pairs that differ in
// severity, layers or what joins them keep lines of their own, in the
// order of their first pair.
func TestPathsJoinedGrouped(t *testing.T) {
	dns := []finding.Category{finding.DNS}
	var joined []attackpath.Cell
	for _, target := range []string{"t1", "t2", "t3", "t4", "t5", "t6", "t7"} {
		joined = append(joined, attackpath.Cell{Source: "a", Target: target, Worst: finding.Low, Layers: dns, Findings: []string{"BH-DNS-002"}})
	}
	joined = append(joined,
		attackpath.Cell{Source: "a", Target: "m", Worst: finding.Medium, Layers: dns, Findings: []string{"BH-DNS-002"}},
		attackpath.Cell{Source: "a", Target: "x", Worst: finding.Low, Layers: dns, Findings: []string{"BH-DNS-002", "BH-NET-011"}},
		attackpath.Cell{Source: "a", Target: "y", Worst: finding.Low, Layers: dns, Findings: []string{"BH-DNS-002", "BH-NET-011"}},
		attackpath.Cell{Source: "a", Target: "z", Worst: finding.Low, Layers: dns, Findings: []string{"BH-DNS-002", "BH-NET-011"}, Paths: 1})
	var buf bytes.Buffer
	if err := Paths(&buf, nil, 0, joined, TextOptions{Width: 1000}); err != nil {
		t.Fatal(err)
	}
	want := "LOW a → 7 tenants (t1, t2, t3, t4, t5, … 2 more) (dns): no attack path, but joined by BH-DNS-002, DNS discovery (bulkhead audit --tenant a)\n" +
		"MEDIUM a → m (dns): no attack path, but joined by BH-DNS-002, DNS discovery (bulkhead audit --tenant a)\n" +
		"LOW a → x, y (dns): no attack path, but joined by BH-DNS-002, BH-NET-011, DNS discovery (bulkhead audit --tenant a)\n" +
		"LOW a → z (dns): beside the paths above, joined by BH-DNS-002, BH-NET-011, DNS discovery (bulkhead audit --tenant a)\n"
	if diff := cmp.Diff(want, buf.String()); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}
