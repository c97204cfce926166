package kube

import (
	"context"
	"fmt"
	"io"
	"reflect"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/rest"

	"github.com/bulkhead-dev/bulkhead/internal/dns"
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
	pcfg := protobuf(cfg)
	hc, err := rest.HTTPClientFor(pcfg)
	if err != nil {
		return nil, fmt.Errorf("client for %s: %w", source, err)
	}
	cs, err := kubernetes.NewForConfigAndClient(pcfg, hc)
	if err != nil {
		return nil, fmt.Errorf("client for %s: %w", source, err)
	}
	typed, err := newTypedLists(pcfg, hc)
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
	namespaces, _ := snapshot.KindOf(&corev1.Namespace{})
	if err := l.listKind(ctx, typed, namespaces); err != nil {
		return nil, err
	}
	if apierrors.IsNotFound(l.refused["namespaces"]) {
		return nil, l.notKubernetes()
	}

	steps, err := listSteps(ctx, namespaces, typed, cs, md, dyn, disc)
	if err != nil {
		return nil, err
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
	c := &sliceCollector[L, T]{items: items}
	if err := pageAll(ctx, l, resource, list, c); err != nil || c.gapped {
		return nil, err
	}
	return c.out, nil
}

// collector gathers the items of a list's pages.
type collector[L continuer] interface {
	// take adds a page's items and returns how many the list has so far.
	take(page L) int
	// restart forgets the items taken: the list starts again.
	restart()
	// gap says the list was refused, so its items are none.
	gap()
}

// sliceCollector gathers the items of a list's pages in a slice.
type sliceCollector[L continuer, T any] struct {
	items  func(L) []T
	out    []T
	gapped bool
}

func (c *sliceCollector[L, T]) take(page L) int {
	got := c.items(page)
	// Room for the whole list at its first page, rather than growing
	// (and copying) it page after page.
	if n := page.GetRemainingItemCount(); c.out == nil && n != nil && *n > 0 && *n < maxPresize {
		c.out = make([]T, 0, len(got)+int(*n))
	}
	c.out = append(c.out, got...)
	return len(c.out)
}

func (c *sliceCollector[L, T]) restart() { c.out = c.out[:0] }
func (c *sliceCollector[L, T]) gap()     { c.gapped = true }

// pageAll pages through a list call, handing each page to c. A forbidden
// or unserved list records a gap and tells c.
func pageAll[L continuer](ctx context.Context, l *loader, resource string, list func(context.Context, metav1.ListOptions) (L, error), c collector[L]) error {
	opts := metav1.ListOptions{Limit: PageSize}
	restarts, n := 0, 0
	for {
		page, err := list(ctx, opts)
		// A continue token expires when the list takes longer than etcd's
		// compaction interval: start the list again, a few times.
		if apierrors.IsResourceExpired(err) && opts.Continue != "" && restarts < 3 {
			restarts++
			c.restart()
			opts.Continue = ""
			if l.progress != nil {
				fmt.Fprintf(l.progress, "bulkhead: %s: list expired, starting again\n", resource)
			}
			continue
		}
		if gapped, gerr := l.gap(resource, err); gapped || gerr != nil {
			if l.progress != nil && gapped {
				fmt.Fprintf(l.progress, "bulkhead: %s: %s\n", resource, l.snap.Gaps[len(l.snap.Gaps)-1].Reason)
			}
			c.gap()
			return gerr
		}
		n = c.take(page)
		if page.GetContinue() == "" {
			break
		}
		opts.Continue = page.GetContinue()
		if l.progress != nil {
			fmt.Fprintf(l.progress, "bulkhead: listing %s: %d so far\n", resource, n)
		}
	}
	if l.progress != nil {
		fmt.Fprintf(l.progress, "bulkhead: %s: %d\n", resource, n)
	}
	return nil
}

// metadataOnly lists a kind as metadata only (secrets: the values never
// leave the API server, and the read-only ClusterRole bulkhead ships grants
// no more).
func (l *loader) metadataOnly(ctx context.Context, md metadata.Interface, k snapshot.Kind) error {
	gvr := k.GroupVersionResource()
	metas, err := listAll(ctx, l, k.GapResource(), func(ctx context.Context, o metav1.ListOptions) (*metav1.PartialObjectMetadataList, error) {
		return md.Resource(gvr).List(ctx, o)
	}, func(x *metav1.PartialObjectMetadataList) []metav1.PartialObjectMetadata { return x.Items })
	for _, m := range metas {
		obj := k.New()
		obj.GetObjectKind().SetGroupVersionKind(k.GVK)
		reflect.ValueOf(obj).Elem().FieldByName("ObjectMeta").Set(reflect.ValueOf(m.ObjectMeta))
		l.snap.Add(obj)
	}
	return err
}

// coreDNS reads the CoreDNS Corefile ConfigMap; a cluster without one (or
// with another DNS server) simply has none.
func (l *loader) coreDNS(ctx context.Context, cs kubernetes.Interface) error {
	cm, err := cs.CoreV1().ConfigMaps(dns.CorefileNamespace).Get(ctx, dns.CorefileName, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	}
	if gapped, gerr := l.gap("configmaps/kube-system/coredns", err); gapped || gerr != nil {
		return gerr
	}
	l.snap.ConfigMaps = append(l.snap.ConfigMaps, *cm)
	return nil
}

// adminPolicies lists the kinds of the network policy API
// (AdminNetworkPolicies and the baseline policy) when the API serves them
// (they are CRDs).
func (l *loader) adminPolicies(ctx context.Context, dyn dynamic.Interface, kinds []snapshot.Kind) error {
	for _, k := range kinds {
		gvr := k.GroupVersionResource()
		// A cluster without the CRDs has no such policies: not a gap.
		if _, err := dyn.Resource(gvr).List(ctx, metav1.ListOptions{Limit: 1}); apierrors.IsNotFound(err) {
			continue
		}
		items, err := listAll(ctx, l, k.GapResource(), dyn.Resource(gvr).List, func(x *unstructured.UnstructuredList) []unstructured.Unstructured { return x.Items })
		if err != nil {
			return err
		}
		// Served, even with no objects: say so, as the CRD of a file
		// snapshot does (harden --network admin asks).
		l.snap.CustomResources = append(l.snap.CustomResources, snapshot.CustomResource{
			Group: gvr.Group, Resource: gvr.Resource, Kind: k.GVK.Kind, Versions: []string{gvr.Version}, Namespaced: k.Namespaced})
		for i := range items {
			obj := k.New()
			if err := runtime.DefaultUnstructuredConverter.FromUnstructured(items[i].Object, obj); err != nil {
				l.snap.Problems = append(l.snap.Problems, snapshot.Problem{Where: "live: " + gvr.Resource + "/" + items[i].GetName(), Message: err.Error()})
				continue
			}
			l.snap.Add(obj)
		}
	}
	return nil
}
