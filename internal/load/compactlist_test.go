package load

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/runtime"
)

// clusterCompactJSON prints objects as `bulkhead snapshot -o json` and
// `kubectl get -o json | jq -c` print them: one List, compact, one item
// a line.
func clusterCompactJSON(tb testing.TB, objs []runtime.Object) []byte {
	var buf bytes.Buffer
	buf.WriteString(`{"apiVersion":"v1","kind":"List","metadata":{},"items":[` + "\n")
	for i, o := range objs {
		js, err := json.Marshal(o)
		if err != nil {
			tb.Fatal(err)
		}
		if i > 0 {
			buf.WriteString(",\n")
		}
		buf.Write(js)
	}
	buf.WriteString("\n]}\n")
	return buf.Bytes()
}

// compactItems wraps items in a compact List of kind.
func compactItems(kind string, items ...string) string {
	return `{"apiVersion":"v1","kind":"` + kind + `","items":[` + strings.Join(items, ",") + `]}`
}

// compactCases are compact Lists whose items sit on the edges of what
// decodeCompact takes: each must load as the reference path loads it.
var compactCases = []string{
	compactItems("List",
		`{"kind":"Namespace","apiVersion":"v1","metadata":{"name":"a","labels":{"x":"y","z":null}}}`,
		`{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"b"}}`,
		`{"kind":"Namespace","metadata":{"name":"c"}}`,
		`5`, `"x"`, `null`, `[]`),
	// escapes jconv rewrites, or refuses
	compactItems("List", `{"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":"c"},"data":{"a":"\u003c\u0026\u003e <&> \"\\ \b\f\n\r\t \u00e9 é"}}`),
	compactItems("List", `{"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":"c"},"data":{"a":"\/"}}`),
	compactItems("List", `{"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":"c"},"data":{"a":"\ud83d\ude00"}}`),
	compactItems("List", `{"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":"c"},"data":{"a":"`+"\x01"+`"}}`),
	compactItems("List", `{"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":"c"},"data":{"a":"`+"\x7f\u0085\ufeff"+`"}}`),
	compactItems("List", `{"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":"c"},"data":{"a":"`+"\xff"+`"}}`),
	compactItems("List", `{"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":"c"},"data":{"a":"\x"}}`),
	compactItems("List", `{"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":"c"},"data":{"<<":"m","\u003c\u003c":"n"}}`),
	compactItems("List", `{"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":"c"},"data":{"`+strings.Repeat("k", 1000)+`":"v"}}`),
	// duplicates: of a field, of a map key, spelt apart
	compactItems("List", `{"kind":"ServiceAccount","apiVersion":"v1","metadata":{"name":"a","name":"b"}}`),
	compactItems("List", `{"kind":"ServiceAccount","apiVersion":"v1","metadata":{"name":"a","labels":{"x":"1","x":"2"}}}`),
	compactItems("List", `{"kind":"ServiceAccount","apiVersion":"v1","metadata":{"name":"a","labels":{"x":"1","\u0078":"2"}}}`),
	compactItems("List", `{"kind":"Service","apiVersion":"v1","metadata":{"name":"s"},"spec":{"selector":{"a":"b"},"ports":[{"port":80,"port":81}]}}`),
	compactItems("List", `{"kind":"Node","apiVersion":"v1","metadata":{"name":"n"},"status":{"capacity":{"cpu":"1","cpu":"2"}}}`),
	compactItems("List", `{"kind":"Namespace","apiVersion":"v1","kind":"Namespace","metadata":{"name":"a"}}`),
	// numbers and what types read themselves
	compactItems("List", `{"kind":"Service","apiVersion":"v1","metadata":{"name":"s"},"spec":{"ports":[{"port":80,"targetPort":8080},{"port":81,"targetPort":"http"}]}}`),
	compactItems("List", `{"kind":"Service","apiVersion":"v1","metadata":{"name":"s"},"spec":{"ports":[{"port":80.0}]}}`),
	compactItems("List", `{"kind":"Service","apiVersion":"v1","metadata":{"name":"s"},"spec":{"ports":[{"port":1e2}]}}`),
	compactItems("List", `{"kind":"Service","apiVersion":"v1","metadata":{"name":"s"},"spec":{"ports":[{"port":080}]}}`),
	compactItems("List", `{"kind":"Service","apiVersion":"v1","metadata":{"name":"s"},"spec":{"ports":[{"port":-0}]}}`),
	compactItems("List", `{"kind":"Service","apiVersion":"v1","metadata":{"name":"s"},"spec":{"ports":[{"port":99999999999999999999}]}}`),
	compactItems("List", `{"kind":"Service","apiVersion":"v1","metadata":{"name":"s"},"spec":{"ports":[{"port":80,"targetPort":1.5}]}}`),
	compactItems("List", `{"kind":"Node","apiVersion":"v1","metadata":{"name":"n","creationTimestamp":"2024-03-01T12:00:00Z"},"status":{"capacity":{"cpu":4,"memory":"16Gi","pods":"1.5e3"}}}`),
	compactItems("List", `{"kind":"Node","apiVersion":"v1","metadata":{"name":"n","creationTimestamp":null},"status":{"capacity":{"cpu":{"a":1,"a":2}}}}`),
	compactItems("List", `{"kind":"Pod","apiVersion":"v1","metadata":{"name":"p","managedFields":[{"manager":"m","fieldsType":"FieldsV1","fieldsV1":{"f:a":{},"f:b":{"\u003c":{}}}}]},"spec":{"containers":[{"name":"c","ports":[{"containerPort":80}]}]}}`),
	compactItems("List", `{"kind":"Pod","apiVersion":"v1","metadata":{"name":"p","managedFields":[{"manager":"m","fieldsType":"FieldsV1","fieldsV1":{"f:a":{},"f:a":{}}}]},"spec":{"containers":[{"name":"c"}]}}`),
	compactItems("List", `{"kind":"Secret","apiVersion":"v1","metadata":{"name":"s"},"data":{"a":"Yg==","b":null},"immutable":true}`),
	compactItems("List", `{"kind":"Secret","apiVersion":"v1","metadata":{"name":"s"},"immutable":nul}`),
	// space inside an item, an unknown field, a cut item
	compactItems("List", `{"kind":"Namespace","apiVersion":"v1","metadata": {"name":"a"}}`),
	compactItems("List", `{"kind":"Namespace","apiVersion":"v1","metadata":{"name":"a"},"bogus":1}`),
	compactItems("List", `{"kind":"Namespace","apiVersion":"v1","metadata":{"name":"a"`),
	// typed lists, items with a kind of their own or none
	compactItems("PodList", `{"metadata":{"name":"a"},"spec":{"containers":[{"name":"c"}]}}`, `{"kind":"Service","apiVersion":"v1","metadata":{"name":"s"}}`),
	compactItems("NamespaceList", `{"kind":"Namespace","apiVersion":"v1","metadata":{"name":"a"}}`, `{"apiVersion":"v1","metadata":{"name":"b"}}`),
	// the document around the items
	`{"apiVersion":"v1","kind":"List","items":[{"kind":"Namespace","apiVersion":"v1","metadata":{"name":"a"}}],"items":[]}`,
	`{"apiVersion":"v1","kind":"List","it\u0065ms":[],"items":[{"kind":"Namespace","apiVersion":"v1","metadata":{"name":"a"}}]}`,
	`{"apiVersion":"v1","kind":"List","metadata":{"a":1,"a":2},"items":[{"kind":"Namespace","apiVersion":"v1","metadata":{"name":"a"}}]}`,
	`{"apiVersion":"v1","kind":"List","items":[ {"kind":"Namespace","apiVersion":"v1","metadata":{"name":"a"}} ,` + "\n" + `{"kind":"Namespace","apiVersion":"v1","metadata":{"name":"b"}} ]}`,
	`{"apiVersion":"v1","kind":"List","items":[{"kind":"Namespace","apiVersion":"v1","metadata":{"name":"a"}}]} x`,
	`{"apiVersion":"v1","kind":"List","items":[{"kind":"Namespace","apiVersion":"v1","metadata":{"name":"a"}}],}`,
	`{"kind":"WidgetList","apiVersion":"example.com/v1","items":[{"kind":"Widget","apiVersion":"example.com/v1","metadata":{"name":"w"}}]}`,
	`{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"a"},"items":[{"kind":"Namespace","apiVersion":"v1","metadata":{"name":"b"}}]}`,
	`{"apiVersion":"bulkhead.dev/v1alpha1","kind":"SnapshotInfoList","items":[{"kind":"Namespace","apiVersion":"v1","metadata":{"name":"a"}}]}`,
	compactItems("List", compactItems("List", `{"kind":"Namespace","apiVersion":"v1","metadata":{"name":"deep"}}`)),
	compactItems("List", `{"kind":"Namespace","apiVersion":"v1","metadata":{"name":"a","annotations":{"n":"`+strings.Repeat("[", 999)+`"}}}`),
	compactItems("List", `{"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":"c"},"binaryData":{"a":"`+strings.Repeat("A", 8)+`"}}`),
	// CRLF leaves the document to toJSON
	"{\"apiVersion\":\"v1\",\"kind\":\"List\",\"items\":[\r\n{\"kind\":\"Namespace\",\"apiVersion\":\"v1\",\"metadata\":{\"name\":\"a\"}}\r\n]}\r\n",
}

func TestCompactListMatchesReference(t *testing.T) {
	for i, c := range compactCases {
		t.Run(fmt.Sprint(i), func(t *testing.T) { loadBoth(t, "in.json", []byte(c)) })
	}
	for _, managed := range []bool{false, true} {
		objs := clusterObjects(300, managed)
		t.Run(fmt.Sprint("cluster managed=", managed), func(t *testing.T) {
			loadBoth(t, "c.json", clusterCompactJSON(t, objs))
		})
	}
}

// TestCompactListDecodesInPlace holds the objects of a cluster written
// compact to the way without jconv: none of them falls back.
func TestCompactListDecodesInPlace(t *testing.T) {
	data := clusterCompactJSON(t, clusterObjects(300, true))
	ch := jsonBracketItems(data)
	if ch == nil || len(ch.starts) != 300 {
		t.Fatalf("items not found")
	}
	for k := range ch.starts {
		item := data[ch.starts[k]:ch.ends[k]]
		gvk, ok := leadingKind(item)
		if !ok || !typedKind(gvk) {
			t.Fatalf("kind of item %d not read: %.80s", k, item)
		}
		obj, _ := Scheme.New(gvk)
		if !decodeCompact(item, obj, 2) {
			t.Fatalf("item %d not decoded in place: %s", k, item)
		}
	}
}

// FuzzDecodeCompact holds decodeCompact to decodeTyped of what jconv
// writes: what it takes, jconv converts, and decodeTyped fills alike.
func FuzzDecodeCompact(f *testing.F) {
	data := clusterCompactJSON(f, clusterObjects(7, true))
	if ch := jsonBracketItems(data); ch != nil {
		for k := range ch.starts {
			f.Add(data[ch.starts[k]:ch.ends[k]])
		}
	}
	for _, c := range compactCases {
		if ch := jsonBracketItems([]byte(c)); ch != nil {
			for k := range ch.starts {
				f.Add([]byte(c)[ch.starts[k]:ch.ends[k]])
			}
		}
	}
	kinds := modelledKinds()
	f.Fuzz(func(t *testing.T, item []byte) {
		for _, gvk := range kinds {
			sameThreeWays(t, gvk, item, true) // the generated methods and the plans alike
			raw, _ := Scheme.New(gvk)
			if !decodeCompact(item, raw, 2) {
				continue
			}
			c := jconv{src: item, depth: 2}
			if !c.value() || c.pos != len(item) {
				t.Fatalf("%s: decodeCompact took what jconv refuses:\n%q", gvk.Kind, item)
			}
			want, _ := Scheme.New(gvk)
			if !decodeTyped(c.out, want) {
				t.Fatalf("%s: decodeCompact took what decodeTyped refuses:\n%q", gvk.Kind, item)
			}
			if !reflect.DeepEqual(raw, want) {
				t.Fatalf("%s: decodeCompact differs from decodeTyped on\n%q", gvk.Kind, item)
			}
		}
	})
}
