package admission

import (
	"fmt"
	"maps"

	corev1 "k8s.io/api/core/v1"

	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
	"github.com/bulkhead-dev/bulkhead/internal/tenancy"
)

// tenantIndex is what placing one namespace among the snapshot's others
// needs, without grouping them all again for every namespace request.
type tenantIndex struct {
	// labels are the labels of the snapshot's namespaces, by name.
	labels map[string]map[string]string
	// carriers are up to two namespaces carrying the tenant label: a
	// tenant label no namespace carries is an error (tenancy.Resolve).
	carriers []*corev1.Namespace
	// members are up to two namespaces of each tenant, by tenant name: a
	// namespace of its own is renamed when a grouped tenant has its name.
	members map[string][]*corev1.Namespace
}

func newTenantIndex(snap *snapshot.Snapshot, ten *tenancy.Tenancy, label string) tenantIndex {
	x := tenantIndex{labels: make(map[string]map[string]string, len(snap.Namespaces)), members: map[string][]*corev1.Namespace{}}
	for i := range snap.Namespaces {
		ns := &snap.Namespaces[i]
		x.labels[ns.Name] = ns.Labels
		if _, ok := ns.Labels[label]; ok && label != "" && len(x.carriers) < 2 {
			x.carriers = append(x.carriers, ns)
		}
		if t := ten.Of(ns.Name); len(x.members[t]) < 2 {
			x.members[t] = append(x.members[t], ns)
		}
	}
	return x
}

// other returns the first of nss not named name.
func other(nss []*corev1.Namespace, name string) *corev1.Namespace {
	for _, ns := range nss {
		if ns.Name != name {
			return ns
		}
	}
	return nil
}

// tenantWith returns the tenant a namespace would belong to with its
// labels, among the snapshot's other namespaces (a namespace of its own
// takes another name when a grouped tenant has its name).
//
// A namespace stored with the same labels changes nothing: its tenant is
// the snapshot's (the old object of every update, and most updates' new
// one). Otherwise its tenant depends on the others only through two
// questions tenancy.Resolve asks of them all: does any namespace carry
// the tenant label, and is a grouped tenant named like this namespace?
// So it is resolved among one namespace answering each, not all of them;
// the snapshot's other namespaces resolved without error, and a namespace
// whose tenant errs is resolved among all again for the error's message.
func (a *Admission) tenantWith(ns *corev1.Namespace) (string, error) {
	if stored, ok := a.index.labels[ns.Name]; ok && maps.Equal(stored, ns.Labels) {
		return tenantOf(a.ten, ns.Name)
	}
	nss := []corev1.Namespace{*ns}
	if c := other(a.index.carriers, ns.Name); c != nil {
		nss = append(nss, *c)
	}
	if m := other(a.index.members[ns.Name], ns.Name); m != nil {
		nss = append(nss, *m)
	}
	ten, err := tenancy.Resolve(&snapshot.Snapshot{Namespaces: nss}, a.tenCfg)
	if err != nil {
		return a.resolveWith(ns)
	}
	return tenantOf(ten, ns.Name)
}

// tenantOf is the tenant of a namespace, an error when tenants of the
// file contest it (tenancy.Config.Live).
func tenantOf(ten *tenancy.Tenancy, namespace string) (string, error) {
	if claims, ok := ten.Contested(namespace); ok {
		return "", fmt.Errorf("namespace %q is claimed by %s", namespace, claims)
	}
	return ten.Of(namespace), nil
}

// resolveWith groups the snapshot's namespaces into tenants again, with
// ns in place of the namespace of its name.
func (a *Admission) resolveWith(ns *corev1.Namespace) (string, error) {
	nss := make([]corev1.Namespace, 0, len(a.snap.Namespaces)+1)
	for i := range a.snap.Namespaces {
		if a.snap.Namespaces[i].Name != ns.Name {
			nss = append(nss, a.snap.Namespaces[i])
		}
	}
	nss = append(nss, *ns)
	ten, err := tenancy.Resolve(&snapshot.Snapshot{Namespaces: nss}, a.tenCfg)
	if err != nil {
		return "", err
	}
	return tenantOf(ten, ns.Name)
}
