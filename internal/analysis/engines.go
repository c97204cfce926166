package analysis

import (
	"fmt"
	"slices"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/runtime"
	anpv1alpha1 "sigs.k8s.io/network-policy-api/apis/v1alpha1"

	"github.com/bulkhead-dev/bulkhead/internal/finding"
	"github.com/bulkhead-dev/bulkhead/internal/node"
	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
)

// Engine is one isolation layer's analysis, in one shape: what it reads,
// whose facts it builds on, and what it finds in its facts (Facts builds
// and keeps them, and Facts.Update keeps those a change leaves valid).
type Engine struct {
	Name     string
	Category finding.Category
	// Needs lists the resources (as snapshot Gap names) the analysis
	// depends on; a gap in any of them makes it incomplete.
	Needs []string
	// Reads lists the resources (as snapshot.Key.Resource names them)
	// whose objects the engine's facts are built from: a change to an
	// object of any other resource leaves them valid. Namespaces are
	// read by every engine (tenancy is made of them), and workload
	// controllers stand for the pods they create.
	Reads []string
	// NamespaceLabels is set when the engine's facts read the labels of
	// namespaces (namespaceSelectors, Pod Security labels): a Namespace
	// whose labels alone changed, the tenancy the same, leaves the facts
	// of the engines without it valid.
	NamespaceLabels bool
	// Relabel, when set, says whether relabelling a namespace from before
	// to after moves the labels the engine's facts read: a relabel that
	// moves none of them leaves the facts valid.
	Relabel func(namespace string, before, after map[string]string) bool
	// Uses names the engines whose facts the engine's own are built on:
	// when theirs change, its do.
	Uses []string
	// Run analyses the facts of a normalised snapshot. It must be pure and
	// deterministic.
	Run func(*Facts) []finding.Finding
	// Caveats, when set, says where the facts cannot decide a verdict the
	// input leaves open (address blocks against pods the input gives no
	// address): each note makes the analysis incomplete, as a gap does.
	Caveats func(*Facts) []string
	// Absent, when set, says why the analysis is not part of this build,
	// and Run is nil.
	Absent string
}

// Engines lists the analyses of this build, in report order.
func Engines() []Engine {
	return []Engine{
		{Name: "api", Category: finding.API,
			Needs: resources(&corev1.Namespace{}, &corev1.ServiceAccount{}, &rbacv1.Role{}, &rbacv1.RoleBinding{}, &rbacv1.ClusterRole{}, &rbacv1.ClusterRoleBinding{}),
			Reads: resources(&corev1.ServiceAccount{}, &rbacv1.Role{}, &rbacv1.RoleBinding{}, &rbacv1.ClusterRole{}, &rbacv1.ClusterRoleBinding{}),
			Run:   (*Facts).APIFindings},
		{Name: "network", Category: finding.Network,
			Needs: append(resources(&corev1.Namespace{}, &corev1.Node{}, &corev1.Pod{}, &networkingv1.NetworkPolicy{},
				&anpv1alpha1.AdminNetworkPolicy{}, &anpv1alpha1.BaselineAdminNetworkPolicy{},
				&corev1.Service{}, &discoveryv1.EndpointSlice{}, &networkingv1.Ingress{}),
				snapshot.ConnectivityResources()...),
			Reads: resources(&corev1.Node{}, &corev1.Pod{}, &networkingv1.NetworkPolicy{}, &anpv1alpha1.AdminNetworkPolicy{}, &anpv1alpha1.BaselineAdminNetworkPolicy{},
				&corev1.Service{}, &corev1.Endpoints{}, &discoveryv1.EndpointSlice{}, &networkingv1.Ingress{}),
			NamespaceLabels: true,
			Run: func(f *Facts) []finding.Finding {
				return slices.Concat(f.NetworkFindings(), f.Services())
			},
			Caveats: func(f *Facts) []string { return f.NetworkModel().AddressCaveats(f.Tenancy) }},
		{Name: "dns", Category: finding.DNS,
			Needs: append([]string{"configmaps/kube-system/coredns"}, resources(&corev1.Service{}, &corev1.Pod{}, &discoveryv1.EndpointSlice{})...),
			Reads: resources(&corev1.ConfigMap{}, &corev1.Service{}, &corev1.Pod{}, &corev1.Endpoints{}, &discoveryv1.EndpointSlice{}),
			Run:   (*Facts).DNS},
		{Name: "node", Category: finding.Node,
			Needs:           resources(&corev1.Namespace{}, &corev1.Node{}, &corev1.Pod{}, &corev1.PersistentVolume{}, &corev1.PersistentVolumeClaim{}, &corev1.ServiceAccount{}),
			Reads:           resources(&corev1.Node{}, &corev1.Pod{}, &corev1.PersistentVolume{}, &corev1.PersistentVolumeClaim{}, &corev1.ServiceAccount{}),
			NamespaceLabels: true,
			Relabel:         node.PolicyMoved,
			Uses:            []string{"api"},
			Run:             func(f *Facts) []finding.Finding { return f.Workload().Findings }},
	}
}

// graphReads are what the attack graph reads beside the engines' facts:
// the tokens that sit in Secrets and the accounts they belong to.
var graphReads = resources(&corev1.Secret{}, &corev1.ServiceAccount{}, &corev1.Pod{}, &corev1.Node{}, &networkingv1.NetworkPolicy{})

// serviceReads are what the Service and Ingress checks (Facts.Services)
// read of the network engine's input: no policy and no node. They also
// read which namespaces exist or hold objects, and the tenancy.
var serviceReads = resources(&corev1.Service{}, &corev1.Endpoints{}, &discoveryv1.EndpointSlice{}, &networkingv1.Ingress{}, &corev1.Pod{})

// controllerKinds are the kinds a normalised snapshot stands for by the
// pods they create (snapshot.Normalize's representative pods).
var controllerKinds = resources(&appsv1.Deployment{}, &appsv1.StatefulSet{}, &appsv1.DaemonSet{}, &appsv1.ReplicaSet{},
	&corev1.ReplicationController{}, &batchv1.Job{}, &batchv1.CronJob{})

// controllerKind is the kind of each resource of controllerKinds, as a
// representative pod's snapshot.SyntheticAnnotation names it.
var controllerKind = func() map[string]string {
	out := map[string]string{}
	for _, k := range snapshot.Kinds {
		if r := k.GroupResource().String(); slices.Contains(controllerKinds, r) {
			out[r] = k.GVK.Kind
		}
	}
	return out
}()

// resources names the resources of kinds as a snapshot's gaps and keys
// name them (snapshot.Kinds): "pods", "roles.rbac.authorization.k8s.io".
func resources(objs ...runtime.Object) []string {
	out := make([]string, 0, len(objs))
	for _, o := range objs {
		k, ok := snapshot.KindOf(o)
		if !ok {
			panic(fmt.Sprintf("analysis: %T is no kind of snapshot.Kinds", o))
		}
		out = append(out, k.GapResource())
	}
	return out
}
