package load

import (
	"fmt"

	"k8s.io/apimachinery/pkg/runtime/schema"
)

// removal is an API version the API server no longer serves for a kind,
// and what replaced it.
type removal struct {
	release string // the Kubernetes release that stopped serving it
	use     string // the version to use instead; "" when none replaced it
}

// removedVersions are the versions of the deprecated API migration guide
// (kubernetes.io/docs/reference/using-api/deprecation-guide) that a
// current API server refuses, by group, version and kind; Kind "" stands
// for every kind of the group version.
var removedVersions = map[schema.GroupVersionKind]removal{
	{Group: "extensions", Version: "v1beta1", Kind: "DaemonSet"}:                                        {"1.16", "apps/v1"},
	{Group: "extensions", Version: "v1beta1", Kind: "Deployment"}:                                       {"1.16", "apps/v1"},
	{Group: "extensions", Version: "v1beta1", Kind: "ReplicaSet"}:                                       {"1.16", "apps/v1"},
	{Group: "extensions", Version: "v1beta1", Kind: "NetworkPolicy"}:                                    {"1.16", "networking.k8s.io/v1"},
	{Group: "extensions", Version: "v1beta1", Kind: "PodSecurityPolicy"}:                                {"1.16", ""},
	{Group: "extensions", Version: "v1beta1", Kind: "Ingress"}:                                          {"1.22", "networking.k8s.io/v1"},
	{Group: "apps", Version: "v1beta1"}:                                                                 {"1.16", "apps/v1"},
	{Group: "apps", Version: "v1beta2"}:                                                                 {"1.16", "apps/v1"},
	{Group: "networking.k8s.io", Version: "v1beta1", Kind: "Ingress"}:                                   {"1.22", "networking.k8s.io/v1"},
	{Group: "networking.k8s.io", Version: "v1beta1", Kind: "IngressClass"}:                              {"1.22", "networking.k8s.io/v1"},
	{Group: "rbac.authorization.k8s.io", Version: "v1beta1"}:                                            {"1.22", "rbac.authorization.k8s.io/v1"},
	{Group: "rbac.authorization.k8s.io", Version: "v1alpha1"}:                                           {"1.22", "rbac.authorization.k8s.io/v1"},
	{Group: "admissionregistration.k8s.io", Version: "v1beta1", Kind: "MutatingWebhookConfiguration"}:   {"1.22", "admissionregistration.k8s.io/v1"},
	{Group: "admissionregistration.k8s.io", Version: "v1beta1", Kind: "ValidatingWebhookConfiguration"}: {"1.22", "admissionregistration.k8s.io/v1"},
	{Group: "apiextensions.k8s.io", Version: "v1beta1"}:                                                 {"1.22", "apiextensions.k8s.io/v1"},
	{Group: "apiregistration.k8s.io", Version: "v1beta1"}:                                               {"1.22", "apiregistration.k8s.io/v1"},
	{Group: "certificates.k8s.io", Version: "v1beta1", Kind: "CertificateSigningRequest"}:               {"1.22", "certificates.k8s.io/v1"},
	{Group: "coordination.k8s.io", Version: "v1beta1", Kind: "Lease"}:                                   {"1.22", "coordination.k8s.io/v1"},
	{Group: "scheduling.k8s.io", Version: "v1beta1", Kind: "PriorityClass"}:                             {"1.22", "scheduling.k8s.io/v1"},
	{Group: "storage.k8s.io", Version: "v1beta1", Kind: "CSIDriver"}:                                    {"1.22", "storage.k8s.io/v1"},
	{Group: "storage.k8s.io", Version: "v1beta1", Kind: "CSINode"}:                                      {"1.22", "storage.k8s.io/v1"},
	{Group: "storage.k8s.io", Version: "v1beta1", Kind: "StorageClass"}:                                 {"1.22", "storage.k8s.io/v1"},
	{Group: "storage.k8s.io", Version: "v1beta1", Kind: "VolumeAttachment"}:                             {"1.22", "storage.k8s.io/v1"},
	{Group: "batch", Version: "v1beta1", Kind: "CronJob"}:                                               {"1.25", "batch/v1"},
	{Group: "discovery.k8s.io", Version: "v1beta1", Kind: "EndpointSlice"}:                              {"1.25", "discovery.k8s.io/v1"},
	{Group: "events.k8s.io", Version: "v1beta1", Kind: "Event"}:                                         {"1.25", "events.k8s.io/v1"},
	{Group: "autoscaling", Version: "v2beta1", Kind: "HorizontalPodAutoscaler"}:                         {"1.25", "autoscaling/v2"},
	{Group: "policy", Version: "v1beta1", Kind: "PodDisruptionBudget"}:                                  {"1.25", "policy/v1"},
	{Group: "policy", Version: "v1beta1", Kind: "PodSecurityPolicy"}:                                    {"1.25", ""},
	{Group: "node.k8s.io", Version: "v1beta1", Kind: "RuntimeClass"}:                                    {"1.25", "node.k8s.io/v1"},
	{Group: "autoscaling", Version: "v2beta2", Kind: "HorizontalPodAutoscaler"}:                         {"1.26", "autoscaling/v2"},
	{Group: "flowcontrol.apiserver.k8s.io", Version: "v1beta1"}:                                         {"1.26", "flowcontrol.apiserver.k8s.io/v1"},
	{Group: "storage.k8s.io", Version: "v1beta1", Kind: "CSIStorageCapacity"}:                           {"1.27", "storage.k8s.io/v1"},
	{Group: "flowcontrol.apiserver.k8s.io", Version: "v1beta2"}:                                         {"1.29", "flowcontrol.apiserver.k8s.io/v1"},
	{Group: "flowcontrol.apiserver.k8s.io", Version: "v1beta3"}:                                         {"1.32", "flowcontrol.apiserver.k8s.io/v1"},
}

// removed returns why the API server refuses a removed API version, or "".
func removed(gvk schema.GroupVersionKind) string {
	r, ok := removedVersions[gvk]
	if !ok {
		r, ok = removedVersions[gvk.GroupVersion().WithKind("")]
	}
	if !ok {
		return ""
	}
	if r.use == "" {
		return fmt.Sprintf("%s %s was removed in Kubernetes %s, with no replacement; the API server refuses it", gvk.GroupVersion(), gvk.Kind, r.release)
	}
	return fmt.Sprintf("%s %s was removed in Kubernetes %s, use %s", gvk.GroupVersion(), gvk.Kind, r.release, r.use)
}
