package load

import (
	"reflect"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

// sharedPods are pods whose containers ask for resources written alike,
// and one written otherwise, as a stream of documents and as a JSON List.
func sharedPods(t testing.TB) map[string]string {
	t.Helper()
	pod := func(name, resources string) string {
		return `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"` + name + `","namespace":"a"},"spec":{"containers":[{"name":"c","resources":` + resources + `}]}}`
	}
	pods := []string{
		pod("a", `{"limits":{"memory":"256Mi"},"requests":{"cpu":"100m","memory":"128Mi"}}`),
		pod("b", `{"limits":{"memory":"256Mi"},"requests":{"cpu":"100m","memory":"128Mi"}}`),
		pod("c", `{"limits":{"memory":"256Mi"},"requests":{"memory":"128Mi","cpu":"100m"}}`),
		pod("d", `{"limits":{"memory":"1Gi"},"requests":{"cpu":"100m","memory":"128Mi"}}`),
		pod("e", `{"limits":{"memory":"256Mi","x}":"1"},"requests":null}`),
		pod("f", `{"limits":{"memory":"256Mi","x}":"1"},"requests":{}}`),
	}
	return map[string]string{
		"stream": strings.Join(pods, "\n---\n"),
		"list":   `{"apiVersion":"v1","kind":"List","items":[` + strings.Join(pods, ",\n") + "]}",
	}
}

// TestSharedResourceLists loads pods whose resource lists are written
// alike: they share one map each, lists written otherwise have their own,
// and every pod is as the reference path, which shares nothing, decodes
// it.
func TestSharedResourceLists(t *testing.T) {
	for format, data := range sharedPods(t) {
		t.Run(format, func(t *testing.T) {
			loadBoth(t, "in.json", []byte(data))
			l := New("x", Options{})
			l.Bytes("in.json", []byte(data))
			snap, _, err := l.Result()
			if err != nil || len(snap.Pods) != 6 {
				t.Fatalf("err %v, %d pods", err, len(snap.Pods))
			}
			res := func(i int) corev1.ResourceRequirements { return snap.Pods[i].Spec.Containers[0].Resources }
			same := func(a, b corev1.ResourceList) bool {
				return reflect.ValueOf(a).UnsafePointer() == reflect.ValueOf(b).UnsafePointer()
			}
			for _, c := range []struct {
				name string
				a, b corev1.ResourceList
				want bool
			}{
				{"limits written alike", res(0).Limits, res(1).Limits, true},
				{"requests written alike", res(0).Requests, res(1).Requests, true},
				{"requests written in another order", res(0).Requests, res(2).Requests, false},
				{"other limits", res(0).Limits, res(3).Limits, false},
				{"limits with a brace in a string", res(4).Limits, res(5).Limits, false},
			} {
				if got := same(c.a, c.b); got != c.want {
					t.Errorf("%s: shared %v, want %v", c.name, got, c.want)
				}
			}
			if res(4).Requests != nil || res(5).Requests == nil || len(res(5).Requests) != 0 {
				t.Errorf("null and empty requests: %v, %v", res(4).Requests, res(5).Requests)
			}
		})
	}
}

// TestSharedListMergedApart decodes a field given twice (which JSON as
// a fast path writes may hold) after a list shared with another
// container: the second value merges into a map of its own, and the other
// container's list is unchanged.
func TestSharedListMergedApart(t *testing.T) {
	lists := new(sharedLists)
	decode := func(js string) (corev1.ResourceRequirements, bool) {
		var r corev1.ResourceRequirements
		d := tdec{js: []byte(js), in: new(interner), lists: lists}
		ok := d.dec_kcorev1_ResourceRequirements(&r)
		return r, ok && d.pos == len(js)
	}
	first, ok1 := decode(`{"limits":{"cpu":"1"}}`)
	second, ok2 := decode(`{"limits":{"cpu":"1"},"limits":{"memory":"1Gi"}}`)
	if !ok1 || !ok2 {
		t.Fatalf("decode: %v %v", ok1, ok2)
	}
	want := corev1.ResourceList{"cpu": resource.MustParse("1")}
	if diff := cmp.Diff(want.Cpu().String(), first.Limits.Cpu().String()); diff != "" || len(first.Limits) != 1 {
		t.Errorf("the first container's limits changed: %v", first.Limits)
	}
	if len(second.Limits) != 2 {
		t.Errorf("the second value was not merged: %v", second.Limits)
	}
}

// TestSharedListDepth holds a shared list to the depth raw JSON may
// reach: one that fails there without a shared list fails with one.
func TestSharedListDepth(t *testing.T) {
	js := `{"cpu":"1"}`
	lists := new(sharedLists)
	for _, c := range []struct {
		depth int
		want  bool
	}{{2, true}, {maxDepth - 1, true}, {maxDepth, false}, {2, true}} {
		for _, l := range []*sharedLists{nil, lists} {
			var v corev1.ResourceList
			d := tdec{js: []byte(js), raw: true, depth: c.depth, in: new(interner), lists: l}
			if ok := d.decResourceList(&v); ok != c.want {
				t.Errorf("depth %d, shared %v: ok %v, want %v", c.depth, l != nil, ok, c.want)
			}
		}
	}
	if len(lists[1]) != 1 {
		t.Errorf("raw lists shared: %v", lists[1])
	}
}
