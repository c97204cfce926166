package snapshot

import (
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// metaObject is an object with metadata, as Object holds it.
type metaObject interface {
	metav1.Object
	runtime.Object
}

// kindOps is what a row of Kinds does with a Snapshot's slice of its kind.
type kindOps interface {
	newObject() runtime.Object
	newList() runtime.Object
	add(s *Snapshot, obj runtime.Object) bool
	len(s *Snapshot) int
	at(s *Snapshot, i int) metaObject
	grow(s *Snapshot, n int)
	truncate(s *Snapshot, n int)
	appendList(s *Snapshot, list runtime.Object) (int, error)
	sort(s *Snapshot, namespaced bool)
	share(dst, src *Snapshot)
	// defaulted reports whether applyDefault changes objects of the kind.
	defaulted() bool
	// copyObject returns a deep copy of obj, which is of the kind, as
	// Add keeps it (a Secret without its values).
	copyObject(obj runtime.Object) (metaObject, bool)
	// fill sets s's slice of the kind to the objects, in order.
	fill(s *Snapshot, objs []metaObject)
	// patch sets dst's slice of the kind to src's, sorted by namespace
	// and name without two of one identity, with the changes made: each
	// replaces (or adds) the object of its identity, or deletes it.
	patch(dst, src *Snapshot, changes []change)
	// segment sets dst's slice of the kind to the part of src's, sorted
	// by namespace, in namespace ns.
	segment(dst, src *Snapshot, ns string)
}

// pointer is *T of an object type T.
type pointer[T any] interface {
	*T
	metaObject
}

// listPointer is *L of a list type L.
type listPointer[L any] interface {
	*L
	runtime.Object
}

// slot implements kindOps for objects of type T in lists of type L, kept
// in the Snapshot slice field returns.
type slot[T, L any, PT pointer[T], PL listPointer[L]] struct {
	field func(*Snapshot) *[]T
	// items is the index of L's Items field.
	items int
	// keep, when set, is what Add keeps of an object (Secrets: no values).
	keep func(*T) T
}

// define makes the row of a kind whose objects are T, listed as L, kept in
// the Snapshot slice field returns.
func define[T, L any, PT pointer[T], PL listPointer[L]](gv schema.GroupVersion, kind, resource string, namespaced bool, live Live, addToScheme func(*runtime.Scheme) error, field func(*Snapshot) *[]T) Kind {
	f, ok := reflect.TypeFor[L]().FieldByName("Items")
	if !ok || f.Type != reflect.TypeFor[[]T]() {
		panic(fmt.Sprintf("snapshot: %s has no Items of %s", reflect.TypeFor[L](), reflect.TypeFor[T]())) // a wrong row, found by any test
	}
	return Kind{
		GVK:         gv.WithKind(kind),
		Resource:    resource,
		Namespaced:  namespaced,
		Live:        live,
		AddToScheme: addToScheme,
		ops:         &slot[T, L, PT, PL]{field: field, items: f.Index[0]},
	}
}

// keeping sets what Add keeps of an object of the kind.
func (k Kind) keeping(keep any) Kind {
	k.ops = k.ops.(interface{ withKeep(any) kindOps }).withKeep(keep)
	return k
}

func (o *slot[T, L, PT, PL]) withKeep(keep any) kindOps {
	c := *o
	c.keep = keep.(func(*T) T)
	return &c
}

func (o *slot[T, L, PT, PL]) newObject() runtime.Object { return PT(new(T)) }
func (o *slot[T, L, PT, PL]) newList() runtime.Object   { return PL(new(L)) }
func (o *slot[T, L, PT, PL]) len(s *Snapshot) int       { return len(*o.field(s)) }

func (o *slot[T, L, PT, PL]) add(s *Snapshot, obj runtime.Object) bool {
	p, ok := obj.(PT)
	if !ok {
		return false
	}
	xs := o.field(s)
	if o.keep != nil {
		*xs = grow(*xs, o.keep(p))
	} else {
		*xs = grow(*xs, *p)
	}
	return true
}

func (o *slot[T, L, PT, PL]) at(s *Snapshot, i int) metaObject {
	return PT(&(*o.field(s))[i])
}

func (o *slot[T, L, PT, PL]) grow(s *Snapshot, n int) {
	xs := o.field(s)
	*xs = slices.Grow(*xs, n)
}

func (o *slot[T, L, PT, PL]) truncate(s *Snapshot, n int) {
	xs := o.field(s)
	if n < 0 {
		*xs = nil
		return
	}
	*xs = (*xs)[:n]
}

func (o *slot[T, L, PT, PL]) appendList(s *Snapshot, list runtime.Object) (int, error) {
	l, ok := list.(PL)
	if !ok {
		return 0, fmt.Errorf("a list of %s is a %T, not a %T", reflect.TypeFor[T]().Name(), list, PL(nil))
	}
	got := reflect.ValueOf(l).Elem().Field(o.items).Interface().([]T)
	xs := o.field(s)
	*xs = append(*xs, got...)
	return len(got), nil
}

// sort sorts the objects by namespace and name; a cluster-scoped kind's by
// name alone.
func (o *slot[T, L, PT, PL]) sort(s *Snapshot, namespaced bool) {
	xs := *o.field(s)
	sortBy(xs, func(i int) (string, string) {
		p := PT(&xs[i])
		if !namespaced {
			return "", p.GetName()
		}
		return p.GetNamespace(), p.GetName()
	})
}

// share sets dst's slice of the kind to src's, without copying the
// objects: the capacity is cut to the length, so that an append to
// either copies instead of writing into what both share.
func (o *slot[T, L, PT, PL]) share(dst, src *Snapshot) {
	xs := *o.field(src)
	*o.field(dst) = xs[:len(xs):len(xs)]
}

func (o *slot[T, L, PT, PL]) defaulted() bool { return defaultedKinds[reflect.TypeFor[PT]()] }

func (o *slot[T, L, PT, PL]) copyObject(obj runtime.Object) (metaObject, bool) {
	p, ok := obj.(PT)
	if !ok {
		return nil, false
	}
	if o.keep != nil {
		c := o.keep(p)
		return PT(&c), true
	}
	return p.DeepCopyObject().(PT), true
}

func (o *slot[T, L, PT, PL]) fill(s *Snapshot, objs []metaObject) {
	if len(objs) == 0 {
		*o.field(s) = nil
		return
	}
	xs := make([]T, len(objs))
	for i, obj := range objs {
		xs[i] = *obj.(PT)
	}
	*o.field(s) = xs
}

func (o *slot[T, L, PT, PL]) patch(dst, src *Snapshot, changes []change) {
	old := *o.field(src)
	out := make([]T, 0, len(old)+len(changes))
	i := 0
	for _, c := range changes {
		j := i + sort.Search(len(old)-i, func(k int) bool { return compareKey(PT(&old[i+k]), c.namespace, c.name) >= 0 })
		out = append(out, old[i:j]...)
		i = j
		if i < len(old) && compareKey(PT(&old[i]), c.namespace, c.name) == 0 {
			i++ // replaced or deleted
		}
		if c.obj != nil {
			out = append(out, *c.obj.(PT))
		}
	}
	out = append(out, old[i:]...)
	if len(out) == 0 {
		out = nil
	}
	*o.field(dst) = out
}

func (o *slot[T, L, PT, PL]) segment(dst, src *Snapshot, ns string) {
	xs := *o.field(src)
	lo := sort.Search(len(xs), func(i int) bool { return PT(&xs[i]).GetNamespace() >= ns })
	hi := lo + sort.Search(len(xs)-lo, func(i int) bool { return PT(&xs[lo+i]).GetNamespace() > ns })
	*o.field(dst) = xs[lo:hi:hi]
}

// compareKey orders an object against a namespace and name, as the sort
// of a snapshot does (compareNames).
func compareKey(obj metaObject, namespace, name string) int {
	return compareNames(obj.GetNamespace(), obj.GetName(), namespace, name)
}

// compareNames orders objects as the sort of a snapshot does: by
// namespace, then name.
func compareNames(namespaceA, nameA, namespaceB, nameB string) int {
	if c := strings.Compare(namespaceA, namespaceB); c != 0 {
		return c
	}
	return strings.Compare(nameA, nameB)
}
