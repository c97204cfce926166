package load

import (
	"reflect"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"

	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
)

// Scheme knows every built-in Kubernetes type, so that a kind the snapshot
// does not model is still decoded and counted, plus the types of every
// group version of snapshot.Kinds (the AdminNetworkPolicy CRDs).
var Scheme = newScheme()

// deserializer decodes strictly, as kubectl's default --validate=strict
// asks the API server to: an unknown or duplicated field is an error, but
// the object still comes back from the same single decode.
var deserializer = serializer.NewCodecFactory(Scheme, serializer.EnableStrict).UniversalDeserializer()

// The scope of a kind the snapshot models is its row's, in snapshot.Kinds.
func init() {
	for _, k := range snapshot.Kinds {
		if !k.Namespaced {
			clusterScoped[k.GVK.GroupKind()] = true
		}
	}
}

func newScheme() *runtime.Scheme {
	s := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(s); err != nil {
		panic(err) // static registration; cannot fail at run time
	}
	added := map[schema.GroupVersion]bool{}
	for _, k := range snapshot.Kinds {
		if gv := k.GVK.GroupVersion(); !added[gv] {
			added[gv] = true
			if err := k.AddToScheme(s); err != nil {
				panic(err)
			}
		}
	}
	return s
}

// KindOf returns the group, version and kind of a typed object: its row's
// in snapshot.Kinds, or the Scheme's for a kind the snapshot does not
// model.
func KindOf(obj runtime.Object) (schema.GroupVersionKind, error) {
	if k, ok := snapshot.KindOf(obj); ok {
		return k.GVK, nil
	}
	gvks, _, err := Scheme.ObjectKinds(obj)
	if err != nil {
		return schema.GroupVersionKind{}, err
	}
	return gvks[0], nil
}

// constructor returns what makes new objects of gvk, as Scheme.New
// does: for a kind the snapshot models, the elements of slices of its
// row's type, made a few at a time (one allocation for up to slabMax
// objects, which a load keeps, or drops, together anyway) without the
// Scheme's lookups; Scheme.New for another kind. nil when the Scheme
// does not know the kind. What it returns is not safe for concurrent
// use.
func constructor(gvk schema.GroupVersionKind) func() runtime.Object {
	for _, k := range snapshot.Kinds {
		if k.GVK == gvk {
			return slab(reflect.ValueOf(k.NewList()).Elem().FieldByName("Items").Type())
		}
	}
	if !Scheme.Recognizes(gvk) {
		return nil
	}
	return func() runtime.Object {
		obj, err := Scheme.New(gvk)
		if err != nil {
			panic(err) // recognised kinds are made
		}
		return obj
	}
}

// slabMax is how many objects slab makes at once, at most.
const slabMax = 64

// slab returns what hands out the elements of slices of items (a list's
// []corev1.Pod) one by one, as objects: a slice of one element first,
// then of twice as many as the last, up to slabMax.
func slab(items reflect.Type) func() runtime.Object {
	var s reflect.Value
	next := 0
	return func() runtime.Object {
		if !s.IsValid() || next == s.Len() {
			n := 1
			if s.IsValid() {
				n = min(2*s.Len(), slabMax)
			}
			s, next = reflect.MakeSlice(items, n, n), 0
		}
		next++
		return s.Index(next - 1).Addr().Interface().(runtime.Object)
	}
}
