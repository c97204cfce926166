package admission

import (
	"math/rand"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// TestSelectorIndex: the candidates of a label set hold every selector
// that selects it, over random selectors of every operator and random
// label sets.
func TestSelectorIndex(t *testing.T) {
	r := rand.New(rand.NewSource(3))
	keys, values := []string{"app", "role", "tier"}, []string{"a", "b", "c"}
	ops := []metav1.LabelSelectorOperator{metav1.LabelSelectorOpIn, metav1.LabelSelectorOpNotIn, metav1.LabelSelectorOpExists, metav1.LabelSelectorOpDoesNotExist}
	var sels []labels.Selector
	for i := 0; i < 300; i++ {
		ls := &metav1.LabelSelector{}
		if r.Intn(2) == 0 {
			ls.MatchLabels = map[string]string{keys[r.Intn(3)]: values[r.Intn(3)]}
		}
		for j := r.Intn(3); j > 0; j-- {
			e := metav1.LabelSelectorRequirement{Key: keys[r.Intn(3)], Operator: ops[r.Intn(4)]}
			if e.Operator == metav1.LabelSelectorOpIn || e.Operator == metav1.LabelSelectorOpNotIn {
				e.Values = values[:1+r.Intn(3)]
			}
			ls.MatchExpressions = append(ls.MatchExpressions, e)
		}
		sel, err := metav1.LabelSelectorAsSelector(ls)
		if err != nil {
			t.Fatal(err)
		}
		sels = append(sels, sel)
	}
	x := newSelectorIndex(len(sels), func(i int) labels.Selector { return sels[i] })
	if len(x.rest) == len(sels) {
		t.Fatal("no selector was filed by label: the index narrows nothing")
	}
	for n := 0; n < 500; n++ {
		set := labels.Set{}
		for _, k := range keys {
			if r.Intn(2) == 0 {
				set[k] = values[r.Intn(3)]
			}
		}
		got := map[int32]bool{}
		for _, i := range x.candidates(set) {
			got[i] = true
		}
		for i, sel := range sels {
			if sel.Matches(set) && !got[int32(i)] {
				t.Fatalf("%v selects %v, yet is no candidate", sel, set)
			}
		}
	}
}
