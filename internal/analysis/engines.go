package analysis

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/runtime"
	anpv1alpha1 "sigs.k8s.io/network-policy-api/apis/v1alpha1"

	"github.com/bulkhead-dev/bulkhead/internal/finding"
	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
)

// Engines lists the analyses of this build, in report order.
func Engines() []Engine {
	return []Engine{
		{Name: "api", Category: finding.API,
			Needs: resources(&corev1.Namespace{}, &corev1.ServiceAccount{}, &rbacv1.Role{}, &rbacv1.RoleBinding{}, &rbacv1.ClusterRole{}, &rbacv1.ClusterRoleBinding{}),
			Run:   func(f *Facts) []finding.Finding { return f.RBAC().Analyze(f.Tenancy) }},
		{Name: "network", Category: finding.Network,
			Needs: append(resources(&corev1.Namespace{}, &corev1.Node{}, &corev1.Pod{}, &networkingv1.NetworkPolicy{},
				&anpv1alpha1.AdminNetworkPolicy{}, &anpv1alpha1.BaselineAdminNetworkPolicy{},
				&corev1.Service{}, &discoveryv1.EndpointSlice{}, &networkingv1.Ingress{}),
				snapshot.ConnectivityResources()...),
			Run: func(f *Facts) []finding.Finding {
				return append(f.NetworkModel().Findings(f.Snapshot, f.Tenancy), f.Services()...)
			}},
		{Name: "dns", Category: finding.DNS,
			Needs: append([]string{"configmaps/kube-system/coredns"}, resources(&corev1.Service{}, &corev1.Pod{}, &discoveryv1.EndpointSlice{})...),
			Run:   (*Facts).DNS},
		{Name: "node", Category: finding.Node,
			Needs: resources(&corev1.Namespace{}, &corev1.Node{}, &corev1.Pod{}, &corev1.PersistentVolume{}, &corev1.PersistentVolumeClaim{}, &corev1.ServiceAccount{}),
			Run:   func(f *Facts) []finding.Finding { return f.Workload().Findings }},
	}
}

// resources names the resources of kinds as a snapshot's gaps name them
// (snapshot.Kinds): "pods", "roles.rbac.authorization.k8s.io".
func resources(objs ...runtime.Object) []string {
	out := make([]string, 0, len(objs))
	for _, o := range objs {
		k, ok := snapshot.KindOf(o)
		if !ok {
			panic(fmt.Sprintf("audit: %T is no kind of snapshot.Kinds", o))
		}
		out = append(out, k.GapResource())
	}
	return out
}
