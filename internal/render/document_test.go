package render

import (
	"bytes"
	"encoding/json"
	"testing"
)

// Document writes nil lists and maps as [] and {} wherever they are
// reachable (through pointers, interfaces, slices and arrays), except in
// fields omitted when empty, and leaves unexported fields alone.
func TestDocumentFillsEmpty(t *testing.T) {
	type leaf struct {
		Names  []string       `json:"names"`
		Counts map[string]int `json:"counts"`
		Opt    []string       `json:"opt,omitempty"`
		Plain  string         `json:"plain"`
		hidden []string
	}
	type mid struct {
		Leaf   *leaf   `json:"leaf"`
		Leaves []leaf  `json:"leaves"`
		Pair   [2]leaf `json:"pair"`
		Any    any     `json:"any"`
	}
	type doc struct {
		Mid   mid      `json:"mid"`
		IDs   []int    `json:"ids"`
		Words []string `json:"words"`
	}
	d := &doc{Mid: mid{Leaf: &leaf{}, Leaves: []leaf{{Plain: "x"}}, Any: &leaf{}}, Words: []string{"a"}}
	var buf bytes.Buffer
	if err := Document(&buf, d); err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	want := `{"mid":{"leaf":{"names":[],"counts":{},"plain":""},"leaves":[{"names":[],"counts":{},"plain":"x"}],` +
		`"pair":[{"names":[],"counts":{},"plain":""},{"names":[],"counts":{},"plain":""}],` +
		`"any":{"names":[],"counts":{},"plain":""}},"ids":[],"words":["a"]}`
	var w map[string]any
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatal(err)
	}
	if g, _ := json.Marshal(got); string(g) != mustJSON(t, w) {
		t.Errorf("got  %s\nwant %s", g, mustJSON(t, w))
	}
	if d.Mid.Leaf.hidden != nil {
		t.Error("an unexported field was filled")
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
