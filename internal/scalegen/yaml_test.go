package scalegen

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
	"sigs.k8s.io/yaml"
)

// roundTrip checks that the YAML appendYAML writes for js reads back, as
// bulkhead's loader reads it (sigs.k8s.io/yaml), as the same JSON value.
func roundTrip(t *testing.T, js []byte) []byte {
	t.Helper()
	y, err := appendYAML(nil, js)
	if err != nil {
		t.Fatalf("appendYAML(%s): %v", js, err)
	}
	back, err := yaml.YAMLToJSONStrict(y)
	if err != nil {
		t.Fatalf("YAML of %s does not parse: %v\n%s", js, err, y)
	}
	var want, got any
	if err := json.Unmarshal(js, &want); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(back, &got); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("YAML of %s reads back differently (-want +got):\n%s\nYAML:\n%s", js, diff, y)
	}
	return y
}

func TestYAMLScalars(t *testing.T) {
	strs := []string{
		"", " ", "a b", " lead", "trail ", "y", "Y", "n", "NO", "yes", "On", "off", "true", "False", "null", "Null", "~",
		"1", "0x1F", "1e3", "1_000", "0o17", "017", "190:20:30", "2025-03-14", "2025-03-14T09:26:53Z", ".inf", ".NaN", "-1", "+1",
		"10.0.0.0/8", "169.254.169.254/32", "a:b", "a: b", "a:", "a #b", "a#b", "#a", "- a", "-a", "?", "? a", "[a]", "{a}",
		"*a", "&a", "!a", "|a", ">a", "'a'", `"a"`, "%a", "@a", "`a`", "<<", "=", "a\nb", "a\tb", "é", "<tag>", "a&b",
		"aws:///us-east-1a/i-0123", "acme:viewer-001", "system:serviceaccounts:team-0001-ci", "/healthz", "*/*", "Corefile",
	}
	for _, s := range strs {
		m := map[string]any{"k": s, s + "k": 1, "list": []any{s, map[string]any{"a": s, "b": []any{}}}}
		js, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		roundTrip(t, js)
	}
}

func TestYAMLShapes(t *testing.T) {
	for _, js := range []string{
		`{}`,
		`{"a":{},"b":[],"c":null,"d":1.5,"e":true}`,
		`{"a":[[1,2],[],[{"x":1}]],"b":[{"c":{"d":[1]}},{}]}`,
		`{"a":{"b":{"c":[{"d":"e","f":[{"g":1}]}]}}}`,
	} {
		roundTrip(t, []byte(js))
	}
	y := roundTrip(t, []byte(`{"kind":"Pod","spec":{"containers":[{"name":"web","ports":[{"name":"http"}]}]}}`))
	want := "kind: Pod\nspec:\n  containers:\n  - name: web\n    ports:\n    - name: http\n"
	if string(y) != want {
		t.Errorf("layout:\n%s\nwant:\n%s", y, want)
	}
}

// TestYAMLOfEveryObject round-trips every object of a generated cluster.
func TestYAMLOfEveryObject(t *testing.T) {
	data, _ := generate(t, Config{Tenants: 2, Seed: 9, Format: JSON})
	var list struct {
		Items []json.RawMessage `json:"items"`
	}
	if err := json.Unmarshal(data, &list); err != nil {
		t.Fatal(err)
	}
	for _, item := range list.Items {
		var compact bytes.Buffer
		if err := json.Compact(&compact, item); err != nil {
			t.Fatal(err)
		}
		roundTrip(t, compact.Bytes())
	}
}
