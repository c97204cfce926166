package load

import (
	"bytes"
	"fmt"
	"reflect"
	"testing"

	"k8s.io/apimachinery/pkg/runtime/schema"
	kjson "sigs.k8s.io/json"

	"github.com/bulkhead-dev/bulkhead/internal/scalegen"
	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
)

// sameThreeWays decodes js as gvk by the generated methods and by the
// plans, raw (JSON as read, as decodeCompact takes it) or not (JSON a
// fast path wrote, as decodeTyped takes it), and fails t unless both
// take it or both refuse it, fill the object alike, and fill it as
// sigs.k8s.io/json's UnmarshalStrict fills it from what jconv writes of
// js. It reports whether they took js.
func sameThreeWays(t *testing.T, gvk schema.GroupVersionKind, js []byte, raw bool) bool {
	t.Helper()
	decode := func(generated bool) (any, bool) {
		obj, err := Scheme.New(gvk)
		if err != nil {
			t.Fatal(err)
		}
		d := tdec{js: js}
		if raw {
			d = tdec{js: js, raw: true, depth: 2}
		}
		return obj, decodeWith(d, obj, generated)
	}
	gen, genOK := decode(true)
	byPlan, planOK := decode(false)
	if genOK != planOK {
		t.Fatalf("%s raw=%v: generated took it %v, plan %v:\n%s", gvk.Kind, raw, genOK, planOK, js)
	}
	if !genOK {
		return false
	}
	if !reflect.DeepEqual(gen, byPlan) {
		t.Fatalf("%s raw=%v: generated and plan differ on\n%s\ngenerated: %+v\nplan:      %+v", gvk.Kind, raw, js, gen, byPlan)
	}
	written := js
	if raw {
		c := jconv{src: js, depth: 2}
		if !c.value() || c.pos != len(js) {
			t.Fatalf("%s: taken raw, but jconv refuses:\n%s", gvk.Kind, js)
		}
		written = c.out
	}
	want, _ := Scheme.New(gvk)
	strict, err := kjson.UnmarshalStrict(written, want)
	if err != nil || len(strict) > 0 {
		t.Fatalf("%s raw=%v: taken, but UnmarshalStrict refuses (%v %v):\n%s", gvk.Kind, raw, err, strict, written)
	}
	if !reflect.DeepEqual(gen, want) {
		t.Fatalf("%s raw=%v: generated differs from UnmarshalStrict on\n%s\ngenerated: %+v\nwant:      %+v", gvk.Kind, raw, js, gen, want)
	}
	return true
}

// compactObjects returns the items of a compact JSON List as they were
// read, with their kinds.
func compactObjects(data []byte) (objs [][]byte, kinds []schema.GroupVersionKind) {
	ch := jsonBracketItems(data)
	if ch == nil {
		return nil, nil
	}
	for k := range ch.starts {
		item := data[ch.starts[k]:ch.ends[k]]
		if gvk, ok := leadingKind(item); ok && Scheme.Recognizes(gvk) {
			objs = append(objs, item)
			kinds = append(kinds, gvk)
		}
	}
	return objs, kinds
}

// TestGeneratedMatchesPlans decodes every object of the repository's
// manifests (the corpus and the loader's testdata among them) and of
// generated clusters of several seeds and sizes, in YAML and in compact
// JSON, by the generated methods, by the plans and by sigs.k8s.io/json:
// all three fill every object alike, and every object of a kind the
// snapshot models is taken. Each value of a few objects in turn replaced
// by values of other types is refused or filled alike too.
func TestGeneratedMatchesPlans(t *testing.T) {
	check := func(t *testing.T, objs [][]byte, kinds []schema.GroupVersionKind, raw, all bool) {
		if len(objs) == 0 {
			t.Fatal("no objects")
		}
		for i, js := range objs {
			if !sameThreeWays(t, kinds[i], js, raw) && all {
				if _, modelled := validators[kinds[i].GroupKind()]; modelled {
					t.Fatalf("%s raw=%v not taken:\n%s", kinds[i].Kind, raw, js)
				}
			}
		}
	}
	for name, data := range repoManifests(t) {
		objs, kinds := fastObjects(data)
		if len(objs) == 0 {
			continue
		}
		t.Run(name, func(t *testing.T) { check(t, objs, kinds, false, false) })
	}
	for _, c := range []scalegen.Config{{Tenants: 1, Seed: 1}, {Tenants: 2, Seed: 7}, {Tenants: 3, Seed: 42}} {
		for _, f := range []scalegen.Format{scalegen.YAML, scalegen.JSON} {
			c.Format = f
			t.Run(fmt.Sprintf("scalegen tenants=%d seed=%d %s", c.Tenants, c.Seed, f), func(t *testing.T) {
				var buf bytes.Buffer
				if _, err := scalegen.Write(&buf, c); err != nil {
					t.Fatal(err)
				}
				if f == scalegen.JSON {
					objs, kinds := compactObjects(buf.Bytes())
					check(t, objs, kinds, true, true)
				}
				objs, kinds := fastObjects(buf.Bytes())
				check(t, objs, kinds, false, true)
			})
		}
	}
	t.Run("mutations", func(t *testing.T) {
		objs, kinds := fastObjects(clusterYAML(t, clusterObjects(7, true)))
		for i, js := range objs {
			mutations(js, func(m []byte) {
				sameThreeWays(t, kinds[i], m, false)
				sameThreeWays(t, kinds[i], m, true)
			})
		}
	})
}

// FuzzGeneratedMatchesPlans holds the generated methods to the plans and
// to sigs.k8s.io/json on any JSON, raw and as a fast path writes it,
// decoded as each modelled kind.
func FuzzGeneratedMatchesPlans(f *testing.F) {
	objs, _ := fastObjects(clusterYAML(f, clusterObjects(7, true)))
	for _, js := range objs {
		f.Add(js)
	}
	for _, c := range compactCases {
		if ch := jsonBracketItems([]byte(c)); ch != nil {
			for k := range ch.starts {
				f.Add([]byte(c)[ch.starts[k]:ch.ends[k]])
			}
		}
	}
	kinds := modelledKinds()
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, gvk := range kinds {
			sameThreeWays(t, gvk, data, true)
		}
		js, ok := (&batch{}).toJSON(data, new(scratch))
		if !ok || len(js) == 0 || js[0] != '{' {
			return
		}
		for _, gvk := range kinds {
			sameThreeWays(t, gvk, js, false)
		}
	})
}

// BenchmarkDecodeCompact decodes the items of the issue 11 cluster at 10k
// pods, as read, into their typed objects, by the generated methods and
// by the plans: the typed decode alone, without validation or the
// snapshot.
func BenchmarkDecodeCompact(b *testing.B) {
	var buf bytes.Buffer
	if _, err := scalegen.Write(&buf, scalegen.Config{Tenants: 100, Seed: 1, Format: scalegen.JSON}); err != nil {
		b.Fatal(err)
	}
	objs, kinds := compactObjects(buf.Bytes())
	size := 0
	for _, js := range objs {
		size += len(js)
	}
	for _, generated := range []bool{true, false} {
		b.Run(fmt.Sprint("generated=", generated), func(b *testing.B) {
			b.SetBytes(int64(size))
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				for k, js := range objs {
					obj, _ := Scheme.New(kinds[k])
					if !decodeWith(tdec{js: js, raw: true, depth: 2}, obj, generated) {
						b.Fatalf("%s not decoded", kinds[k])
					}
				}
			}
		})
	}
}

// TestGeneratedRootsHavePlans backs decodeValue's going straight to the
// generated methods: every kind they take has a supported plan, so the
// plan path would not refuse it before reading, and every kind the
// snapshot models is taken.
func TestGeneratedRootsHavePlans(t *testing.T) {
	for gvk := range Scheme.AllKnownTypes() {
		obj, err := Scheme.New(gvk)
		if err != nil {
			t.Fatal(err)
		}
		d := tdec{js: []byte("{}"), in: new(interner)}
		_, handled := d.generated(obj)
		if _, modelled := validators[gvk.GroupKind()]; modelled && !handled && snapshotVersion(gvk) {
			t.Errorf("%s: not taken by the generated methods", gvk)
		}
		if handled && planFor(reflect.TypeOf(obj).Elem()).kind == kindUnsupported {
			t.Errorf("%s: taken by the generated methods, but its plan is unsupported", gvk)
		}
	}
}

// snapshotVersion reports whether gvk is the version snapshot.Kinds
// reads its kind in.
func snapshotVersion(gvk schema.GroupVersionKind) bool {
	for _, k := range snapshot.Kinds {
		if k.GVK == gvk {
			return true
		}
	}
	return false
}

// TestDecUint: the generator's decoder of unsigned fields (no modelled
// kind has one today) takes what fits its type, null included, and
// refuses the rest.
func TestDecUint(t *testing.T) {
	for _, c := range []struct {
		js   string
		ok   bool
		want uint8
	}{{"200", true, 200}, {"null", true, 0}, {"256", false, 0}, {"-1", false, 0}, {"1.5", false, 0}} {
		var v uint8
		d := tdec{js: []byte(c.js)}
		if ok := decUint(&d, &v); ok != c.ok || (ok && v != c.want) {
			t.Errorf("decUint(%s) = %d, %v; want %d, %v", c.js, v, ok, c.want, c.ok)
		}
	}
}
