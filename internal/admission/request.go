package admission

import (
	"encoding/json"
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	anp "sigs.k8s.io/network-policy-api/apis/v1alpha1"
)

// Operation is the API operation of a request, as admission review names
// it.
type Operation string

const (
	Create Operation = "CREATE"
	Update Operation = "UPDATE"
	Delete Operation = "DELETE"
)

// User is who sends the request.
type User struct {
	Name   string
	Groups []string
}

// Request is one object the API server is about to store.
type Request struct {
	Operation Operation
	// Kind is the object's kind; SubResource the subresource written
	// ("status", "finalize", "ephemeralcontainers"), if any.
	Kind        schema.GroupVersionKind
	SubResource string
	// Namespace is the request's namespace ("" for a cluster-scoped
	// object); Name the object's.
	Namespace, Name string
	// Object is the object as it would be stored, OldObject the stored
	// one of an update. Both are typed (Decode).
	Object, OldObject runtime.Object
	User              User
}

// newObject returns an empty typed object of the kinds Decide judges.
func newObject(gvk schema.GroupVersionKind) (runtime.Object, bool) {
	switch gvk {
	case corev1.SchemeGroupVersion.WithKind("Pod"):
		return &corev1.Pod{}, true
	case corev1.SchemeGroupVersion.WithKind("Service"):
		return &corev1.Service{}, true
	case corev1.SchemeGroupVersion.WithKind("PersistentVolumeClaim"):
		return &corev1.PersistentVolumeClaim{}, true
	case corev1.SchemeGroupVersion.WithKind("Namespace"):
		return &corev1.Namespace{}, true
	case appsv1.SchemeGroupVersion.WithKind("Deployment"):
		return &appsv1.Deployment{}, true
	case appsv1.SchemeGroupVersion.WithKind("StatefulSet"):
		return &appsv1.StatefulSet{}, true
	case appsv1.SchemeGroupVersion.WithKind("DaemonSet"):
		return &appsv1.DaemonSet{}, true
	case appsv1.SchemeGroupVersion.WithKind("ReplicaSet"):
		return &appsv1.ReplicaSet{}, true
	case batchv1.SchemeGroupVersion.WithKind("Job"):
		return &batchv1.Job{}, true
	case batchv1.SchemeGroupVersion.WithKind("CronJob"):
		return &batchv1.CronJob{}, true
	case rbacv1.SchemeGroupVersion.WithKind("Role"):
		return &rbacv1.Role{}, true
	case rbacv1.SchemeGroupVersion.WithKind("ClusterRole"):
		return &rbacv1.ClusterRole{}, true
	case corev1.SchemeGroupVersion.WithKind("ServiceAccount"):
		return &corev1.ServiceAccount{}, true
	case anp.SchemeGroupVersion.WithKind("AdminNetworkPolicy"):
		return &anp.AdminNetworkPolicy{}, true
	case anp.SchemeGroupVersion.WithKind("BaselineAdminNetworkPolicy"):
		return &anp.BaselineAdminNetworkPolicy{}, true
	case rbacv1.SchemeGroupVersion.WithKind("RoleBinding"):
		return &rbacv1.RoleBinding{}, true
	case rbacv1.SchemeGroupVersion.WithKind("ClusterRoleBinding"):
		return &rbacv1.ClusterRoleBinding{}, true
	case networkingv1.SchemeGroupVersion.WithKind("NetworkPolicy"):
		return &networkingv1.NetworkPolicy{}, true
	case networkingv1.SchemeGroupVersion.WithKind("Ingress"):
		return &networkingv1.Ingress{}, true
	case corev1.SchemeGroupVersion.WithKind("Endpoints"):
		return &corev1.Endpoints{}, true
	case discoveryv1.SchemeGroupVersion.WithKind("EndpointSlice"):
		return &discoveryv1.EndpointSlice{}, true
	}
	return nil, false
}

// Judged reports whether Decide judges objects of a kind; it admits any
// other.
func Judged(gvk schema.GroupVersionKind) bool {
	_, ok := newObject(gvk)
	return ok
}

// Decode reads the JSON of an object of a kind Decide judges into its
// typed form. An empty raw object is nil, without error.
func Decode(gvk schema.GroupVersionKind, raw []byte) (runtime.Object, error) {
	if len(raw) == 0 {
		return nil, nil
	}
	obj, ok := newObject(gvk)
	if !ok {
		return nil, fmt.Errorf("kind %s is not judged", gvk)
	}
	if err := json.Unmarshal(raw, obj); err != nil {
		return nil, fmt.Errorf("decode %s: %w", gvk.Kind, err)
	}
	return obj, nil
}
