package load

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/runtime/schema"
	kjson "sigs.k8s.io/json"
)

// sameAsUnmarshalStrict fails t when decodeTyped fills an object of gvk
// from js where sigs.k8s.io/json's UnmarshalStrict fails or is strict,
// or fills it otherwise. It reports whether decodeTyped took js.
func sameAsUnmarshalStrict(t *testing.T, gvk schema.GroupVersionKind, js []byte) bool {
	t.Helper()
	fast, err := Scheme.New(gvk)
	if err != nil {
		t.Fatal(err)
	}
	if !decodeTyped(js, fast) {
		return false
	}
	want, _ := Scheme.New(gvk)
	strict, err := kjson.UnmarshalStrict(js, want)
	if err != nil || len(strict) > 0 {
		t.Fatalf("%s: decodeTyped took what UnmarshalStrict refuses (%v %v):\n%s", gvk.Kind, err, strict, js)
	}
	if !reflect.DeepEqual(fast, want) {
		fj, _ := json.Marshal(fast)
		wj, _ := json.Marshal(want)
		t.Fatalf("%s: decodeTyped differs on\n%s\nfast: %s\nwant: %s", gvk.Kind, js, fj, wj)
	}
	return true
}

// modelledKinds are the kinds the snapshot keeps, in every version the
// scheme knows them in.
func modelledKinds() []schema.GroupVersionKind {
	var out []schema.GroupVersionKind
	for gk := range validators {
		for _, gv := range Scheme.VersionsForGroupKind(gk) {
			out = append(out, gv.WithKind(gk.Kind))
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].String() < out[j].String() })
	return out
}

func TestTypedPlansCoverModelledKinds(t *testing.T) {
	for _, gvk := range modelledKinds() {
		obj, _ := Scheme.New(gvk)
		if p := planFor(reflect.TypeOf(obj).Elem()); p.kind != kindStruct {
			t.Errorf("%s: decodeTyped leaves it to sigs.k8s.io/json", gvk)
		}
	}
}

// fastObjects returns the objects of data, as a fast path writes them,
// with their kinds: list items one by one.
func fastObjects(data []byte) (objs [][]byte, kinds []schema.GroupVersionKind) {
	var add func(js []byte)
	add = func(js []byte) {
		top, ok := scanTop(js, false, nil)
		if !ok {
			return
		}
		for _, item := range top.items {
			add(item)
		}
		if gv, err := schema.ParseGroupVersion(top.apiVersion); err == nil && Scheme.Recognizes(gv.WithKind(top.kind)) {
			objs = append(objs, js)
			kinds = append(kinds, gv.WithKind(top.kind))
		}
	}
	for _, doc := range splitDocuments(data) {
		b := &batch{}
		if js, ok := b.toJSON(doc.body, new(scratch)); ok && len(js) > 0 && js[0] == '{' {
			add(js)
		}
	}
	return objs, kinds
}

// TestTypedDecodeMatches holds decodeTyped to UnmarshalStrict on every
// object of the repository's manifests and of a generated cluster, whose
// modelled objects it must all take, and on every object of the cluster
// with each of its values in turn replaced by a value of another type.
func TestTypedDecodeMatches(t *testing.T) {
	for name, data := range repoManifests(t) {
		objs, kinds := fastObjects(data)
		for i, js := range objs {
			t.Run(fmt.Sprint(name, i), func(t *testing.T) { sameAsUnmarshalStrict(t, kinds[i], js) })
		}
	}
	objs, kinds := fastObjects(clusterYAML(t, clusterObjects(7, true)))
	for i, js := range objs {
		if _, modelled := validators[kinds[i].GroupKind()]; modelled && !sameAsUnmarshalStrict(t, kinds[i], js) {
			t.Errorf("decodeTyped leaves a %s kubectl prints to sigs.k8s.io/json:\n%s", kinds[i].Kind, js)
		}
		taken := 0
		mutations(js, func(m []byte) {
			if sameAsUnmarshalStrict(t, kinds[i], m) {
				taken++
			}
		})
		t.Logf("%s: decodeTyped took %d mutations", kinds[i].Kind, taken)
	}
}

// mutations calls f with js, a JSON object, with each of its values in
// turn replaced by values of other types, and with an unknown key added
// to each of its objects.
func mutations(js []byte, f func([]byte)) {
	var root any
	d := json.NewDecoder(bytes.NewReader(js))
	d.UseNumber()
	if d.Decode(&root) != nil {
		return
	}
	replacements := []any{nil, "x", "", "1", json.Number("1"), json.Number("-1"), json.Number("1.5"), json.Number("3000000000"),
		true, map[string]any{}, []any{}, []any{nil}, map[string]any{"unknownField": 1}}
	var walk func(v any, set func(any))
	emit := func() {
		if m, err := json.Marshal(root); err == nil {
			f(m)
		}
	}
	walk = func(v any, set func(any)) {
		for _, r := range replacements {
			set(r)
			emit()
		}
		set(v)
		switch v := v.(type) {
		case map[string]any:
			v["unknownField"] = "x"
			emit()
			delete(v, "unknownField")
			for k, e := range v {
				walk(e, func(n any) { v[k] = n })
			}
		case []any:
			for i, e := range v {
				walk(e, func(n any) { v[i] = n })
			}
		}
	}
	if m, ok := root.(map[string]any); ok {
		for k, e := range m {
			if k != "apiVersion" && k != "kind" {
				walk(e, func(n any) { m[k] = n })
			}
		}
	}
}

// FuzzTypedDecode holds decodeTyped to UnmarshalStrict on any document a
// fast path takes, decoded as each modelled kind.
func FuzzTypedDecode(f *testing.F) {
	objs, _ := fastObjects(clusterYAML(f, clusterObjects(7, true)))
	for _, js := range objs {
		f.Add(js)
	}
	for _, c := range referenceCases {
		f.Add([]byte(c))
	}
	kinds := modelledKinds()
	f.Fuzz(func(t *testing.T, data []byte) {
		js, ok := (&batch{}).toJSON(data, new(scratch))
		if !ok || len(js) == 0 || js[0] != '{' {
			return
		}
		for _, gvk := range kinds {
			sameAsUnmarshalStrict(t, gvk, js)
			sameThreeWays(t, gvk, js, false) // the generated methods and the plans alike
		}
	})
}

// TestNoRootFieldsLikeTypeMeta backs the early stop of scanTop: no kind
// of the scheme has a field at its top level that encoding/json would
// take for apiVersion, kind or (but for lists) items, so a document with
// such a key fails its strict decode and goes the reference way.
func TestNoRootFieldsLikeTypeMeta(t *testing.T) {
	for gvk, typ := range Scheme.AllKnownTypes() {
		fields, ok := structFields(typ, map[reflect.Type]*plan{})
		if !ok {
			t.Logf("%s: fields not listed", gvk)
			continue
		}
		for name := range fields {
			for _, tm := range []string{"apiVersion", "kind", "items"} {
				if strings.EqualFold(name, tm) && (name != tm || tm == "items" && !strings.HasSuffix(gvk.Kind, "List")) {
					t.Errorf("%s has a field %q", gvk, name)
				}
			}
		}
	}
}
