package kube

import (
	"context"
	"fmt"
	"net/http"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/gentype"
	"k8s.io/client-go/kubernetes"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/rest"

	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
)

// listSteps returns a listing step for each kind of snapshot.Kinds, in
// their order, except first, listed before them all: a typed list for the
// kinds listed whole, and the special reads of the others (secrets as
// metadata, the CoreDNS ConfigMap, the AdminNetworkPolicy CRDs with the
// connectivity kinds after them). A kind read in a way Load does not know
// is an error.
func listSteps(ctx context.Context, first snapshot.Kind, typed *typedLists, cs kubernetes.Interface, md metadata.Interface, dyn dynamic.Interface, disc discovery.DiscoveryInterface) ([]func(*loader) error, error) {
	var steps []func(*loader) error
	var dynamicKinds []snapshot.Kind
	for _, k := range snapshot.Kinds {
		switch {
		case k.GVK == first.GVK || k.Live == snapshot.NotListed:
		case k.Live == snapshot.ListTyped:
			steps = append(steps, func(l *loader) error { return l.listKind(ctx, typed, k) })
		case k.Live == snapshot.ListMetadata:
			steps = append(steps, func(l *loader) error { return l.metadataOnly(ctx, md, k) })
		case k.Live == snapshot.GetCoreDNS:
			steps = append(steps, func(l *loader) error { return l.coreDNS(ctx, cs) })
		case k.Live == snapshot.ListDynamic:
			if dynamicKinds == nil {
				steps = append(steps,
					func(l *loader) error { return l.adminPolicies(ctx, dyn, dynamicKinds) },
					func(l *loader) error { return l.connectivity(ctx, disc, md) })
			}
			dynamicKinds = append(dynamicKinds, k)
		default:
			return nil, fmt.Errorf("no live read for %s (%d)", k.GVK.Kind, k.Live)
		}
	}
	return steps, nil
}

// typedLists list the kinds of snapshot.Kinds as client-go's typed clients
// do, with one REST client per group version, all on one HTTP client.
type typedLists struct {
	cfg     *rest.Config
	hc      *http.Client
	clients map[schema.GroupVersion]rest.Interface
}

// newTypedLists makes the REST clients of every group version of the kinds
// listed typed, configured as client-go's generated clients are.
func newTypedLists(cfg *rest.Config, hc *http.Client) (*typedLists, error) {
	t := &typedLists{cfg: cfg, hc: hc, clients: map[schema.GroupVersion]rest.Interface{}}
	for _, k := range snapshot.Kinds {
		gv := k.GVK.GroupVersion()
		if _, ok := t.clients[gv]; ok || k.Live != snapshot.ListTyped {
			continue
		}
		c := rest.CopyConfig(cfg)
		c.GroupVersion = &gv
		c.APIPath = "/apis"
		if gv.Group == "" {
			c.APIPath = "/api"
		}
		c.NegotiatedSerializer = rest.CodecFactoryForGeneratedClient(clientgoscheme.Scheme, clientgoscheme.Codecs).WithoutConversion()
		if c.UserAgent == "" {
			c.UserAgent = rest.DefaultKubernetesUserAgent()
		}
		rc, err := rest.RESTClientForConfigAndClient(c, hc)
		if err != nil {
			return nil, fmt.Errorf("client for %s: %w", gv, err)
		}
		t.clients[gv] = rc
	}
	return t, nil
}

// object is a typed object of a kind of snapshot.Kinds.
type object interface {
	metav1.Object
	runtime.Object
}

// page is a page of a typed list.
type page interface {
	runtime.Object
	continuer
}

// list returns the list call of k across all namespaces, the generated
// typed client's own (so protobuf, and the watch-list semantics when
// client-go's feature gate asks for them).
func (t *typedLists) list(k snapshot.Kind) func(context.Context, metav1.ListOptions) (page, error) {
	c := gentype.NewClientWithList[object, runtime.Object](k.Resource, t.clients[k.GVK.GroupVersion()], clientgoscheme.ParameterCodec, metav1.NamespaceAll,
		func() object { return k.New().(object) }, k.NewList, gentype.PrefersProtobuf[object]())
	return func(ctx context.Context, o metav1.ListOptions) (page, error) {
		list, err := c.List(ctx, o)
		if err != nil {
			return nil, err
		}
		p, ok := list.(page)
		if !ok {
			return nil, fmt.Errorf("list %s: a %T has no continue token", k.GapResource(), list)
		}
		return p, nil
	}
}

// listKind lists every object of k into the snapshot's slice of it. A
// forbidden or unserved list leaves none and records a gap.
func (l *loader) listKind(ctx context.Context, t *typedLists, k snapshot.Kind) error {
	c := &kindCollector{snap: l.snap, kind: k}
	err := pageAll(ctx, l, k.GapResource(), t.list(k), c)
	if err != nil || c.gapped {
		k.Truncate(l.snap, -1)
	}
	if err == nil {
		err = c.err
	}
	return err
}

// kindCollector gathers a list's pages into a snapshot's slice of its
// kind, as sliceCollector gathers them into a slice of their own.
type kindCollector struct {
	snap    *snapshot.Snapshot
	kind    snapshot.Kind
	started bool
	gapped  bool
	err     error
}

func (c *kindCollector) take(p page) int {
	// Room for the whole list at its first page, rather than growing
	// (and copying) it page after page.
	if n := p.GetRemainingItemCount(); !c.started && n != nil && *n > 0 && *n < maxPresize {
		c.kind.Grow(c.snap, meta.LenList(p)+int(*n))
	}
	c.started = true
	if _, err := c.kind.AppendList(c.snap, p); err != nil && c.err == nil {
		c.err = err
	}
	return c.kind.Len(c.snap)
}

func (c *kindCollector) restart() { c.kind.Truncate(c.snap, 0) }
func (c *kindCollector) gap()     { c.gapped = true }
