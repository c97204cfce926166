package snapshot

import (
	"reflect"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	anpv1alpha1 "sigs.k8s.io/network-policy-api/apis/v1alpha1"
)

// Kinds is every kind the snapshot models, one row each, in the order of
// the Snapshot fields. Everything that handles kinds one by one reads it:
// Add, Objects, Counts, the sort of Normalize, Clone, the loader's scheme
// and validators, and the lists of a live load. A new kind is a new field
// of Snapshot and a row here (plus its validator in the loader, and what
// the engines do with it).
var Kinds = []Kind{
	define[corev1.Namespace, corev1.NamespaceList](corev1.SchemeGroupVersion, "Namespace", "namespaces", clusterScoped, ListTyped, corev1.AddToScheme, func(s *Snapshot) *[]corev1.Namespace { return &s.Namespaces }),
	define[corev1.Node, corev1.NodeList](corev1.SchemeGroupVersion, "Node", "nodes", clusterScoped, ListTyped, corev1.AddToScheme, func(s *Snapshot) *[]corev1.Node { return &s.Nodes }),
	define[corev1.Pod, corev1.PodList](corev1.SchemeGroupVersion, "Pod", "pods", namespaced, ListTyped, corev1.AddToScheme, func(s *Snapshot) *[]corev1.Pod { return &s.Pods }),
	define[corev1.Service, corev1.ServiceList](corev1.SchemeGroupVersion, "Service", "services", namespaced, ListTyped, corev1.AddToScheme, func(s *Snapshot) *[]corev1.Service { return &s.Services }),
	define[corev1.Endpoints, corev1.EndpointsList](corev1.SchemeGroupVersion, "Endpoints", "endpoints", namespaced, NotListed, corev1.AddToScheme, func(s *Snapshot) *[]corev1.Endpoints { return &s.Endpoints }),
	define[discoveryv1.EndpointSlice, discoveryv1.EndpointSliceList](discoveryv1.SchemeGroupVersion, "EndpointSlice", "endpointslices", namespaced, ListTyped, discoveryv1.AddToScheme, func(s *Snapshot) *[]discoveryv1.EndpointSlice { return &s.EndpointSlices }),
	define[corev1.ServiceAccount, corev1.ServiceAccountList](corev1.SchemeGroupVersion, "ServiceAccount", "serviceaccounts", namespaced, ListTyped, corev1.AddToScheme, func(s *Snapshot) *[]corev1.ServiceAccount { return &s.ServiceAccounts }),
	define[corev1.Secret, corev1.SecretList](corev1.SchemeGroupVersion, "Secret", "secrets", namespaced, ListMetadata, corev1.AddToScheme, func(s *Snapshot) *[]corev1.Secret { return &s.Secrets }).keeping(StripSecret),
	define[corev1.ConfigMap, corev1.ConfigMapList](corev1.SchemeGroupVersion, "ConfigMap", "configmaps", namespaced, GetCoreDNS, corev1.AddToScheme, func(s *Snapshot) *[]corev1.ConfigMap { return &s.ConfigMaps }),
	define[corev1.PersistentVolume, corev1.PersistentVolumeList](corev1.SchemeGroupVersion, "PersistentVolume", "persistentvolumes", clusterScoped, ListTyped, corev1.AddToScheme, func(s *Snapshot) *[]corev1.PersistentVolume { return &s.PersistentVolumes }),
	define[corev1.PersistentVolumeClaim, corev1.PersistentVolumeClaimList](corev1.SchemeGroupVersion, "PersistentVolumeClaim", "persistentvolumeclaims", namespaced, ListTyped, corev1.AddToScheme, func(s *Snapshot) *[]corev1.PersistentVolumeClaim { return &s.PersistentVolumeClaims }),

	define[rbacv1.Role, rbacv1.RoleList](rbacv1.SchemeGroupVersion, "Role", "roles", namespaced, ListTyped, rbacv1.AddToScheme, func(s *Snapshot) *[]rbacv1.Role { return &s.Roles }),
	define[rbacv1.RoleBinding, rbacv1.RoleBindingList](rbacv1.SchemeGroupVersion, "RoleBinding", "rolebindings", namespaced, ListTyped, rbacv1.AddToScheme, func(s *Snapshot) *[]rbacv1.RoleBinding { return &s.RoleBindings }),
	define[rbacv1.ClusterRole, rbacv1.ClusterRoleList](rbacv1.SchemeGroupVersion, "ClusterRole", "clusterroles", clusterScoped, ListTyped, rbacv1.AddToScheme, func(s *Snapshot) *[]rbacv1.ClusterRole { return &s.ClusterRoles }),
	define[rbacv1.ClusterRoleBinding, rbacv1.ClusterRoleBindingList](rbacv1.SchemeGroupVersion, "ClusterRoleBinding", "clusterrolebindings", clusterScoped, ListTyped, rbacv1.AddToScheme, func(s *Snapshot) *[]rbacv1.ClusterRoleBinding { return &s.ClusterRoleBindings }),

	define[networkingv1.NetworkPolicy, networkingv1.NetworkPolicyList](networkingv1.SchemeGroupVersion, "NetworkPolicy", "networkpolicies", namespaced, ListTyped, networkingv1.AddToScheme, func(s *Snapshot) *[]networkingv1.NetworkPolicy { return &s.NetworkPolicies }),
	define[anpv1alpha1.AdminNetworkPolicy, anpv1alpha1.AdminNetworkPolicyList](anpv1alpha1.SchemeGroupVersion, "AdminNetworkPolicy", "adminnetworkpolicies", clusterScoped, ListDynamic, anpv1alpha1.AddToScheme, func(s *Snapshot) *[]anpv1alpha1.AdminNetworkPolicy { return &s.AdminNetworkPolicies }),
	define[anpv1alpha1.BaselineAdminNetworkPolicy, anpv1alpha1.BaselineAdminNetworkPolicyList](anpv1alpha1.SchemeGroupVersion, "BaselineAdminNetworkPolicy", "baselineadminnetworkpolicies", clusterScoped, ListDynamic, anpv1alpha1.AddToScheme, func(s *Snapshot) *[]anpv1alpha1.BaselineAdminNetworkPolicy { return &s.BaselineAdminNetworkPolicies }),
	define[networkingv1.Ingress, networkingv1.IngressList](networkingv1.SchemeGroupVersion, "Ingress", "ingresses", namespaced, ListTyped, networkingv1.AddToScheme, func(s *Snapshot) *[]networkingv1.Ingress { return &s.Ingresses }),

	define[appsv1.Deployment, appsv1.DeploymentList](appsv1.SchemeGroupVersion, "Deployment", "deployments", namespaced, ListTyped, appsv1.AddToScheme, func(s *Snapshot) *[]appsv1.Deployment { return &s.Deployments }),
	define[appsv1.StatefulSet, appsv1.StatefulSetList](appsv1.SchemeGroupVersion, "StatefulSet", "statefulsets", namespaced, ListTyped, appsv1.AddToScheme, func(s *Snapshot) *[]appsv1.StatefulSet { return &s.StatefulSets }),
	define[appsv1.DaemonSet, appsv1.DaemonSetList](appsv1.SchemeGroupVersion, "DaemonSet", "daemonsets", namespaced, ListTyped, appsv1.AddToScheme, func(s *Snapshot) *[]appsv1.DaemonSet { return &s.DaemonSets }),
	define[appsv1.ReplicaSet, appsv1.ReplicaSetList](appsv1.SchemeGroupVersion, "ReplicaSet", "replicasets", namespaced, ListTyped, appsv1.AddToScheme, func(s *Snapshot) *[]appsv1.ReplicaSet { return &s.ReplicaSets }),
	define[corev1.ReplicationController, corev1.ReplicationControllerList](corev1.SchemeGroupVersion, "ReplicationController", "replicationcontrollers", namespaced, ListTyped, corev1.AddToScheme, func(s *Snapshot) *[]corev1.ReplicationController { return &s.ReplicationControllers }),
	define[batchv1.Job, batchv1.JobList](batchv1.SchemeGroupVersion, "Job", "jobs", namespaced, ListTyped, batchv1.AddToScheme, func(s *Snapshot) *[]batchv1.Job { return &s.Jobs }),
	define[batchv1.CronJob, batchv1.CronJobList](batchv1.SchemeGroupVersion, "CronJob", "cronjobs", namespaced, ListTyped, batchv1.AddToScheme, func(s *Snapshot) *[]batchv1.CronJob { return &s.CronJobs }),
}

// Kind is one kind the snapshot models: what the API calls it and how a
// Snapshot holds it.
type Kind struct {
	// GVK is the group, version and kind objects of it are read and
	// written as.
	GVK schema.GroupVersionKind
	// Resource is the plural resource name the API serves it under
	// ("pods", "roles").
	Resource string
	// Namespaced says whether objects of it live in a namespace.
	Namespaced bool
	// Live says how a live load reads it.
	Live Live
	// AddToScheme registers the types of its group version, so that a
	// scheme holding them decodes it.
	AddToScheme func(*runtime.Scheme) error

	ops kindOps
}

// Live is how a live load reads a kind.
type Live uint8

const (
	// ListTyped lists every object, typed, in protobuf.
	ListTyped Live = iota
	// ListMetadata lists metadata only (secrets: their values never leave
	// the API server).
	ListMetadata
	// GetCoreDNS reads one object only, the CoreDNS Corefile ConfigMap.
	GetCoreDNS
	// ListDynamic lists through the dynamic client, when the API serves
	// the kind at all (the network policy API's CRDs).
	ListDynamic
	// NotListed is not read live: Endpoints are mirrored by the
	// EndpointSlices that are.
	NotListed
)

// Scope values for define.
const (
	namespaced    = true
	clusterScoped = false
)

// GroupResource is the kind's group and plural resource name.
func (k Kind) GroupResource() schema.GroupResource {
	return schema.GroupResource{Group: k.GVK.Group, Resource: k.Resource}
}

// GroupVersionResource is the kind's group, version and plural resource
// name.
func (k Kind) GroupVersionResource() schema.GroupVersionResource {
	return k.GVK.GroupVersion().WithResource(k.Resource)
}

// GapResource is the resource as a Gap names it: the plural with its group
// ("pods", "roles.rbac.authorization.k8s.io").
func (k Kind) GapResource() string { return k.GroupResource().String() }

// New returns an empty object of the kind (a *corev1.Pod for Pod).
func (k Kind) New() runtime.Object { return k.ops.newObject() }

// NewList returns an empty list of the kind (a *corev1.PodList for Pod).
func (k Kind) NewList() runtime.Object { return k.ops.newList() }

// Len returns how many objects of the kind s holds.
func (k Kind) Len(s *Snapshot) int { return k.ops.len(s) }

// At returns the i-th object of the kind in s; changing it changes s.
func (k Kind) At(s *Snapshot, i int) Object { return Object{Kind: k.GVK.Kind, Obj: k.ops.at(s, i)} }

// Grow makes room in s for n more objects of the kind.
func (k Kind) Grow(s *Snapshot, n int) { k.ops.grow(s, n) }

// Truncate keeps the first n objects of the kind in s; n = -1 leaves it
// with none at all (a nil slice).
func (k Kind) Truncate(s *Snapshot, n int) { k.ops.truncate(s, n) }

// AppendList appends the items of list, a list of the kind (a
// *corev1.PodList for Pod), to s, as they are, and returns how many it
// appended. A list of another type is an error.
func (k Kind) AppendList(s *Snapshot, list runtime.Object) (int, error) {
	return k.ops.appendList(s, list)
}

// KindOf returns the row of the kind of a typed object, and whether the
// snapshot models it.
func KindOf(obj runtime.Object) (Kind, bool) {
	i, ok := byType[reflect.TypeOf(obj)]
	if !ok {
		return Kind{}, false
	}
	return Kinds[i], true
}

// byType indexes Kinds by the Go type of their objects (*corev1.Pod).
var byType = func() map[reflect.Type]int {
	m := make(map[reflect.Type]int, len(Kinds))
	for i, k := range Kinds {
		m[reflect.TypeOf(k.New())] = i
	}
	return m
}()
