package tenancy

import (
	"fmt"
	"maps"
	"sort"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
)

// Cluster is the tenant of the system namespaces: whoever controls it
// controls the cluster.
const Cluster = "cluster"

// Platform is the tenant of the platform namespaces: shared services
// (monitoring, ingress controllers, cert-manager, Argo CD) that hold
// cluster-wide power by design. What they can do to tenants is platform
// exposure, not a breach between tenants; what tenants can do to them is
// judged as to any other tenant.
const Platform = "platform"

// DefaultSystemNamespaces are the namespaces of the cluster tenant unless
// configured otherwise.
var DefaultSystemNamespaces = []string{"kube-system", "kube-public", "kube-node-lease", "bulkhead-system"}

// Config says how to group namespaces. At most one of Label and File is set.
type Config struct {
	// Label groups namespaces by the value of this label; namespaces without
	// it are tenants of their own. Resolve fails when no namespace carries it.
	Label string
	// File names tenants explicitly (see LoadFile).
	File *File
	// SystemNamespaces replaces DefaultSystemNamespaces when non-nil.
	SystemNamespaces []string
	// ExtraSystemNamespaces are system namespaces in addition to
	// SystemNamespaces (or the defaults) and the tenants file's system:.
	ExtraSystemNamespaces []string
	// PlatformNamespaces are the names or globs of the platform tenant's
	// namespaces, together with the tenants file's platform:.
	PlatformNamespaces []string
	// Live says the namespaces are a running cluster's, which change
	// under the configuration (the admission webhook): what would be a
	// mistake in a snapshot is a passing state there. A tenant label no
	// namespace carries yet groups nothing yet, and a namespace two
	// tenants of the file claim is Contested, not an error of the whole
	// tenancy.
	Live bool
}

// Tenant is a named group of namespaces.
type Tenant struct {
	Name       string   `json:"name"`
	Namespaces []string `json:"namespaces"`
	// System is true for the cluster tenant.
	System bool `json:"system,omitempty"`
	// Platform is true for the platform tenant.
	Platform bool `json:"platform,omitempty"`
}

// Tenancy maps namespaces to tenants.
type Tenancy struct {
	byNamespace map[string]string
	tenants     []Tenant
	system      map[string]bool
	platform    []string // names or globs
	cfg         Config
	warnings    []string
	// contested are the namespaces two tenants of the file claim (Live
	// only), with the claims.
	contested map[string]string
}

// Resolve assigns every namespace of the snapshot, and every namespace an
// object of the snapshot lives in, to a tenant. It fails on a configuration
// that cannot mean what it says (see Config and File) and returns the
// doubtful parts of one as Warnings.
func Resolve(snap *snapshot.Snapshot, cfg Config) (*Tenancy, error) {
	if cfg.Label != "" && cfg.File != nil {
		return nil, fmt.Errorf("a tenant label and a tenants file cannot both be given")
	}
	if cfg.Label != "" {
		if errs := validateLabelKey(cfg.Label); errs != nil {
			return nil, fmt.Errorf("tenant label %q: %v", cfg.Label, errs)
		}
	}
	t := &Tenancy{byNamespace: map[string]string{}, system: map[string]bool{}, cfg: cfg}
	sys := cfg.SystemNamespaces
	if sys == nil {
		sys = DefaultSystemNamespaces
	}
	sys = append(append([]string(nil), sys...), cfg.ExtraSystemNamespaces...)
	t.platform = append([]string(nil), cfg.PlatformNamespaces...)
	if cfg.File != nil {
		sys = append(sys, cfg.File.System...)
		t.platform = append(t.platform, cfg.File.Platform...)
	}
	for _, n := range sys {
		t.system[n] = true
	}
	t.platform = dedupe(t.platform)
	if err := validGlobs("platform", t.platform); err != nil {
		return nil, err
	}
	nss := namespacesOf(snap)
	if err := t.check(snap, nss); err != nil {
		return nil, err
	}
	fallback := map[string]bool{} // namespaces that are tenants of their own
	grouped := map[string]bool{}  // tenant names given by a label or the file
	for _, ns := range nss {
		name, own := t.assign(ns)
		t.byNamespace[ns.Name] = name
		if own {
			fallback[ns.Name] = true
		} else if name != Cluster && name != Platform {
			grouped[name] = true
		}
	}
	// A namespace that is a tenant of its own keeps its name, unless that
	// name is taken by a grouped tenant, the cluster or the platform tenant:
	// then it becomes "ns:NAME", which no label value or namespace can spell.
	for ns := range fallback {
		if grouped[ns] || ns == Cluster || ns == Platform {
			t.byNamespace[ns] = OwnPrefix + ns
		}
	}
	members := map[string][]string{}
	for ns, ten := range t.byNamespace {
		members[ten] = append(members[ten], ns)
	}
	for name, nss := range members {
		sort.Strings(nss)
		t.tenants = append(t.tenants, Tenant{Name: name, Namespaces: nss, System: name == Cluster, Platform: name == Platform})
	}
	sort.Slice(t.tenants, func(i, j int) bool {
		a, b := t.tenants[i], t.tenants[j]
		if ra, rb := rank(a), rank(b); ra != rb {
			return ra < rb // the cluster tenant first, then the platform
		}
		return a.Name < b.Name
	})
	return t, nil
}

func rank(t Tenant) int {
	switch {
	case t.System:
		return 0
	case t.Platform:
		return 1
	}
	return 2
}

// OwnPrefix names the tenant of a namespace that is a tenant of its own
// when its bare name is taken by another tenant.
const OwnPrefix = "ns:"

// assign returns a namespace's tenant, and whether the namespace is a
// tenant of its own (no label, no tenants-file entry). Resolve has checked
// that at most one tenant of the file claims it.
func (t *Tenancy) assign(ns *corev1.Namespace) (string, bool) {
	if t.system[ns.Name] {
		return Cluster, false
	}
	if matchAny(t.platform, ns.Name) {
		return Platform, false
	}
	if t.cfg.Label != "" {
		if v, ok := ns.Labels[t.cfg.Label]; ok && v != "" {
			if v == Cluster || v == Platform {
				return "label:" + v, false // reserved tenant names
			}
			return v, false
		}
		return ns.Name, true
	}
	if t.cfg.File != nil {
		for i := range t.cfg.File.Tenants {
			if t.cfg.File.Tenants[i].claims(ns) {
				return t.cfg.File.Tenants[i].Name, false
			}
		}
	}
	return ns.Name, true
}

// Of returns the tenant of a namespace. A namespace the snapshot never
// mentioned is judged by its name alone (no labels).
func (t *Tenancy) Of(namespace string) string {
	if ten, ok := t.byNamespace[namespace]; ok {
		return ten
	}
	ten, own := t.assign(&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: namespace}})
	if own && (ten == Cluster || ten == Platform) {
		return OwnPrefix + namespace
	}
	return ten
}

// Contested says whether tenants of the file claim a namespace of a live
// cluster at once (Config.Live), and which: its tenant is unknown until
// its labels change.
func (t *Tenancy) Contested(namespace string) (claims string, ok bool) {
	claims, ok = t.contested[namespace]
	return claims, ok
}

// IsSystem reports whether the namespace belongs to the cluster tenant.
func (t *Tenancy) IsSystem(namespace string) bool { return t.Of(namespace) == Cluster }

// IsPlatform reports whether the namespace belongs to the platform tenant:
// its power over tenants is platform exposure, not a tenant-to-tenant
// breach.
func (t *Tenancy) IsPlatform(namespace string) bool { return t.Of(namespace) == Platform }

// Tenants lists the tenants, the cluster tenant first, then the platform
// tenant, then by name.
func (t *Tenancy) Tenants() []Tenant { return t.tenants }

// Warnings lists what in the configuration looks like a mistake but does
// not stop the analysis, such as a tenants-file entry matching no namespace.
func (t *Tenancy) Warnings() []string { return t.warnings }

// Namespaces returns the namespaces of a tenant, sorted.
func (t *Tenancy) Namespaces(tenant string) []string {
	for _, x := range t.tenants {
		if x.Name == tenant {
			return x.Namespaces
		}
	}
	return nil
}

// namespacesOf returns the snapshot's namespaces plus a bare namespace for
// every namespace that objects live in but that has no Namespace object.
func namespacesOf(snap *snapshot.Snapshot) []*corev1.Namespace {
	seen := map[string]bool{}
	var out []*corev1.Namespace
	for i := range snap.Namespaces {
		seen[snap.Namespaces[i].Name] = true
		out = append(out, &snap.Namespaces[i])
	}
	for _, name := range snap.ReferencedNamespaces() {
		if !seen[name] {
			seen[name] = true
			out = append(out, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}})
		}
	}
	return out
}

// dedupe drops repeated entries, keeping the first of each.
func dedupe(xs []string) []string {
	seen := map[string]bool{}
	out := xs[:0]
	for _, x := range xs {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}

// ResolveSince is Resolve of after, the snapshot that before became when
// the objects named by changed were applied or deleted, where prev is what
// Resolve gave for before (with the same Config): it is prev itself when
// the change cannot move a namespace to another tenant, and after resolved
// anew otherwise. It cannot when every object changed lives in a
// namespace that a Namespace object declares before and after it, and
// every Namespace changed, declared before and after, keeps what its
// tenant is read from: its tenant label, or with a tenants file (whose
// selectors may read any label) every label. A big cluster's re-analysis
// after one change need not read every object for the namespaces they
// live in.
func ResolveSince(prev *Tenancy, before, after *snapshot.Snapshot, changed []snapshot.Key) (*Tenancy, error) {
	for _, k := range changed {
		ns, isNamespace := k.Namespace, k.Resource == namespaceResource
		if isNamespace {
			ns = k.Name
		}
		if ns == "" {
			continue // cluster-scoped: no namespace is its
		}
		a, b := before.Namespace(ns), after.Namespace(ns)
		if a == nil || b == nil || (isNamespace && !prev.assignsAlike(a, b)) {
			return Resolve(after, prev.cfg)
		}
	}
	return prev, nil
}

// namespaceResource is the resource of Namespaces as snapshot.Key names it.
var namespaceResource = corev1.SchemeGroupVersion.WithResource("namespaces").GroupResource()

// assignsAlike reports whether a Namespace, once a and then b, reads the
// same to the tenancy: the same tenant label, or with a tenants file the
// same labels.
func (t *Tenancy) assignsAlike(a, b *corev1.Namespace) bool {
	switch {
	case t.cfg.File != nil:
		return maps.Equal(a.Labels, b.Labels)
	case t.cfg.Label != "":
		va, oka := a.Labels[t.cfg.Label]
		vb, okb := b.Labels[t.cfg.Label]
		return va == vb && oka == okb
	}
	return true
}
