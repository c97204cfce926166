package load

import (
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// A big cluster repeats a few thousand namespaces, label pairs and
// annotation keys over its objects, and apimachinery checks each with
// regular expressions, every time. A memo remembers what those checks
// passed, so that they run once for each distinct string: a value is
// remembered only after apimachinery's own function passed it, and
// anything not remembered goes to that function, which words every error
// as before. A nil memo remembers nothing (the reference path).

// A memo is what the batches of one goroutine of a load remember of the
// checks that passed, in turn: a memo is never shared between goroutines,
// nor between loads.
type memo struct {
	namespaces     map[string]struct{}
	labels         map[labelPair]struct{}
	annotationKeys map[string]struct{}
}

// labelPair is a label's key and value.
type labelPair struct{ key, value string }

// memoMax is how many strings and pairs a memo holds before it forgets
// them all, so that a memo stays small on any input.
const memoMax = 1 << 16

// memo returns the batch's memo, made on first use; nil on the reference
// path.
func (b *batch) memo() *memo {
	if b.reference {
		return nil
	}
	if b.checked == nil {
		b.checked = new(memo)
	}
	return b.checked
}

// remembering makes b remember what from remembered, and what it will
// remember (its memo and its shared resource lists): b is built on the
// goroutine that built from, after it.
func (b *batch) remembering(from *batch) *batch {
	if !b.reference {
		b.checked, b.shared = from.memo(), from.lists()
	}
	return b
}

// room makes room in the memo for one more entry: when it is full, it
// forgets everything.
func (m *memo) room() {
	if len(m.namespaces)+len(m.labels)+len(m.annotationKeys) < memoMax {
		return
	}
	clear(m.namespaces)
	clear(m.labels)
	clear(m.annotationKeys)
}

// passLabels reports whether every pair of labels passes
// metav1validation.ValidateLabels: a pair not remembered is checked
// alone, and remembered when it passes. Always false without a memo.
func (m *memo) passLabels(labels map[string]string) bool {
	if m == nil {
		return false
	}
	for k, v := range labels {
		if _, ok := m.labels[labelPair{k, v}]; ok {
			continue
		}
		if len(metav1validation.ValidateLabels(map[string]string{k: v}, somewhere)) > 0 {
			return false
		}
		if m.labels == nil {
			m.labels = map[labelPair]struct{}{}
		}
		m.room()
		m.labels[labelPair{k, v}] = struct{}{}
	}
	return true
}

// passNamespace reports whether ValidateNamespaceName passes ns, checked
// once a namespace.
func (m *memo) passNamespace(ns string) bool {
	if _, ok := m.namespaces[ns]; ok {
		return true
	}
	if len(apivalidation.ValidateNamespaceName(ns, false)) > 0 {
		return false
	}
	if m.namespaces == nil {
		m.namespaces = map[string]struct{}{}
	}
	m.room()
	m.namespaces[ns] = struct{}{}
	return true
}

// passAnnotations reports whether ValidateAnnotations passes
// annotations: each key is checked once, and their size every time.
func (m *memo) passAnnotations(annotations map[string]string) bool {
	if len(annotations) == 0 {
		return true
	}
	for k := range annotations {
		if _, ok := m.annotationKeys[k]; ok {
			continue
		}
		if len(apivalidation.ValidateAnnotations(map[string]string{k: ""}, somewhere)) > 0 {
			return false
		}
		if m.annotationKeys == nil {
			m.annotationKeys = map[string]struct{}{}
		}
		m.room()
		m.annotationKeys[k] = struct{}{}
	}
	return apivalidation.ValidateAnnotationsSize(annotations) == nil
}

// validateLabels is metav1validation.ValidateLabels, at the path at
// makes, for labels some pair of which does not pass.
func (m *memo) validateLabels(labels map[string]string, at func() *field.Path) field.ErrorList {
	if len(labels) == 0 || m.passLabels(labels) {
		return nil
	}
	return metav1validation.ValidateLabels(labels, at())
}

// selector validates a label selector as the API server does, at the
// path at makes, unless it only matches labels, which all pass.
func (m *memo) selector(s *metav1.LabelSelector, at func() *field.Path) field.ErrorList {
	if s == nil || len(s.MatchExpressions) == 0 && m.passLabels(s.MatchLabels) {
		return nil
	}
	return selector(s, at())
}

// matchesKnown reports, for a selector of match labels only that all
// pass, whether it matches labels, as metav1.LabelSelectorAsSelector's
// selector would: every pair present. ok is false for any other
// selector.
func (m *memo) matchesKnown(s *metav1.LabelSelector, labels map[string]string) (matches, ok bool) {
	if len(s.MatchExpressions) > 0 || !m.passLabels(s.MatchLabels) {
		return false, false
	}
	for k, v := range s.MatchLabels {
		if got, has := labels[k]; !has || got != v {
			return false, true
		}
	}
	return true, true
}

// metadataPath and ownerReferencesPath are the paths of every object's
// metadata checks; paths are never changed once made.
var (
	metadataPath        = field.NewPath("metadata")
	ownerReferencesPath = metadataPath.Child("ownerReferences")
)

// validateMeta is apimachinery's ValidateObjectMetaAccessor, answered at
// once for metadata each part of which passes apimachinery's check of
// it, the memo's strings checked once each. Metadata that does not pass
// goes to ValidateObjectMetaAccessor whole, for its errors.
func (m *memo) validateMeta(o metav1.Object, namespaced bool, name apivalidation.ValidateNameFunc) field.ErrorList {
	if m.passMeta(o, namespaced, name) {
		return nil
	}
	return apivalidation.ValidateObjectMetaAccessor(o, namespaced, name, metadataPath)
}

// passMeta reports whether ValidateObjectMetaAccessor passes o, part by
// part, as it checks them: a name name passes and no generateName, a
// namespace that passes (when namespaced, else none), a generation not
// negative, labels and annotations that pass, owner references
// apimachinery passes, no finalizers and no managed fields. Always false
// without a memo.
func (m *memo) passMeta(o metav1.Object, namespaced bool, name apivalidation.ValidateNameFunc) bool {
	if m == nil || o.GetName() == "" || o.GetGenerateName() != "" || o.GetGeneration() < 0 ||
		len(o.GetFinalizers()) > 0 || len(o.GetManagedFields()) > 0 {
		return false
	}
	if ns := o.GetNamespace(); namespaced != (ns != "") || namespaced && !m.passNamespace(ns) {
		return false
	}
	if !m.passLabels(o.GetLabels()) || !m.passAnnotations(o.GetAnnotations()) {
		return false
	}
	if refs := o.GetOwnerReferences(); len(refs) > 0 && len(apivalidation.ValidateOwnerReferences(refs, ownerReferencesPath)) > 0 {
		return false
	}
	return len(name(o.GetName(), false)) == 0
}
