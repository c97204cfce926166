package snapshot

import (
	"reflect"
	"slices"
	"sort"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// Add appends a typed object to the matching slice and reports whether its
// type is one the snapshot models (a row of Kinds). Secrets are stripped of
// their values.
func (s *Snapshot) Add(obj runtime.Object) bool {
	i, ok := byType[reflect.TypeOf(obj)]
	return ok && Kinds[i].ops.add(s, obj)
}

// grow appends x, doubling the slice when full: append alone grows big
// slices by a quarter, and copying 100,000 pods of a kilobyte each time
// is most of what adding them costs.
func grow[T any](xs []T, x T) []T {
	if len(xs) == cap(xs) {
		xs = slices.Grow(xs, max(len(xs), 16))
	}
	return append(xs, x)
}

// StripSecret returns the secret's metadata and type without its values.
// The last-applied-configuration annotation would carry the values too, so
// it is dropped.
func StripSecret(in *corev1.Secret) corev1.Secret {
	out := corev1.Secret{TypeMeta: in.TypeMeta, ObjectMeta: *in.ObjectMeta.DeepCopy(), Type: in.Type, Immutable: in.Immutable}
	delete(out.Annotations, corev1.LastAppliedConfigAnnotation)
	out.ManagedFields = nil
	return out
}

// Object is one object of the snapshot with its kind.
type Object struct {
	Kind string
	Obj  interface {
		metav1.Object
		runtime.Object
	}
}

// Objects lists every modelled object, in the order of Kinds (that of the
// Snapshot fields).
func (s *Snapshot) Objects() []Object {
	n := 0
	for _, k := range Kinds {
		n += k.Len(s)
	}
	if n == 0 {
		return nil
	}
	out := make([]Object, 0, n)
	for _, k := range Kinds {
		for i := range k.Len(s) {
			out = append(out, k.At(s, i))
		}
	}
	return out
}

// Counts returns how many objects of each modelled kind the snapshot holds,
// synthetic pods excluded.
func (s *Snapshot) Counts() map[string]int {
	c := map[string]int{}
	for row, k := range Kinds {
		n := k.Len(s)
		if row == podsRow {
			for i := range s.Pods {
				if IsSynthetic(&s.Pods[i]) {
					c["Pod (representative)"]++
					n--
				}
			}
		}
		if n > 0 {
			c[k.GVK.Kind] += n
		}
	}
	return c
}

// ReferencedNamespaces lists, sorted, every namespace that a namespaced
// object of the snapshot lives in.
func (s *Snapshot) ReferencedNamespaces() []string {
	seen := map[string]bool{}
	for _, k := range Kinds {
		last := "" // a kind's objects mostly come sorted by namespace
		for i := range k.Len(s) {
			if ns := k.ops.at(s, i).GetNamespace(); ns != "" && ns != last {
				seen[ns], last = true, ns
			}
		}
	}
	out := make([]string, 0, len(seen))
	for ns := range seen {
		out = append(out, ns)
	}
	sort.Strings(out)
	return out
}
