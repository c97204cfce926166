package load

import (
	"bytes"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// sameAsYAMLToJSON fails t when the fast path accepts a document
// sigs.k8s.io/yaml refuses, or writes JSON of another value (numbers
// compared as written, so that 1 and 1.0 differ), or JSON that
// canonicalJSON does not turn into YAMLToJSONStrict's byte for byte. It
// reports whether the fast path took the document.
func sameAsYAMLToJSON(t *testing.T, src []byte) bool {
	t.Helper()
	// Once whole, once with the items of a root list converted apart.
	whole := yconv{src: withoutCR(src)}
	split := yconv{src: whole.src}
	split.chunks = yamlItems(split.src)
	ok, splitOK := whole.convert(), split.convert()
	if ok != splitOK || ok && string(whole.out) != string(split.out) {
		t.Fatalf("items converted apart differ on\n%q\nwhole: %v %s\napart: %v %s", src, ok, whole.out, splitOK, split.out)
	}
	if !ok {
		return false
	}
	sameItems(t, whole.out, &whole.items)
	sameItems(t, split.out, &split.items)
	got := whole.out
	want, err := yaml.YAMLToJSONStrict(src)
	if err != nil {
		t.Fatalf("fast path took what sigs.k8s.io/yaml refuses (%v):\n%q\nfast: %s", err, src, got)
	}
	if !sameJSON(got, want) {
		t.Fatalf("fast path differs on\n%q\nfast: %s\nyaml: %s", src, got, want)
	}
	if canon := canonicalJSON(got); string(canon) != string(want) {
		t.Fatalf("canonical JSON differs on\n%q\ncanonical: %s\nyaml:      %s", src, canon, want)
	}
	return true
}

// sameItems fails t unless the items a fast path recorded are those
// scanTop finds by reading js.
func sameItems(t *testing.T, js []byte, items *listItems) {
	t.Helper()
	want, wantOK := scanTop(js, false, nil)
	got, gotOK := scanTop(js, false, items)
	if wantOK != gotOK || !reflect.DeepEqual(want, got) {
		t.Fatalf("recorded items differ on %s:\nread:     %v %q\nrecorded: %v %q", js, wantOK, want.items, gotOK, got.items)
	}
}

// sameJSON reports whether two JSON texts hold the same value, numbers
// compared as written.
func sameJSON(a, b []byte) bool {
	decode := func(js []byte) (any, bool) {
		d := json.NewDecoder(bytes.NewReader(js))
		d.UseNumber()
		var v any
		if d.Decode(&v) != nil || d.More() {
			return nil, false
		}
		return v, true
	}
	va, oka := decode(a)
	vb, okb := decode(b)
	return oka && okb && reflect.DeepEqual(va, vb)
}

// repoManifests returns every YAML and JSON file of the repository's
// examples and testdata directories.
func repoManifests(t testing.TB) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	for _, root := range []string{"../../examples", "../../internal", "../../deploy"} {
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !isManifest(p) {
				return err
			}
			if root == "../../internal" && !strings.Contains(p, "/testdata/") {
				return nil
			}
			data, err := os.ReadFile(p)
			files[p] = data
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return files
}

// TestFastYAMLCorpus holds the fast path to sigs.k8s.io/yaml on every
// document of the repository's manifests and of a generated cluster as
// kubectl prints it, which it must all take.
func TestFastYAMLCorpus(t *testing.T) {
	taken, total := 0, 0
	for name, data := range repoManifests(t) {
		for _, doc := range splitDocuments(data) {
			total++
			if sameAsYAMLToJSON(t, doc.body) {
				taken++
			} else if testing.Verbose() {
				t.Logf("%s:%d: left to sigs.k8s.io/yaml", name, doc.line)
			}
		}
	}
	t.Logf("fast path took %d of %d documents of the repository", taken, total)
	for _, managed := range []bool{false, true} {
		objs := clusterObjects(200, managed)
		for _, data := range [][]byte{clusterYAML(t, objs), clusterYAMLList(t, objs)} {
			for _, doc := range splitDocuments(data) {
				if !sameAsYAMLToJSON(t, doc.body) {
					t.Fatalf("fast path refused a document kubectl prints:\n%s", doc.body)
				}
			}
		}
	}
}

// FuzzFastYAML holds the fast path to sigs.k8s.io/yaml's YAMLToJSONStrict:
// whatever it takes, it must write JSON of the same value.
func FuzzFastYAML(f *testing.F) {
	for _, seed := range []string{
		"a: 1\nb: [x, 'y', \"z\"]\nc: {d: e, f: [1, 2]}\n",
		"k:{\"name\":\"app\"}:\n  .: {}\n  f:image: {}\n",
		"a: |\n  line 1\n\n  line 3\n\nb: >-\n  folded\n  text\n\n   more\n  end\nc: |+\n  keep\n\n\nd: |2-\n    two\n",
		"- a\n- - b\n  - c\n- d: 1\n  e: 2\n-\n  f: 3\n",
		"a:\n- 1\n- 2\nb: 3\n",
		"s: \"esc \\t \\u00e9 \\x41 \\U0001F600 \\\" \\\\ \\/ \\N \\_ \\L \\P\"\n",
		"q: 'it''s'\nm: \"multi\n  line\n\n  text\"\np: plain\n  continued\n\n  more\n",
		"e: \"broken \\\n  line\"\n",
		"n: [0, -0, 007, 0x1F, 0o17, 1_000, +5, 1e3, 1.5, .5, -.inf, .nan, 9223372036854775808, 18446744073709551616, 0b101, 1:20, 2001-12-14]\n",
		"b: [y, Yes, ON, off, N, true, False, ~, null, NULL, '', \"\"]\n",
		"? complex\n: key\n",
		"a: &x 1\nb: *x\n",
		"<<: {a: 1}\n",
		"a: 1\na: 2\n",
		"1: one\ntrue: t\n",
		"a: b: c\n",
		"a: x # comment\n# full line\nb: 'y' #c\n",
		"a: \"<tag> & more\"\nb: \u2028\n",
		"{\"apiVersion\": \"v1\", \"kind\": \"List\", \"items\": [{\"a\": 1}, {\"b\": [true, null, -2]}]}\n",
		"a: {x: 1,\n  y: 2}\nb: [1,\n2]\n",
		"a:\n  b:\n    c: d\n  e: f\ng: h\n",
		"list:\n  - name: x\n    value: y\n  - name: z\n",
		"a: |\n     \n  x\n",
		"a: >\n  one\n   two\n  three\n\n  four\n",
		"key:   \n  value\n",
		"'quoted key': 1\n\"dq\": 2\n",
		"a: 'multi\n\n   line'\n",
		"a: -\nb: - c\n",
		"a: -1\nb: -x\nc: :x\nd: ?y\n",
		"kind: List\nitems:\n- a: [1, {items: [2]}]\n- []\n-\n- x\nx: {items: [4]}\n",
		"{kind: List, items: [{a: 1}, [2], 3]}\n",
		"items: {items: [1]}\nkind: List\n",
		"apiVersion: v1\nitems:\n- a: 1\n  b: |\n    x\n\n- - c\n  - d\n-\n  e: \"f\n  g\"\n# c\n- h\nkind: List\n",
		"items:\n  - a\n  - b: 1\n\n  -   c: [1,\n     2]\nmetadata: {}\n",
		"items:\n- a: \"x\n- y\"\n- z\n",
		"a: |\r\n  x\r\n\r\n  y\r\nb: \"q\r\n  r\"\r\nc: p\r\n  q\r\n",
		"a: b\rc: d\n",
	} {
		f.Add([]byte(seed))
	}
	for _, data := range repoManifests(f) {
		for _, doc := range splitDocuments(data) {
			f.Add(doc.body)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		sameAsYAMLToJSON(t, data)
	})
}
