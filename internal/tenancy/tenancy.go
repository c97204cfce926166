package tenancy

import (
	"fmt"
	"os"
	"path"
	"sort"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/yaml"

	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
)

// Cluster is the tenant of the system namespaces: whoever controls it
// controls the cluster.
const Cluster = "cluster"

// DefaultSystemNamespaces are the namespaces of the cluster tenant unless
// configured otherwise.
var DefaultSystemNamespaces = []string{"kube-system", "kube-public", "kube-node-lease", "bulkhead-system"}

// Config says how to group namespaces. At most one of Label and File is set.
type Config struct {
	// Label groups namespaces by the value of this label; namespaces without
	// it are tenants of their own.
	Label string
	// File names tenants explicitly (see LoadFile).
	File *File
	// SystemNamespaces overrides DefaultSystemNamespaces when non-nil.
	SystemNamespaces []string
}

// File is the tenants file:
//
//	system: [kube-system, kube-public, kube-node-lease, monitoring]
//	tenants:
//	- name: payments
//	  namespaces: [payments, "payments-*"]
//	- name: analytics
//	  selector: {matchLabels: {team: analytics}}
//
// A namespace joins the first tenant that names or selects it; namespaces no
// tenant claims are tenants of their own.
type File struct {
	System  []string     `json:"system,omitempty"`
	Tenants []TenantSpec `json:"tenants"`
}

// TenantSpec is one tenant of a tenants file.
type TenantSpec struct {
	Name       string                `json:"name"`
	Namespaces []string              `json:"namespaces,omitempty"`
	Selector   *metav1.LabelSelector `json:"selector,omitempty"`

	selector labels.Selector
}

// LoadFile reads and validates a tenants file.
func LoadFile(name string) (*File, error) {
	data, err := os.ReadFile(name)
	if err != nil {
		return nil, err
	}
	f, err := ParseFile(data)
	if err != nil {
		return nil, fmt.Errorf("tenants file %s: %w", name, err)
	}
	return f, nil
}

// ParseFile reads a tenants file from bytes; unknown fields are errors.
func ParseFile(data []byte) (*File, error) {
	var f File
	if err := yaml.UnmarshalStrict(data, &f); err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for i := range f.Tenants {
		t := &f.Tenants[i]
		switch {
		case t.Name == "":
			return nil, fmt.Errorf("tenants[%d]: name is required", i)
		case t.Name == Cluster:
			return nil, fmt.Errorf("tenants[%d]: %q is reserved for the system namespaces (use system:)", i, Cluster)
		case seen[t.Name]:
			return nil, fmt.Errorf("tenants[%d]: duplicate tenant %q", i, t.Name)
		case len(t.Namespaces) == 0 && t.Selector == nil:
			return nil, fmt.Errorf("tenant %q: needs namespaces or a selector", t.Name)
		}
		seen[t.Name] = true
		for _, g := range t.Namespaces {
			if _, err := path.Match(g, ""); err != nil {
				return nil, fmt.Errorf("tenant %q: bad namespace glob %q: %w", t.Name, g, err)
			}
		}
		if t.Selector != nil {
			sel, err := metav1.LabelSelectorAsSelector(t.Selector)
			if err != nil {
				return nil, fmt.Errorf("tenant %q: bad selector: %w", t.Name, err)
			}
			t.selector = sel
		}
	}
	return &f, nil
}

func (t *TenantSpec) claims(ns *corev1.Namespace) bool {
	for _, g := range t.Namespaces {
		if ok, _ := path.Match(g, ns.Name); ok {
			return true
		}
	}
	return t.selector != nil && t.selector.Matches(labels.Set(ns.Labels))
}

// Tenant is a named group of namespaces.
type Tenant struct {
	Name       string   `json:"name"`
	Namespaces []string `json:"namespaces"`
	// System is true for the cluster tenant.
	System bool `json:"system,omitempty"`
}

// Tenancy maps namespaces to tenants.
type Tenancy struct {
	byNamespace map[string]string
	tenants     []Tenant
	system      map[string]bool
	cfg         Config
}

// Resolve assigns every namespace of the snapshot, and every namespace an
// object of the snapshot lives in, to a tenant.
func Resolve(snap *snapshot.Snapshot, cfg Config) (*Tenancy, error) {
	if cfg.Label != "" && cfg.File != nil {
		return nil, fmt.Errorf("a tenant label and a tenants file cannot both be given")
	}
	if cfg.Label != "" {
		if errs := validateLabelKey(cfg.Label); errs != nil {
			return nil, fmt.Errorf("tenant label %q: %v", cfg.Label, errs)
		}
	}
	sys := cfg.SystemNamespaces
	if cfg.File != nil && cfg.File.System != nil {
		sys = cfg.File.System
	}
	if sys == nil {
		sys = DefaultSystemNamespaces
	}
	t := &Tenancy{byNamespace: map[string]string{}, system: map[string]bool{}, cfg: cfg}
	for _, n := range sys {
		t.system[n] = true
	}
	fallback := map[string]bool{} // namespaces that are tenants of their own
	grouped := map[string]bool{}  // tenant names given by a label or the file
	for _, ns := range namespacesOf(snap) {
		name, own := t.assign(ns)
		t.byNamespace[ns.Name] = name
		if own {
			fallback[ns.Name] = true
		} else if name != Cluster {
			grouped[name] = true
		}
	}
	// A namespace that is a tenant of its own keeps its name, unless that
	// name is taken by a grouped tenant or by the cluster tenant: then it
	// becomes "ns:NAME", which no label value or namespace can spell.
	for ns := range fallback {
		if grouped[ns] || ns == Cluster {
			t.byNamespace[ns] = OwnPrefix + ns
		}
	}
	members := map[string][]string{}
	for ns, ten := range t.byNamespace {
		members[ten] = append(members[ten], ns)
	}
	for name, nss := range members {
		sort.Strings(nss)
		t.tenants = append(t.tenants, Tenant{Name: name, Namespaces: nss, System: name == Cluster})
	}
	sort.Slice(t.tenants, func(i, j int) bool {
		a, b := t.tenants[i], t.tenants[j]
		if a.System != b.System {
			return a.System // the cluster tenant first
		}
		return a.Name < b.Name
	})
	return t, nil
}

// OwnPrefix names the tenant of a namespace that is a tenant of its own
// when its bare name is taken by another tenant.
const OwnPrefix = "ns:"

// assign returns a namespace's tenant, and whether the namespace is a
// tenant of its own (no label, no tenants-file entry).
func (t *Tenancy) assign(ns *corev1.Namespace) (string, bool) {
	if t.system[ns.Name] {
		return Cluster, false
	}
	if t.cfg.Label != "" {
		if v, ok := ns.Labels[t.cfg.Label]; ok && v != "" {
			if v == Cluster {
				return "label:" + v, false // the cluster tenant's name is reserved
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
	if own && ten == Cluster {
		return OwnPrefix + namespace
	}
	return ten
}

// IsSystem reports whether the namespace belongs to the cluster tenant.
func (t *Tenancy) IsSystem(namespace string) bool { return t.Of(namespace) == Cluster }

// Tenants lists the tenants, the cluster tenant first, then by name.
func (t *Tenancy) Tenants() []Tenant { return t.tenants }

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
