package load

import (
	"testing"

	"sigs.k8s.io/yaml"
)

// FuzzFastJSON holds the JSON fast path to sigs.k8s.io/yaml: a document
// it compacts must be one YAMLToJSONStrict reads as the same value.
func FuzzFastJSON(f *testing.F) {
	for _, seed := range []string{
		`{"a": 1, "b": [true, false, null], "c": {"d": "e"}}`,
		`{"s": "esc \" \\ \b \f \n \r \t \u00e9 \u2028 \ud83d\ude00 \/ <&>"}`,
		`{"n": [0, -0, 1.0, 1e3, 9223372036854775807, 9223372036854775808, 18446744073709551616, -9223372036854775809]}`,
		"{\n\"a\"\n: 1}",
		"{\n\"a\": 1,\n\"b\":\n  2\n}\n",
		"  {\"a\":1}  \n",
		"{\r\n\"a\": 1,\r\n\"b\": \"x\"\r\n}\r\n",
		`{"a":1}{"b":2}`,
		`{"a":1,"a":2}`,
		`{"<<": {"a": 1}}`,
		"{\"a\":\t1}",
		`{"k": "` + string(make([]byte, 1100)) + `"}`,
		"{\"\u0085\": \"\ufeff\"}",
		`{"a": [], "b": {}, "c": [[]], "d": ""}`,
		`{"kind": "List", "items": [{"a": [1, {"items": [2]}]}, [], 3, "x"], "x": {"items": [4]}}`,
		`{"items": {"items": [1]}, "kind": "List"}`,
		`{"apiVersion": "v1", "items": [ {"a": "]"} , [1, "\"["],2,"x" ,null], "kind": "List"}`,
		`{"items": [1, 2], "items": [3, 4]}`,
	} {
		f.Add([]byte(seed))
	}
	f.Add(clusterJSON(f, clusterObjects(1, true)))
	f.Fuzz(func(t *testing.T, data []byte) {
		// Once whole, once with the items of a root list converted apart.
		whole := jconv{src: withoutCR(data)}
		split := jconv{src: whole.src}
		split.chunks = jsonItems(split.src)
		ok, splitOK := whole.convert(), split.convert()
		if ok != splitOK || ok && string(whole.out) != string(split.out) {
			t.Fatalf("items converted apart differ on\n%q\nwhole: %v %s\napart: %v %s", data, ok, whole.out, splitOK, split.out)
		}
		if !ok {
			return
		}
		sameItems(t, whole.out, &whole.items)
		sameItems(t, split.out, &split.items)
		got := whole.out
		want, err := yaml.YAMLToJSONStrict(data)
		if err != nil {
			t.Fatalf("fast path took what sigs.k8s.io/yaml refuses (%v):\n%q", err, data)
		}
		if !sameJSON(got, want) {
			t.Fatalf("fast path differs on\n%q\nfast: %s\nyaml: %s", data, got, want)
		}
		if canon := canonicalJSON(got); string(canon) != string(want) {
			t.Fatalf("canonical JSON differs on\n%q\ncanonical: %s\nyaml:      %s", data, canon, want)
		}
	})
}
