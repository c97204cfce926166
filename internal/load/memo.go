package load

import (
	"sync"

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

// A memo is what one batch at a time remembers of the checks that
// passed.
type memo struct {
	namespaces     map[string]struct{}
	labels         map[labelPair]struct{}
	annotationKeys map[string]struct{}
}

// labelPair is a label's key and value.
type labelPair struct{ key, value string }

// memoMax is how many strings and pairs a memo holds before it forgets
// them all, so that a long run's memo stays small.
const memoMax = 1 << 15

// memos hands a batch a memo that earlier batches filled.
var memos = sync.Pool{New: func() any {
	return &memo{namespaces: map[string]struct{}{}, labels: map[labelPair]struct{}{}, annotationKeys: map[string]struct{}{}}
}}

// memo returns the batch's memo, nil for the reference path.
func (b *batch) memo() *memo {
	if b.reference {
		return nil
	}
	if b.checked == nil {
		b.checked = memos.Get().(*memo)
	}
	return b.checked
}

// release hands the batch's memo back for other batches.
func (b *batch) release() {
	if b.checked == nil {
		return
	}
	m := b.checked
	b.checked = nil
	if len(m.namespaces)+len(m.labels)+len(m.annotationKeys) > memoMax {
		clear(m.namespaces)
		clear(m.labels)
		clear(m.annotationKeys)
	}
	memos.Put(m)
}

// knownLabels reports whether every pair of labels passed before.
func (m *memo) knownLabels(labels map[string]string) bool {
	if m == nil {
		return false
	}
	for k, v := range labels {
		if _, ok := m.labels[labelPair{k, v}]; !ok {
			return false
		}
	}
	return true
}

func (m *memo) rememberLabels(labels map[string]string) {
	if m == nil {
		return
	}
	for k, v := range labels {
		m.labels[labelPair{k, v}] = struct{}{}
	}
}

// validateLabels is metav1validation.ValidateLabels, at the path at
// makes, for labels some pair of which has not passed before.
func (m *memo) validateLabels(labels map[string]string, at func() *field.Path) field.ErrorList {
	if len(labels) == 0 || m.knownLabels(labels) {
		return nil
	}
	errs := metav1validation.ValidateLabels(labels, at())
	if len(errs) == 0 {
		m.rememberLabels(labels)
	}
	return errs
}

// selector validates a label selector as the API server does, at the
// path at makes, unless it only matches labels that passed before.
func (m *memo) selector(s *metav1.LabelSelector, at func() *field.Path) field.ErrorList {
	if s == nil || len(s.MatchExpressions) == 0 && m.knownLabels(s.MatchLabels) {
		return nil
	}
	errs := selector(s, at())
	if len(errs) == 0 {
		m.rememberLabels(s.MatchLabels)
	}
	return errs
}

// matchesKnown reports, for a selector of match labels only that all
// passed before, whether it matches labels, as
// metav1.LabelSelectorAsSelector's selector would: every pair present.
// ok is false for any other selector.
func (m *memo) matchesKnown(s *metav1.LabelSelector, labels map[string]string) (matches, ok bool) {
	if len(s.MatchExpressions) > 0 || !m.knownLabels(s.MatchLabels) {
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
// once for metadata whose namespace, labels and annotation keys all
// passed it before and whose other fields pass the checks of theirs that
// need no regular expression (apimachinery's too).
func (m *memo) validateMeta(o metav1.Object, namespaced bool, name apivalidation.ValidateNameFunc) field.ErrorList {
	if m.knownMeta(o, namespaced, name) {
		return nil
	}
	errs := apivalidation.ValidateObjectMetaAccessor(o, namespaced, name, metadataPath)
	if len(errs) == 0 && m != nil {
		if namespaced {
			m.namespaces[o.GetNamespace()] = struct{}{}
		}
		m.rememberLabels(o.GetLabels())
		for k := range o.GetAnnotations() {
			m.annotationKeys[k] = struct{}{}
		}
	}
	return errs
}

// knownMeta reports whether ValidateObjectMetaAccessor passes o by what
// the memo remembers: a name name passes and no generateName, the
// namespace (when namespaced, else none), the labels and the annotation
// keys passed before, annotations within their size, a generation not
// negative, owner references apimachinery passes, no finalizers and no
// managed fields.
func (m *memo) knownMeta(o metav1.Object, namespaced bool, name apivalidation.ValidateNameFunc) bool {
	if m == nil || o.GetName() == "" || o.GetGenerateName() != "" || o.GetGeneration() < 0 ||
		len(o.GetFinalizers()) > 0 || len(o.GetManagedFields()) > 0 {
		return false
	}
	if ns := o.GetNamespace(); namespaced != (ns != "") {
		return false
	} else if _, ok := m.namespaces[ns]; namespaced && !ok {
		return false
	}
	if !m.knownLabels(o.GetLabels()) {
		return false
	}
	annotations := o.GetAnnotations()
	for k := range annotations {
		if _, ok := m.annotationKeys[k]; !ok {
			return false
		}
	}
	if len(annotations) > 0 && apivalidation.ValidateAnnotationsSize(annotations) != nil {
		return false
	}
	if refs := o.GetOwnerReferences(); len(refs) > 0 && len(apivalidation.ValidateOwnerReferences(refs, ownerReferencesPath)) > 0 {
		return false
	}
	return len(name(o.GetName(), false)) == 0
}
