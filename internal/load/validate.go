package load

import (
	corev1 "k8s.io/api/core/v1"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/api/validation/path"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
)

// validators hold the check of every kind of snapshot.Kinds: the kinds the
// loader takes into the snapshot, all others being counted as unknown.
var validators = kindValidators(checks)

// kindValidators returns the check of each row of snapshot.Kinds.
func kindValidators(checks map[schema.GroupKind]validator) map[schema.GroupKind]validator {
	m := make(map[schema.GroupKind]validator, len(snapshot.Kinds))
	for _, k := range snapshot.Kinds {
		if v, ok := checks[k.GVK.GroupKind()]; ok {
			m[k.GVK.GroupKind()] = v
		}
	}
	return m
}

// checks hold, for every kind the snapshot models, what the API server
// checks on create that the analysis depends on: names, selectors, ports,
// addresses and the spec a kind cannot do without. The checks follow
// kube-apiserver's validation (pkg/apis/*/validation) and the network
// policy API's CRD schema, built on apimachinery's helpers.
var checks = map[schema.GroupKind]validator{
	{Group: "", Kind: "Namespace"}:                                          meta[*corev1.Namespace](namespaceName, nil),
	{Group: "", Kind: "Node"}:                                               meta[*corev1.Node](dnsSubdomainName, nil),
	{Group: "", Kind: "Pod"}:                                                meta(dnsSubdomainName, plain(validatePod)),
	{Group: "", Kind: "Service"}:                                            meta(dns1035LabelName, validateService),
	{Group: "", Kind: "Endpoints"}:                                          meta(dnsSubdomainName, plain(validateEndpoints)),
	{Group: "", Kind: "ServiceAccount"}:                                     meta[*corev1.ServiceAccount](dnsSubdomainName, nil),
	{Group: "", Kind: "Secret"}:                                             meta[*corev1.Secret](dnsSubdomainName, nil),
	{Group: "", Kind: "ConfigMap"}:                                          meta[*corev1.ConfigMap](dnsSubdomainName, nil),
	{Group: "", Kind: "PersistentVolume"}:                                   meta[*corev1.PersistentVolume](dnsSubdomainName, nil),
	{Group: "", Kind: "PersistentVolumeClaim"}:                              meta[*corev1.PersistentVolumeClaim](dnsSubdomainName, nil),
	{Group: "", Kind: "ReplicationController"}:                              meta(dnsSubdomainName, validateReplicationController),
	{Group: "discovery.k8s.io", Kind: "EndpointSlice"}:                      meta(dnsSubdomainName, plain(validateEndpointSlice)),
	{Group: "rbac.authorization.k8s.io", Kind: "Role"}:                      meta(path.ValidatePathSegmentName, plain(validateRole)),
	{Group: "rbac.authorization.k8s.io", Kind: "ClusterRole"}:               meta(path.ValidatePathSegmentName, plain(validateClusterRole)),
	{Group: "rbac.authorization.k8s.io", Kind: "RoleBinding"}:               meta(path.ValidatePathSegmentName, plain(validateRoleBinding)),
	{Group: "rbac.authorization.k8s.io", Kind: "ClusterRoleBinding"}:        meta(path.ValidatePathSegmentName, plain(validateClusterRoleBinding)),
	{Group: "networking.k8s.io", Kind: "NetworkPolicy"}:                     meta(dnsSubdomainName, validateNetworkPolicy),
	{Group: "networking.k8s.io", Kind: "Ingress"}:                           meta(dnsSubdomainName, plain(validateIngress)),
	{Group: "policy.networking.k8s.io", Kind: "AdminNetworkPolicy"}:         meta(dnsSubdomainName, plain(validateANP)),
	{Group: "policy.networking.k8s.io", Kind: "BaselineAdminNetworkPolicy"}: meta(dnsSubdomainName, plain(validateBANP)),
	{Group: "apps", Kind: "Deployment"}:                                     meta(dnsSubdomainName, validateDeployment),
	{Group: "apps", Kind: "StatefulSet"}:                                    meta(dnsSubdomainName, validateStatefulSet),
	{Group: "apps", Kind: "DaemonSet"}:                                      meta(dnsSubdomainName, validateDaemonSet),
	{Group: "apps", Kind: "ReplicaSet"}:                                     meta(dnsSubdomainName, validateReplicaSet),
	{Group: "batch", Kind: "Job"}:                                           meta(dnsSubdomainName, validateJob),
	{Group: "batch", Kind: "CronJob"}:                                       meta(dnsSubdomainName, validateCronJob),
}

// The name checks of apimachinery, answering at once for the common
// valid name.
var (
	namespaceName    = fastName(apivalidation.ValidateNamespaceName, dns1123Label)
	dnsSubdomainName = fastName(apivalidation.NameIsDNSSubdomain, dns1123Subdomain)
	dns1035LabelName = fastName(apivalidation.NameIsDNS1035Label, dns1035Label)
)

// validator checks an object as the API server would on create;
// namespaced says whether its kind lives in a namespace. m remembers the
// checks that passed before (nil: none).
type validator func(m *memo, obj runtime.Object, namespaced bool) field.ErrorList

// typed is an object with metadata.
type typed interface {
	metav1.Object
	runtime.Object
}

// meta returns a validator checking an object's metadata (name as name
// requires, namespace when its kind is namespaced, labels, annotations)
// and then its spec with spec, when not nil. An object of another Go type
// (a version the snapshot does not model) passes; Add counts it as
// unknown.
func meta[T typed](name apivalidation.ValidateNameFunc, spec func(*memo, T) field.ErrorList) validator {
	return func(m *memo, obj runtime.Object, namespaced bool) field.ErrorList {
		o, ok := obj.(T)
		if !ok {
			return nil
		}
		errs := m.validateMeta(o, namespaced, name)
		if spec != nil {
			errs = append(errs, spec(m, o)...)
		}
		return errs
	}
}

// plain is a check of a spec that remembers nothing.
func plain[T any](spec func(T) field.ErrorList) func(*memo, T) field.ErrorList {
	return func(_ *memo, o T) field.ErrorList { return spec(o) }
}

// selector validates a label selector as the API server does.
func selector(s *metav1.LabelSelector, p *field.Path) field.ErrorList {
	return metav1validation.ValidateLabelSelector(s, metav1validation.LabelSelectorValidationOptions{}, p)
}
