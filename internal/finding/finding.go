package finding

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// Severity orders findings; higher is worse.
type Severity int

const (
	Info Severity = iota
	Low
	Medium
	High
	Critical
)

var severityNames = []string{"info", "low", "medium", "high", "critical"}

func (s Severity) String() string {
	if s == Critical+1 {
		return "none" // ParseSeverity's "none": --fail-on none
	}
	if s < Info || s > Critical {
		return fmt.Sprintf("severity(%d)", int(s))
	}
	return severityNames[s]
}

// ParseSeverity reads a severity name as printed by String; "none" is
// returned as Critical+1 so that nothing reaches it.
func ParseSeverity(name string) (Severity, error) {
	n := strings.ToLower(strings.TrimSpace(name))
	if n == "none" {
		return Critical + 1, nil
	}
	for i, s := range severityNames {
		if s == n {
			return Severity(i), nil
		}
	}
	return 0, fmt.Errorf("unknown severity %q (want one of %s, none)", name, strings.Join(severityNames, ", "))
}

// MarshalText writes the severity name, so JSON carries "high", not 3.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText reads a severity name.
func (s *Severity) UnmarshalText(b []byte) error {
	v, err := ParseSeverity(string(b))
	if err != nil {
		return err
	}
	*s = v
	return nil
}

// Category is the isolation layer a finding breaches.
type Category string

const (
	API     Category = "api"
	Network Category = "network"
	DNS     Category = "dns"
	Node    Category = "node"
)

// Ref names one Kubernetes object or RBAC subject.
type Ref struct {
	Kind      string `json:"kind"`
	Namespace string `json:"namespace,omitempty"`
	Name      string `json:"name"`
	// Owner is, for a pod a controller made, the workload it belongs to
	// ("Deployment/web", "DaemonSet/agent"): what its owner fixes, and
	// what stays when the pod is replaced (a restart, a rollout) under
	// another name.
	Owner string `json:"owner,omitempty"`
}

func (r Ref) String() string {
	if r.Namespace == "" {
		return r.Kind + "/" + r.Name
	}
	return r.Kind + "/" + r.Namespace + "/" + r.Name
}

// Step is one link of a witness: an object and what it contributes.
type Step struct {
	Object Ref    `json:"object"`
	Fact   string `json:"fact"`
}

// Finding is one way isolation is broken, with the evidence for it.
type Finding struct {
	// ID is the check's stable identifier, e.g. "BH-API-001". Several
	// findings may share an ID; Key tells them apart.
	ID       string   `json:"id"`
	Severity Severity `json:"severity"`
	Category Category `json:"category"`
	// SourceTenant is the tenant that gains access; TargetTenant the one
	// exposed. Either may be empty for findings about one tenant, and "*"
	// means every tenant.
	SourceTenant string `json:"sourceTenant,omitempty"`
	TargetTenant string `json:"targetTenant,omitempty"`
	// SourceTenants and TargetTenants, when a side is "*" but not every
	// tenant, list exactly the tenants of that side. A finding names both
	// a source and a target only when the source can act on the target;
	// a finding about one tenant's own configuration names that tenant
	// only.
	SourceTenants []string `json:"sourceTenants,omitempty"`
	TargetTenants []string `json:"targetTenants,omitempty"`
	// Reason is one line; Detail may be several.
	Reason      string `json:"reason"`
	Detail      string `json:"detail,omitempty"`
	Subjects    []Ref  `json:"subjects,omitempty"`
	Objects     []Ref  `json:"objects,omitempty"`
	Witness     []Step `json:"witness,omitempty"`
	Remediation string `json:"remediation,omitempty"`
	// Fingerprint identifies the finding across runs, for baselines; the
	// audit sets it (audit.Fingerprint).
	Fingerprint string `json:"fingerprint,omitempty"`
}

// Key identifies a finding among those with the same ID: the ID, tenants,
// subjects and objects.
func (f *Finding) Key() string {
	var b strings.Builder
	b.WriteString(f.ID)
	b.WriteString("|" + f.SourceTenant + ">" + f.TargetTenant)
	for _, r := range f.Subjects {
		b.WriteString("|" + r.String())
	}
	for _, r := range f.Objects {
		b.WriteString("|" + r.String())
	}
	return b.String()
}

// Sort orders findings worst first, then by ID and key, so every report of
// the same snapshot is byte-for-byte the same. Each finding's key is made
// once, not at each comparison: a big cluster's report has tens of
// thousands.
func Sort(fs []Finding) {
	type sortKey struct {
		sev Severity
		id  string
		key string
		i   int
	}
	keys := make([]sortKey, len(fs))
	for i := range fs {
		keys[i] = sortKey{fs[i].Severity, fs[i].ID, fs[i].Key(), i}
	}
	slices.SortFunc(keys, func(a, b sortKey) int {
		if a.sev != b.sev {
			return cmp.Compare(b.sev, a.sev)
		}
		if c := strings.Compare(a.id, b.id); c != 0 {
			return c
		}
		if c := strings.Compare(a.key, b.key); c != 0 {
			return c
		}
		return cmp.Compare(a.i, b.i) // stable
	})
	sorted := make([]Finding, len(fs))
	for j, k := range keys {
		sorted[j] = fs[k.i]
	}
	copy(fs, sorted)
}

// Worst returns the highest severity among fs, and false when fs is empty.
func Worst(fs []Finding) (Severity, bool) {
	if len(fs) == 0 {
		return Info, false
	}
	w := Info
	for _, f := range fs {
		if f.Severity > w {
			w = f.Severity
		}
	}
	return w, true
}
