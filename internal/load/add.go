package load

import (
	"errors"
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// identity is what the API server keys an object by.
type identity struct {
	gk        schema.GroupKind
	namespace string
	name      string
}

func (id identity) String() string {
	if id.namespace == "" {
		return id.gk.Kind + " " + id.name
	}
	return id.gk.Kind + " " + id.namespace + "/" + id.name
}

// origin is where an object was first read, and the object as read.
type origin struct {
	where string
	obj   runtime.Object
}

// add readies a decoded object as the API server would hold it: in the
// chosen namespace when it has none and its kind is namespaced, with no
// namespace when its kind is cluster-scoped. An object the server would
// refuse is a Problem; place takes the others.
func (b *batch) add(where string, gvk schema.GroupVersionKind, obj runtime.Object) {
	m, ok := obj.(metav1.Object)
	validate, modelled := validators[gvk.GroupKind()]
	if !ok || !modelled {
		b.unknown(gvk.GroupVersion().String(), gvk.Kind)
		return
	}
	m.SetManagedFields(nil)
	ns := namespaced(gvk.GroupKind())
	defaulted := false
	if ns {
		if m.GetNamespace() == "" {
			m.SetNamespace(b.opts.Namespace)
			defaulted = true
		}
	} else {
		m.SetNamespace("") // the server ignores it on a cluster-scoped kind
	}
	if errs := validate(b.memo(), obj, ns); len(errs) > 0 {
		b.skip(where, "%s %s refused by the API server: %s", gvk.Kind, displayName(m), errorText(errs))
		return
	}
	b.ops = append(b.ops, op{where: where, gvk: gvk, obj: obj, line: b.line, defaulted: defaulted})
}

// place adds an object readied by add to the snapshot: a second copy of
// one already read is merged (a Warning) or refused (an error naming
// both).
func (l *Loader) place(where string, line int, gvk schema.GroupVersionKind, obj runtime.Object) {
	m := obj.(metav1.Object)
	if m.GetName() != "" {
		id := identity{gvk.GroupKind(), m.GetNamespace(), m.GetName()}
		if first, dup := l.seen[id]; dup {
			l.duplicate(where, id, first, obj)
			return
		}
		l.seen[id] = origin{where, obj}
		l.locate(where, line, gvk.Kind, id.namespace, id.name)
	}
	if !l.snap.Add(obj) {
		l.unknown(gvk.GroupVersion().String() + "/" + gvk.Kind)
		return
	}
	l.stats.Objects++
}

// duplicate handles a second object with the identity of one read before.
func (l *Loader) duplicate(where string, id identity, first origin, obj runtime.Object) {
	if equality.Semantic.DeepEqual(first.obj, obj) {
		l.stats.Merged++
		l.warning(where, "%s is identical to the one at %s; merged", id, first.where)
		return
	}
	err := conflictError{fmt.Sprintf("%s is defined twice, differently, at %s and at %s: the API server holds one object per name, so the input does not say which one the cluster has", id, first.where, where)}
	if l.conflictsAsProblems {
		l.stats.Skipped++
		l.problem(where, "%v", err)
		return
	}
	l.conflicts = append(l.conflicts, err)
}

// conflictError is an object defined twice, differently (see duplicate).
type conflictError struct{ msg string }

func (e conflictError) Error() string { return e.msg }

// IsConflict reports whether err says an object was defined twice,
// differently.
func IsConflict(err error) bool {
	var c conflictError
	return errors.As(err, &c)
}

func displayName(m metav1.Object) string {
	name := m.GetName()
	if name == "" {
		name = "(unnamed)"
	}
	if m.GetNamespace() == "" {
		return name
	}
	return m.GetNamespace() + "/" + name
}

// errorText joins validation errors as the API server words them.
func errorText(errs field.ErrorList) string {
	msgs := make([]string, 0, len(errs))
	for _, e := range errs {
		msgs = append(msgs, e.Error())
	}
	return strings.Join(msgs, "; ")
}
