package load

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// loadBoth loads data as one file with the fast paths and with the
// reference path (sigs.k8s.io/yaml and the scheme's deserializer for
// every document) and fails t unless the snapshots, their Problems and
// Warnings, the Stats and the errors are the same.
func loadBoth(t *testing.T, name string, data []byte) {
	t.Helper()
	load := func(reference bool) (string, any) {
		l := New("x", Options{})
		l.reference = reference
		l.Bytes(name, data)
		snap, stats, err := l.Result()
		return fmt.Sprintf("stats %+v, err %v", stats, err), snap
	}
	fastSum, fast := load(false)
	refSum, ref := load(true)
	if fastSum != refSum || !reflect.DeepEqual(fast, ref) {
		fj, _ := json.MarshalIndent(fast, "", " ")
		rj, _ := json.MarshalIndent(ref, "", " ")
		t.Fatalf("%s: fast paths differ from the reference:\nfast: %s\nref:  %s\n%s", name, fastSum, refSum, cmp.Diff(string(rj), string(fj)))
	}
}

// referenceCases are documents on the edges of the fast paths, each of
// which must load as the reference path loads it.
var referenceCases = []string{
	// errors the typed decode finds: messages come from the reference
	"apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec: {containers: [{name: c}], unknownField: 1, other: 2}\n",
	"apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec: {containers: \"no\", nodeName: 5}\n",
	`{"apiVersion":"v1","kind":"Pod","metadata":{"name":"a"},"spec":{"containers":[{"name":"c"}],"containers":[]}}`,
	`{"apiVersion":"v1","kind":"Pod","metadata":{"name":"a","name":"b"}}`,
	`{"apiVersion":"v1","kind":"Service","metadata":{"name":"a"},"spec":{"ports":[{"port":1.0}]}}`,
	`{"apiVersion":"v1","kind":"Service","metadata":{"name":"a"},"spec":{"ports":[{"port":80}]}}`,
	`{"apiVersion":"v1","kind":"Service","metadata":{"name":"a\u0041"},"spec":{"ports":[{"port":1e2}]}}`,
	// keys encoding/json matches without regard to case
	`{"apiVersion":"v1","Kind":"Pod","kind":"Namespace","metadata":{"name":"a"}}`,
	`{"apiVersion":"v1","kind":"NamespaceList","ITEMS":[{"metadata":{"name":"a"}}],"items":[]}`,
	"apiVersion: v1\nkind: Namespace\nmetadata: {name: a, Name: b}\n",
	// lists
	"apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Namespace\n  metadata: {name: a}\n- {kind: Namespace, metadata: {name: b}}\n- 5\n- {apiVersion: v1, kind: Pod, metadata: {name: p}, spec: {bogus: 1}}\n",
	"apiVersion: v1\nkind: PodList\nitems: [{metadata: {name: a}, spec: {containers: [{name: c}]}}, {kind: Service, metadata: {name: s}}, {apiVersion: v1, metadata: {name: b}}]\n",
	"apiVersion: v1\nkind: PodList\n",
	"apiVersion: v1\nkind: PodList\nitems: null\n",
	"apiVersion: v1\nkind: PodList\nitems: {}\n",
	"apiVersion: example.com/v1\nkind: WidgetList\nmetadata: {name: w}\n",
	"apiVersion: example.com/v1\nkind: WidgetList\nitems: [{kind: Widget, metadata: {name: w}}]\n",
	"apiVersion: v1\nkind: List\nitems: [{apiVersion: v1, kind: List, items: [{apiVersion: v1, kind: Namespace, metadata: {name: deep}}]}]\n",
	// kinds decode hands over
	"apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {name: widgets.example.com}\nspec: {group: example.com, names: {plural: widgets, kind: Widget}, scope: Namespaced, versions: [{name: v1, served: true, storage: true}]}\n",
	"apiVersion: extensions/v1beta1\nkind: Deployment\nmetadata: {name: old}\n",
	"apiVersion: a/b/c\nkind: X\n",
	"apiVersion: v1\nkind: 5\n",
	"kind: Pod\n",
	"apiVersion: v1\n",
	"metadata: {name: x}\n",
	"apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n",
	// typing of scalars the typed decode sees
	"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, labels: {a: 'yes', b: \"1\"}}\ndata: {a: yes, b: 1, c: 0x10, d: 1.50, e: ~, f: 2024-01-01, g: 010, h: 1e3}\n",
	"apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {ports: [{port: 0x50}, {port: 1_000}, {port: 8.0}]}\n",
	"apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ndata: {a: Yg==, b: not base64}\n",
	"apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ndata: {a: Yg==}\n",
	"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  annotations:\n    note: |\n      line one\n      line two\n    folded: >\n      a\n      b\ndata:\n  k: \"esc \\u00e9 <&>\"\n",
	// duplicates, merged or refused
	"apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: a, namespace: n}\n---\n{\"apiVersion\": \"v1\", \"kind\": \"ServiceAccount\", \"metadata\": {\"namespace\": \"n\", \"name\": \"a\"}}\n---\napiVersion: v1\nkind: ServiceAccount\nmetadata: {name: a, namespace: n, labels: {x: y}}\n",
	// YAML and Helm
	"a: 1\na: 2\n",
	"apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {{ .Release.Name }}\n",
	"apiVersion: v1\nkind: Namespace\nmetadata: {name: x}\n  bad: indent\n",
	"# only a comment\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n",
	"just a string\n",
	"- a\n- b\n",
}

func TestFastPathsMatchReference(t *testing.T) {
	for i, c := range referenceCases {
		t.Run(fmt.Sprint(i), func(t *testing.T) { loadBoth(t, "in.yaml", []byte(c)) })
	}
	t.Run("all cases as one stream", func(t *testing.T) {
		loadBoth(t, "all.yaml", []byte(strings.Join(referenceCases, "\n---\n")))
	})
	for name, data := range repoManifests(t) {
		t.Run(name, func(t *testing.T) { loadBoth(t, name, data) })
	}
	for _, managed := range []bool{false, true} {
		objs := clusterObjects(300, managed)
		t.Run(fmt.Sprint("cluster managed=", managed), func(t *testing.T) {
			loadBoth(t, "c.yaml", clusterYAML(t, objs))
			loadBoth(t, "c.json", clusterJSON(t, objs))
			loadBoth(t, "cl.yaml", clusterYAMLList(t, objs))
		})
	}
}

// FuzzLoadMatchesReference holds the whole loader, fast paths and
// parallel decode, to the reference path on any input.
func FuzzLoadMatchesReference(f *testing.F) {
	for _, c := range referenceCases {
		f.Add([]byte(c))
	}
	for _, c := range compactCases {
		f.Add([]byte(c))
	}
	for _, c := range memoCases {
		if len(c.bad) < 4<<10 {
			f.Add([]byte(c.good + "\n---\n" + c.bad))
		}
	}
	for _, data := range sharedPods(f) {
		f.Add([]byte(data))
	}
	objs := clusterObjects(8, true)
	f.Add(clusterYAML(f, objs))
	f.Add(clusterJSON(f, objs))
	f.Add(clusterCompactJSON(f, objs))
	f.Fuzz(func(t *testing.T, data []byte) { loadBoth(t, "fuzz", data) })
}
