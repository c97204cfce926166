package snapshot

import (
	"slices"

	"sort"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	anpv1alpha1 "sigs.k8s.io/network-policy-api/apis/v1alpha1"
)

// Add appends a typed object to the matching slice and reports whether its
// type is one the snapshot models. Secrets are stripped of their values.
func (s *Snapshot) Add(obj runtime.Object) bool {
	switch o := obj.(type) {
	case *corev1.Namespace:
		s.Namespaces = grow(s.Namespaces, *o)
	case *corev1.Node:
		s.Nodes = grow(s.Nodes, *o)
	case *corev1.Pod:
		s.Pods = grow(s.Pods, *o)
	case *corev1.Service:
		s.Services = grow(s.Services, *o)
	case *corev1.Endpoints:
		s.Endpoints = grow(s.Endpoints, *o)
	case *discoveryv1.EndpointSlice:
		s.EndpointSlices = grow(s.EndpointSlices, *o)
	case *corev1.ServiceAccount:
		s.ServiceAccounts = grow(s.ServiceAccounts, *o)
	case *corev1.Secret:
		s.Secrets = grow(s.Secrets, StripSecret(o))
	case *corev1.ConfigMap:
		s.ConfigMaps = grow(s.ConfigMaps, *o)
	case *corev1.PersistentVolume:
		s.PersistentVolumes = grow(s.PersistentVolumes, *o)
	case *corev1.PersistentVolumeClaim:
		s.PersistentVolumeClaims = grow(s.PersistentVolumeClaims, *o)
	case *rbacv1.Role:
		s.Roles = grow(s.Roles, *o)
	case *rbacv1.RoleBinding:
		s.RoleBindings = grow(s.RoleBindings, *o)
	case *rbacv1.ClusterRole:
		s.ClusterRoles = grow(s.ClusterRoles, *o)
	case *rbacv1.ClusterRoleBinding:
		s.ClusterRoleBindings = grow(s.ClusterRoleBindings, *o)
	case *networkingv1.NetworkPolicy:
		s.NetworkPolicies = grow(s.NetworkPolicies, *o)
	case *anpv1alpha1.AdminNetworkPolicy:
		s.AdminNetworkPolicies = grow(s.AdminNetworkPolicies, *o)
	case *anpv1alpha1.BaselineAdminNetworkPolicy:
		s.BaselineAdminNetworkPolicies = grow(s.BaselineAdminNetworkPolicies, *o)
	case *networkingv1.Ingress:
		s.Ingresses = grow(s.Ingresses, *o)
	case *appsv1.Deployment:
		s.Deployments = grow(s.Deployments, *o)
	case *appsv1.StatefulSet:
		s.StatefulSets = grow(s.StatefulSets, *o)
	case *appsv1.DaemonSet:
		s.DaemonSets = grow(s.DaemonSets, *o)
	case *appsv1.ReplicaSet:
		s.ReplicaSets = grow(s.ReplicaSets, *o)
	case *corev1.ReplicationController:
		s.ReplicationControllers = grow(s.ReplicationControllers, *o)
	case *batchv1.Job:
		s.Jobs = grow(s.Jobs, *o)
	case *batchv1.CronJob:
		s.CronJobs = grow(s.CronJobs, *o)
	default:
		return false
	}
	return true
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

// Objects lists every modelled object, in the order of the Snapshot fields.
func (s *Snapshot) Objects() []Object {
	var out []Object
	add := func(kind string, n int, at func(int) Object) {
		for i := 0; i < n; i++ {
			o := at(i)
			o.Kind = kind
			out = append(out, o)
		}
	}
	add("Namespace", len(s.Namespaces), func(i int) Object { return Object{Obj: &s.Namespaces[i]} })
	add("Node", len(s.Nodes), func(i int) Object { return Object{Obj: &s.Nodes[i]} })
	add("Pod", len(s.Pods), func(i int) Object { return Object{Obj: &s.Pods[i]} })
	add("Service", len(s.Services), func(i int) Object { return Object{Obj: &s.Services[i]} })
	add("Endpoints", len(s.Endpoints), func(i int) Object { return Object{Obj: &s.Endpoints[i]} })
	add("EndpointSlice", len(s.EndpointSlices), func(i int) Object { return Object{Obj: &s.EndpointSlices[i]} })
	add("ServiceAccount", len(s.ServiceAccounts), func(i int) Object { return Object{Obj: &s.ServiceAccounts[i]} })
	add("Secret", len(s.Secrets), func(i int) Object { return Object{Obj: &s.Secrets[i]} })
	add("ConfigMap", len(s.ConfigMaps), func(i int) Object { return Object{Obj: &s.ConfigMaps[i]} })
	add("PersistentVolume", len(s.PersistentVolumes), func(i int) Object { return Object{Obj: &s.PersistentVolumes[i]} })
	add("PersistentVolumeClaim", len(s.PersistentVolumeClaims), func(i int) Object { return Object{Obj: &s.PersistentVolumeClaims[i]} })
	add("Role", len(s.Roles), func(i int) Object { return Object{Obj: &s.Roles[i]} })
	add("RoleBinding", len(s.RoleBindings), func(i int) Object { return Object{Obj: &s.RoleBindings[i]} })
	add("ClusterRole", len(s.ClusterRoles), func(i int) Object { return Object{Obj: &s.ClusterRoles[i]} })
	add("ClusterRoleBinding", len(s.ClusterRoleBindings), func(i int) Object { return Object{Obj: &s.ClusterRoleBindings[i]} })
	add("NetworkPolicy", len(s.NetworkPolicies), func(i int) Object { return Object{Obj: &s.NetworkPolicies[i]} })
	add("AdminNetworkPolicy", len(s.AdminNetworkPolicies), func(i int) Object { return Object{Obj: &s.AdminNetworkPolicies[i]} })
	add("BaselineAdminNetworkPolicy", len(s.BaselineAdminNetworkPolicies), func(i int) Object { return Object{Obj: &s.BaselineAdminNetworkPolicies[i]} })
	add("Ingress", len(s.Ingresses), func(i int) Object { return Object{Obj: &s.Ingresses[i]} })
	add("Deployment", len(s.Deployments), func(i int) Object { return Object{Obj: &s.Deployments[i]} })
	add("StatefulSet", len(s.StatefulSets), func(i int) Object { return Object{Obj: &s.StatefulSets[i]} })
	add("DaemonSet", len(s.DaemonSets), func(i int) Object { return Object{Obj: &s.DaemonSets[i]} })
	add("ReplicaSet", len(s.ReplicaSets), func(i int) Object { return Object{Obj: &s.ReplicaSets[i]} })
	add("ReplicationController", len(s.ReplicationControllers), func(i int) Object { return Object{Obj: &s.ReplicationControllers[i]} })
	add("Job", len(s.Jobs), func(i int) Object { return Object{Obj: &s.Jobs[i]} })
	add("CronJob", len(s.CronJobs), func(i int) Object { return Object{Obj: &s.CronJobs[i]} })
	return out
}

// Counts returns how many objects of each modelled kind the snapshot holds,
// synthetic pods excluded.
func (s *Snapshot) Counts() map[string]int {
	c := map[string]int{}
	for _, o := range s.Objects() {
		if p, ok := o.Obj.(*corev1.Pod); ok && IsSynthetic(p) {
			c["Pod (representative)"]++
			continue
		}
		c[o.Kind]++
	}
	return c
}

// ReferencedNamespaces lists, sorted, every namespace that a namespaced
// object of the snapshot lives in.
func (s *Snapshot) ReferencedNamespaces() []string {
	seen := map[string]bool{}
	for _, o := range s.Objects() {
		if ns := o.Obj.GetNamespace(); ns != "" {
			seen[ns] = true
		}
	}
	out := make([]string, 0, len(seen))
	for ns := range seen {
		out = append(out, ns)
	}
	sort.Strings(out)
	return out
}
