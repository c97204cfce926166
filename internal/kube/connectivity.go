package kube

import (
	"context"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/metadata"

	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
)

// connectivity counts the objects of each connectivity kind the server
// serves (a CNI's own policies, secondary networks, virtual machines), as
// metadata only, and records a gap for each kind that has any: bulkhead does
// not model them, so the network analysis is incomplete. A kind the server
// does not serve is simply absent; one whose discovery or list fails is a
// gap too, since it may exist.
func (l *loader) connectivity(ctx context.Context, disc discovery.DiscoveryInterface, md metadata.Interface) error {
	groups, err := disc.ServerGroups()
	if err != nil {
		if apierrors.IsUnauthorized(err) {
			return l.unauthorized(err)
		}
		for _, k := range snapshot.ConnectivityKinds {
			l.snap.Gaps = append(l.snap.Gaps, snapshot.Gap{Resource: k.GapResource(), Reason: "unknown: discovery failed: " + err.Error()})
		}
		return nil
	}
	versions := map[string][]string{} // group → versions, preferred first
	for _, g := range groups.Groups {
		vs := []string{g.PreferredVersion.Version}
		for _, v := range g.Versions {
			if v.Version != g.PreferredVersion.Version {
				vs = append(vs, v.Version)
			}
		}
		versions[g.Name] = vs
	}
	d := &discovered{disc: disc, lists: map[string]*metav1.APIResourceList{}, errs: map[string]error{}}
	for _, k := range snapshot.ConnectivityKinds {
		version, err := d.version(k, versions[k.Group])
		if err != nil {
			l.snap.Gaps = append(l.snap.Gaps, snapshot.Gap{Resource: k.GapResource(), Reason: "unknown: " + err.Error()})
			continue
		}
		if version == "" {
			continue
		}
		gvr := schema.GroupVersionResource{Group: k.Group, Version: version, Resource: k.Resource}
		items, err := listAll(ctx, l, k.GapResource(), func(ctx context.Context, o metav1.ListOptions) (*metav1.PartialObjectMetadataList, error) {
			return md.Resource(gvr).List(ctx, o)
		}, func(x *metav1.PartialObjectMetadataList) []metav1.PartialObjectMetadata { return x.Items })
		if err != nil {
			return err
		}
		if len(items) > 0 {
			l.snap.Gaps = append(l.snap.Gaps, k.Gap(len(items)))
		}
	}
	return nil
}

// discovered caches the resource lists of group versions.
type discovered struct {
	disc  discovery.DiscoveryInterface
	lists map[string]*metav1.APIResourceList
	errs  map[string]error
}

// version returns the first of versions that serves k's resource, "" when
// none does, or an error when a version's discovery failed (an aggregated
// API server that is down may serve it).
func (d *discovered) version(k snapshot.ConnectivityKind, versions []string) (string, error) {
	var failed error
	for _, v := range versions {
		gv := k.Group + "/" + v
		list, seen := d.lists[gv]
		err := d.errs[gv]
		if !seen && err == nil {
			list, err = d.disc.ServerResourcesForGroupVersion(gv)
			d.lists[gv], d.errs[gv] = list, err
		}
		if err != nil {
			if !apierrors.IsNotFound(err) && failed == nil {
				failed = fmt.Errorf("discovery of %s failed: %w", gv, err)
			}
			continue
		}
		for _, r := range list.APIResources {
			if r.Name == k.Resource {
				return v, nil
			}
		}
	}
	return "", failed
}
