package bootstrap

import (
	"embed"
	"encoding/json"
	"fmt"
	"path"
	"regexp"
	"sort"
	"strings"

	rbacv1 "k8s.io/api/rbac/v1"
	"sigs.k8s.io/yaml"
)

// DefaultVersion is the Kubernetes version whose policy offline snapshots
// assume unless told otherwise: the version of the API server the tests run
// (k8s.io/kubernetes in hack/tools/go.mod).
const DefaultVersion = "v1.32"

//go:embed v*.yaml
var files embed.FS

// Versions lists the versions with an embedded policy, oldest first.
func Versions() []string {
	entries, _ := files.ReadDir(".")
	var out []string
	for _, e := range entries {
		if v, ok := strings.CutSuffix(e.Name(), ".yaml"); ok {
			out = append(out, v)
		}
	}
	sort.Slice(out, func(i, j int) bool { return minor(out[i]) < minor(out[j]) })
	return out
}

func minor(v string) int {
	var major, min int
	_, _ = fmt.Sscanf(v, "v%d.%d", &major, &min)
	return major*1000 + min
}

var versionRE = regexp.MustCompile(`^v?(\d+)\.(\d+)(\.\d+)?$`)

// ParseVersion reads a Kubernetes version as a user gives it ("1.32",
// "v1.32", "1.32.2"; "" for DefaultVersion) and returns the embedded
// version it selects ("v1.32"), or an error listing the embedded ones.
func ParseVersion(s string) (string, error) {
	if s == "" {
		return DefaultVersion, nil
	}
	m := versionRE.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return "", fmt.Errorf("kubernetes version %q: want MAJOR.MINOR such as %s", s, strings.TrimPrefix(DefaultVersion, "v"))
	}
	v := "v" + m[1] + "." + m[2]
	for _, have := range Versions() {
		if have == v {
			return v, nil
		}
	}
	return "", fmt.Errorf("kubernetes version %q: no bootstrap RBAC policy embedded for %s (embedded: %s)", s, v, strings.Join(Versions(), ", "))
}

// Policy is the bootstrap RBAC policy of one Kubernetes version. The rules
// of aggregated ClusterRoles are empty: snapshot.Normalize recomputes them,
// as the clusterrole-aggregation controller does.
type Policy struct {
	Version             string
	ClusterRoles        []rbacv1.ClusterRole
	ClusterRoleBindings []rbacv1.ClusterRoleBinding
	Roles               []rbacv1.Role
	RoleBindings        []rbacv1.RoleBinding
}

// Load returns the embedded policy of a version as ParseVersion reads it.
// Every call decodes afresh, so callers own the objects.
func Load(version string) (*Policy, error) {
	v, err := ParseVersion(version)
	if err != nil {
		return nil, err
	}
	data, err := files.ReadFile(path.Clean(v + ".yaml"))
	if err != nil {
		return nil, fmt.Errorf("bootstrap policy %s: %w", v, err)
	}
	p, err := Decode(data)
	if err != nil {
		return nil, fmt.Errorf("bootstrap policy %s: %w", v, err)
	}
	p.Version = v
	return p, nil
}

// Decode reads a policy file: a v1 List of ClusterRoles,
// ClusterRoleBindings, Roles and RoleBindings of rbac.authorization.k8s.io/v1.
// Anything else in it is an error.
func Decode(data []byte) (*Policy, error) {
	var l struct {
		Kind  string            `json:"kind"`
		Items []json.RawMessage `json:"items"`
	}
	if err := yaml.Unmarshal(data, &l); err != nil {
		return nil, err
	}
	if l.Kind != "List" {
		return nil, fmt.Errorf("kind %q, want List", l.Kind)
	}
	p := &Policy{}
	for i, item := range l.Items {
		if err := p.decodeItem(item); err != nil {
			return nil, fmt.Errorf("items[%d]: %w", i, err)
		}
	}
	return p, nil
}

func (p *Policy) decodeItem(item json.RawMessage) error {
	var tm struct {
		APIVersion string `json:"apiVersion"`
		Kind       string `json:"kind"`
	}
	if err := json.Unmarshal(item, &tm); err != nil {
		return err
	}
	if tm.APIVersion != rbacv1.SchemeGroupVersion.String() {
		return fmt.Errorf("apiVersion %q, want %s", tm.APIVersion, rbacv1.SchemeGroupVersion)
	}
	var err error
	switch tm.Kind {
	case "ClusterRole":
		p.ClusterRoles, err = appendDecoded(p.ClusterRoles, item)
	case "ClusterRoleBinding":
		p.ClusterRoleBindings, err = appendDecoded(p.ClusterRoleBindings, item)
	case "Role":
		p.Roles, err = appendDecoded(p.Roles, item)
	case "RoleBinding":
		p.RoleBindings, err = appendDecoded(p.RoleBindings, item)
	default:
		return fmt.Errorf("kind %q is not an RBAC object", tm.Kind)
	}
	return err
}

func appendDecoded[T any](xs []T, item json.RawMessage) ([]T, error) {
	var x T
	if err := json.Unmarshal(item, &x); err != nil {
		return xs, err
	}
	return append(xs, x), nil
}
