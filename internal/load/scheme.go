package load

import (
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	anpv1alpha1 "sigs.k8s.io/network-policy-api/apis/v1alpha1"
)

// Scheme knows every built-in Kubernetes type plus the AdminNetworkPolicy
// types.
var Scheme = newScheme()

// deserializer decodes strictly, as kubectl's default --validate=strict
// asks the API server to: an unknown or duplicated field is an error, but
// the object still comes back from the same single decode.
var deserializer = serializer.NewCodecFactory(Scheme, serializer.EnableStrict).UniversalDeserializer()

func newScheme() *runtime.Scheme {
	s := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(s); err != nil {
		panic(err) // static registration; cannot fail at run time
	}
	if err := anpv1alpha1.AddToScheme(s); err != nil {
		panic(err)
	}
	return s
}

// KindOf returns the group, version and kind of a typed object.
func KindOf(obj runtime.Object) (schema.GroupVersionKind, error) {
	gvks, _, err := Scheme.ObjectKinds(obj)
	if err != nil {
		return schema.GroupVersionKind{}, err
	}
	return gvks[0], nil
}
