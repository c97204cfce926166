package controller

import (
	"fmt"

	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
)

// policyBody is the server-side apply request of a desired NetworkPolicy:
// the policy as harden wrote it, marked as the controller's, without the
// fields a typed object carries empty (creationTimestamp, status), which
// the apply would otherwise claim.
func policyBody(np *networkingv1.NetworkPolicy) (*unstructured.Unstructured, error) {
	c := np.DeepCopy()
	if c.Annotations == nil {
		c.Annotations = map[string]string{}
	}
	c.Annotations[KeptByAnnotation] = FieldOwner
	m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(c)
	if err != nil {
		return nil, fmt.Errorf("convert: %w", err)
	}
	u := &unstructured.Unstructured{Object: m}
	u.SetAPIVersion(networkingv1.SchemeGroupVersion.String())
	u.SetKind("NetworkPolicy")
	unstructured.RemoveNestedField(u.Object, "metadata", "creationTimestamp")
	unstructured.RemoveNestedField(u.Object, "metadata", "resourceVersion")
	unstructured.RemoveNestedField(u.Object, "status")
	return u, nil
}

// namespaceBody is the server-side apply request that merges labels and
// the status annotation into a namespace, and names nothing else of it.
func namespaceBody(name string, labels map[string]string, status string) *unstructured.Unstructured {
	u := &unstructured.Unstructured{}
	u.SetAPIVersion("v1")
	u.SetKind("Namespace")
	u.SetName(name)
	if len(labels) > 0 {
		u.SetLabels(labels)
	}
	u.SetAnnotations(map[string]string{StatusAnnotation: status})
	return u
}
