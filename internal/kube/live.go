package kube

import (
	"context"
	"fmt"
	"io"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/rest"
	anpv1alpha1 "sigs.k8s.io/network-policy-api/apis/v1alpha1"

	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
)

// PageSize is how many objects one list request asks for.
const PageSize = 500

// Options tune a live load.
type Options struct {
	// Progress, when set, receives a line per resource listed, each line
	// in one Write; lines of resources listed at once may come in any order.
	Progress io.Writer
	// AllowIncomplete turns the refusal of an essential resource
	// (namespaces, pods, RBAC, NetworkPolicy) into a snapshot Gap instead
	// of an *IncompleteError.
	AllowIncomplete bool
}

// Load lists every resource bulkhead models from the cluster at cfg, and
// counts the objects of the connectivity kinds the server serves
// (snapshot.ConnectivityKinds) as gaps. Lists the server forbids or does
// not serve become snapshot Gaps; when one of them is essential, Load
// returns an *IncompleteError naming each unless opts.AllowIncomplete is
// set. Load always fails when the server cannot be reached, refuses the
// credentials (401) or does not serve namespaces (not a Kubernetes API
// server). The resources are listed listWorkers at a time, the typed ones
// in protobuf; the snapshot, its gaps and the refusals are those of listing
// them one after the other. The snapshot is not normalised.
func Load(ctx context.Context, cfg *rest.Config, source string, opts Options) (*snapshot.Snapshot, error) {
	cs, err := kubernetes.NewForConfig(protobuf(cfg))
	if err != nil {
		return nil, fmt.Errorf("client for %s: %w", source, err)
	}
	disc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("discovery client for %s: %w", source, err)
	}
	md, err := metadata.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("metadata client for %s: %w", source, err)
	}
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("dynamic client for %s: %w", source, err)
	}
	l := newLoader(cfg, source, lines(opts.Progress))

	// Namespaces first: every Kubernetes API server serves them, so a
	// failure other than Forbidden here means bulkhead is not talking to
	// one, which is an error, not a gap.
	nss, err := listAll(ctx, l, "namespaces", cs.CoreV1().Namespaces().List, func(x *corev1.NamespaceList) []corev1.Namespace { return x.Items })
	if err != nil {
		return nil, err
	}
	if apierrors.IsNotFound(l.refused["namespaces"]) {
		return nil, l.notKubernetes()
	}
	l.snap.Namespaces = nss

	core, apps, batch, netv1, rbac := cs.CoreV1(), cs.AppsV1(), cs.BatchV1(), cs.NetworkingV1(), cs.RbacV1()
	all := metav1.NamespaceAll
	steps := []func(l *loader) error{
		func(l *loader) (err error) {
			l.snap.Nodes, err = listAll(ctx, l, "nodes", core.Nodes().List, func(x *corev1.NodeList) []corev1.Node { return x.Items })
			return
		},
		func(l *loader) (err error) {
			l.snap.Pods, err = listAll(ctx, l, "pods", core.Pods(all).List, func(x *corev1.PodList) []corev1.Pod { return x.Items })
			return
		},
		func(l *loader) (err error) {
			l.snap.Services, err = listAll(ctx, l, "services", core.Services(all).List, func(x *corev1.ServiceList) []corev1.Service { return x.Items })
			return
		},
		func(l *loader) (err error) {
			l.snap.EndpointSlices, err = listAll(ctx, l, "endpointslices.discovery.k8s.io", cs.DiscoveryV1().EndpointSlices(all).List, func(x *discoveryv1.EndpointSliceList) []discoveryv1.EndpointSlice { return x.Items })
			return
		},
		func(l *loader) (err error) {
			l.snap.ServiceAccounts, err = listAll(ctx, l, "serviceaccounts", core.ServiceAccounts(all).List, func(x *corev1.ServiceAccountList) []corev1.ServiceAccount { return x.Items })
			return
		},
		func(l *loader) error { return l.secrets(ctx, md) },
		func(l *loader) error { return l.coreDNS(ctx, cs) },
		func(l *loader) (err error) {
			l.snap.PersistentVolumes, err = listAll(ctx, l, "persistentvolumes", core.PersistentVolumes().List, func(x *corev1.PersistentVolumeList) []corev1.PersistentVolume { return x.Items })
			return
		},
		func(l *loader) (err error) {
			l.snap.PersistentVolumeClaims, err = listAll(ctx, l, "persistentvolumeclaims", core.PersistentVolumeClaims(all).List, func(x *corev1.PersistentVolumeClaimList) []corev1.PersistentVolumeClaim { return x.Items })
			return
		},
		func(l *loader) (err error) {
			l.snap.Roles, err = listAll(ctx, l, "roles.rbac.authorization.k8s.io", rbac.Roles(all).List, func(x *rbacv1.RoleList) []rbacv1.Role { return x.Items })
			return
		},
		func(l *loader) (err error) {
			l.snap.RoleBindings, err = listAll(ctx, l, "rolebindings.rbac.authorization.k8s.io", rbac.RoleBindings(all).List, func(x *rbacv1.RoleBindingList) []rbacv1.RoleBinding { return x.Items })
			return
		},
		func(l *loader) (err error) {
			l.snap.ClusterRoles, err = listAll(ctx, l, "clusterroles.rbac.authorization.k8s.io", rbac.ClusterRoles().List, func(x *rbacv1.ClusterRoleList) []rbacv1.ClusterRole { return x.Items })
			return
		},
		func(l *loader) (err error) {
			l.snap.ClusterRoleBindings, err = listAll(ctx, l, "clusterrolebindings.rbac.authorization.k8s.io", rbac.ClusterRoleBindings().List, func(x *rbacv1.ClusterRoleBindingList) []rbacv1.ClusterRoleBinding { return x.Items })
			return
		},
		func(l *loader) (err error) {
			l.snap.NetworkPolicies, err = listAll(ctx, l, "networkpolicies.networking.k8s.io", netv1.NetworkPolicies(all).List, func(x *networkingv1.NetworkPolicyList) []networkingv1.NetworkPolicy { return x.Items })
			return
		},
		func(l *loader) (err error) {
			l.snap.Ingresses, err = listAll(ctx, l, "ingresses.networking.k8s.io", netv1.Ingresses(all).List, func(x *networkingv1.IngressList) []networkingv1.Ingress { return x.Items })
			return
		},
		func(l *loader) error { return l.adminPolicies(ctx, dyn) },
		func(l *loader) error { return l.connectivity(ctx, disc, md) },
		func(l *loader) (err error) {
			l.snap.Deployments, err = listAll(ctx, l, "deployments.apps", apps.Deployments(all).List, func(x *appsv1.DeploymentList) []appsv1.Deployment { return x.Items })
			return
		},
		func(l *loader) (err error) {
			l.snap.StatefulSets, err = listAll(ctx, l, "statefulsets.apps", apps.StatefulSets(all).List, func(x *appsv1.StatefulSetList) []appsv1.StatefulSet { return x.Items })
			return
		},
		func(l *loader) (err error) {
			l.snap.DaemonSets, err = listAll(ctx, l, "daemonsets.apps", apps.DaemonSets(all).List, func(x *appsv1.DaemonSetList) []appsv1.DaemonSet { return x.Items })
			return
		},
		func(l *loader) (err error) {
			l.snap.ReplicaSets, err = listAll(ctx, l, "replicasets.apps", apps.ReplicaSets(all).List, func(x *appsv1.ReplicaSetList) []appsv1.ReplicaSet { return x.Items })
			return
		},
		func(l *loader) (err error) {
			l.snap.ReplicationControllers, err = listAll(ctx, l, "replicationcontrollers", core.ReplicationControllers(all).List, func(x *corev1.ReplicationControllerList) []corev1.ReplicationController { return x.Items })
			return
		},
		func(l *loader) (err error) {
			l.snap.Jobs, err = listAll(ctx, l, "jobs.batch", batch.Jobs(all).List, func(x *batchv1.JobList) []batchv1.Job { return x.Items })
			return
		},
		func(l *loader) (err error) {
			l.snap.CronJobs, err = listAll(ctx, l, "cronjobs.batch", batch.CronJobs(all).List, func(x *batchv1.CronJobList) []batchv1.CronJob { return x.Items })
			return
		},
	}
	if err := l.run(steps); err != nil {
		return nil, err
	}
	if refused := l.refusals(); len(refused) > 0 && !opts.AllowIncomplete {
		return nil, &IncompleteError{Server: l.server, Refusals: refused, Anonymous: l.anonymous}
	}
	for _, o := range l.snap.Objects() {
		o.Obj.SetManagedFields(nil)
	}
	return l.snap, nil
}

type loader struct {
	snap     *snapshot.Snapshot
	progress io.Writer
	// server is the API server's URL, for messages.
	server string
	// anonymous is set when the client sends no credentials.
	anonymous bool
	// refused holds the server's answer to each list that became a gap.
	refused map[string]error
}

func newLoader(cfg *rest.Config, source string, progress io.Writer) *loader {
	return &loader{
		snap:      &snapshot.Snapshot{Source: source},
		progress:  progress,
		server:    cfg.Host,
		anonymous: anonymous(cfg),
		refused:   map[string]error{},
	}
}

// gap records a refused list and reports whether err was one; any other
// error is returned for the caller to fail on.
func (l *loader) gap(resource string, err error) (bool, error) {
	switch {
	case err == nil:
		return false, nil
	case apierrors.IsUnauthorized(err):
		return false, l.unauthorized(err)
	case apierrors.IsForbidden(err):
		l.snap.Gaps = append(l.snap.Gaps, snapshot.Gap{Resource: resource, Reason: "forbidden"})
	case apierrors.IsNotFound(err):
		l.snap.Gaps = append(l.snap.Gaps, snapshot.Gap{Resource: resource, Reason: "not served"})
	case apierrors.IsMethodNotSupported(err):
		l.snap.Gaps = append(l.snap.Gaps, snapshot.Gap{Resource: resource, Reason: err.Error()})
	default:
		return false, fmt.Errorf("list %s from the server at %s: %w", resource, l.server, err)
	}
	if l.refused != nil {
		l.refused[resource] = err
	}
	return true, nil
}

// continuer is a page of a list: its continue token, and how many items
// the server says remain after it, when it knows.
type continuer interface {
	GetContinue() string
	GetRemainingItemCount() *int64
}

// maxPresize bounds the items a list makes room for on the server's word.
const maxPresize = 1 << 18

// listAll pages through a list call. A forbidden or unserved list returns
// no items and records a gap.
func listAll[L continuer, T any](ctx context.Context, l *loader, resource string, list func(context.Context, metav1.ListOptions) (L, error), items func(L) []T) ([]T, error) {
	var out []T
	opts := metav1.ListOptions{Limit: PageSize}
	restarts := 0
	for {
		page, err := list(ctx, opts)
		// A continue token expires when the list takes longer than etcd's
		// compaction interval: start the list again, a few times.
		if apierrors.IsResourceExpired(err) && opts.Continue != "" && restarts < 3 {
			restarts++
			out, opts.Continue = out[:0], ""
			if l.progress != nil {
				fmt.Fprintf(l.progress, "bulkhead: %s: list expired, starting again\n", resource)
			}
			continue
		}
		if gapped, gerr := l.gap(resource, err); gapped || gerr != nil {
			if l.progress != nil && gapped {
				fmt.Fprintf(l.progress, "bulkhead: %s: %s\n", resource, l.snap.Gaps[len(l.snap.Gaps)-1].Reason)
			}
			return nil, gerr
		}
		got := items(page)
		// Room for the whole list at its first page, rather than growing
		// (and copying) it page after page.
		if n := page.GetRemainingItemCount(); out == nil && n != nil && *n > 0 && *n < maxPresize {
			out = make([]T, 0, len(got)+int(*n))
		}
		out = append(out, got...)
		if page.GetContinue() == "" {
			break
		}
		opts.Continue = page.GetContinue()
		if l.progress != nil {
			fmt.Fprintf(l.progress, "bulkhead: listing %s: %d so far\n", resource, len(out))
		}
	}
	if l.progress != nil {
		fmt.Fprintf(l.progress, "bulkhead: %s: %d\n", resource, len(out))
	}
	return out, nil
}

// secrets lists secrets as metadata only: the values never leave the API
// server, and the read-only ClusterRole bulkhead ships grants no more.
func (l *loader) secrets(ctx context.Context, md metadata.Interface) error {
	gvr := corev1.SchemeGroupVersion.WithResource("secrets")
	metas, err := listAll(ctx, l, "secrets", func(ctx context.Context, o metav1.ListOptions) (*metav1.PartialObjectMetadataList, error) {
		return md.Resource(gvr).List(ctx, o)
	}, func(x *metav1.PartialObjectMetadataList) []metav1.PartialObjectMetadata { return x.Items })
	for _, m := range metas {
		s := corev1.Secret{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Secret"}, ObjectMeta: m.ObjectMeta}
		l.snap.Secrets = append(l.snap.Secrets, snapshot.StripSecret(&s))
	}
	return err
}

// coreDNS reads the CoreDNS Corefile ConfigMap; a cluster without one (or
// with another DNS server) simply has none.
func (l *loader) coreDNS(ctx context.Context, cs kubernetes.Interface) error {
	cm, err := cs.CoreV1().ConfigMaps(metav1.NamespaceSystem).Get(ctx, "coredns", metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	}
	if gapped, gerr := l.gap("configmaps/kube-system/coredns", err); gapped || gerr != nil {
		return gerr
	}
	l.snap.ConfigMaps = append(l.snap.ConfigMaps, *cm)
	return nil
}

var (
	anpGVR  = anpv1alpha1.SchemeGroupVersion.WithResource("adminnetworkpolicies")
	banpGVR = anpv1alpha1.SchemeGroupVersion.WithResource("baselineadminnetworkpolicies")
)

// adminPolicies lists AdminNetworkPolicies and the baseline policy when the
// API serves them (they are CRDs).
func (l *loader) adminPolicies(ctx context.Context, dyn dynamic.Interface) error {
	for _, gvr := range []schema.GroupVersionResource{anpGVR, banpGVR} {
		// A cluster without the CRDs has no such policies: not a gap.
		if _, err := dyn.Resource(gvr).List(ctx, metav1.ListOptions{Limit: 1}); apierrors.IsNotFound(err) {
			continue
		}
		items, err := listAll(ctx, l, gvr.Resource+"."+gvr.Group, dyn.Resource(gvr).List, func(x *unstructured.UnstructuredList) []unstructured.Unstructured { return x.Items })
		if err != nil {
			return err
		}
		for i := range items {
			var obj runtime.Object
			if gvr == anpGVR {
				obj = &anpv1alpha1.AdminNetworkPolicy{}
			} else {
				obj = &anpv1alpha1.BaselineAdminNetworkPolicy{}
			}
			if err := runtime.DefaultUnstructuredConverter.FromUnstructured(items[i].Object, obj); err != nil {
				l.snap.Problems = append(l.snap.Problems, snapshot.Problem{Where: "live: " + gvr.Resource + "/" + items[i].GetName(), Message: err.Error()})
				continue
			}
			l.snap.Add(obj)
		}
	}
	return nil
}
