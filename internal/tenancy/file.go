package tenancy

import (
	"fmt"
	"os"
	"path"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/yaml"
)

// File is the tenants file:
//
//	system: [sandbox]                 # added to the default system namespaces
//	platform: [monitoring, "argo*"]   # names or globs of the platform tenant
//	tenants:
//	- name: payments
//	  namespaces: [payments, "payments-*"]
//	- name: analytics
//	  selector: {matchLabels: {team: analytics}}
//
// A namespace may be claimed by one tenant only; namespaces no tenant claims
// are tenants of their own.
type File struct {
	System   []string     `json:"system,omitempty"`
	Platform []string     `json:"platform,omitempty"`
	Tenants  []TenantSpec `json:"tenants"`
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
		return nil, fmt.Errorf("--tenants: %w", err)
	}
	f, err := ParseFile(data)
	if err != nil {
		return nil, fmt.Errorf("tenants file %s: %w", name, err)
	}
	return f, nil
}

// ParseFile reads a tenants file from bytes; unknown fields are errors, and
// so is a namespace name listed by two tenants.
func ParseFile(data []byte) (*File, error) {
	var f File
	if err := yaml.UnmarshalStrict(data, &f); err != nil {
		return nil, err
	}
	if err := validGlobs("platform", f.Platform); err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	listedBy := map[string]string{} // literal namespace name → tenant
	for i := range f.Tenants {
		t := &f.Tenants[i]
		switch {
		case t.Name == "":
			return nil, fmt.Errorf("tenants[%d]: name is required", i)
		case t.Name == Cluster:
			return nil, fmt.Errorf("tenants[%d]: %q is reserved for the system namespaces (use system:)", i, Cluster)
		case t.Name == Platform:
			return nil, fmt.Errorf("tenants[%d]: %q is reserved for the platform namespaces (use platform:)", i, Platform)
		case seen[t.Name]:
			return nil, fmt.Errorf("tenants[%d]: duplicate tenant %q", i, t.Name)
		case len(t.Namespaces) == 0 && t.Selector == nil:
			return nil, fmt.Errorf("tenant %q: needs namespaces or a selector", t.Name)
		}
		seen[t.Name] = true
		if err := validGlobs(fmt.Sprintf("tenant %q: namespace", t.Name), t.Namespaces); err != nil {
			return nil, err
		}
		for _, n := range t.Namespaces {
			if other, ok := listedBy[n]; ok && other != t.Name && !isGlob(n) {
				return nil, fmt.Errorf("namespace %q is listed by tenants %q and %q", n, other, t.Name)
			}
			listedBy[n] = t.Name
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

func validGlobs(what string, globs []string) error {
	for _, g := range globs {
		if _, err := path.Match(g, ""); err != nil {
			return fmt.Errorf("%s: bad namespace glob %q: %w", what, g, err)
		}
	}
	return nil
}

// isGlob reports whether a namespace entry is a pattern rather than a name.
func isGlob(s string) bool { return strings.ContainsAny(s, `*?[\`) }

// matchAny reports whether a namespace name matches any of the names or
// globs.
func matchAny(globs []string, name string) bool {
	for _, g := range globs {
		if ok, _ := path.Match(g, name); ok {
			return true
		}
	}
	return false
}

// claims reports whether the tenant names or selects the namespace.
func (t *TenantSpec) claims(ns *corev1.Namespace) bool {
	return matchAny(t.Namespaces, ns.Name) || t.selects(ns)
}

func (t *TenantSpec) selects(ns *corev1.Namespace) bool {
	return t.selector != nil && t.selector.Matches(labels.Set(ns.Labels))
}

// how says how a tenant claims a namespace, for messages.
func (t *TenantSpec) how(ns *corev1.Namespace) string {
	for _, g := range t.Namespaces {
		if ok, _ := path.Match(g, ns.Name); ok {
			if g == ns.Name {
				return "by name"
			}
			return fmt.Sprintf("by glob %q", g)
		}
	}
	return fmt.Sprintf("by selector %s", t.selector)
}
