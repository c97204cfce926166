package rbacgen

import (
	"fmt"
	"math/rand"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/bulkhead-dev/bulkhead/internal/rbac"
	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
)

// Config sizes a configuration. Roles are spread over the namespaces;
// Aggregated of the ClusterRoles carry an aggregationRule.
type Config struct {
	Seed                int64
	Namespaces          int
	Roles               int
	ClusterRoles        int
	Aggregated          int
	RoleBindings        int
	ClusterRoleBindings int
	// Users, Groups and ServiceAccounts size the pools subjects are drawn
	// from; service accounts are spread over the namespaces.
	Users, Groups, ServiceAccounts int
	// Missing is the fraction of bindings referencing a role that does not
	// exist.
	Missing float64
	// Broad is the fraction of group subjects that are one of the groups
	// every identity of a kind is in (system:authenticated, ...), and Rare
	// the fraction of rule verbs drawn from the whole vocabulary (bind,
	// escalate, impersonate, ...) rather than the everyday verbs. The
	// differential test wants them high, to probe every path; a real
	// cluster has them low.
	Broad, Rare float64
}

// Small is a configuration for the differential test: every feature, few
// enough objects to load into an API server in seconds.
var Small = Config{Seed: 1, Namespaces: 8, Roles: 48, ClusterRoles: 40, Aggregated: 8, RoleBindings: 160,
	ClusterRoleBindings: 40, Users: 16, Groups: 10, ServiceAccounts: 16, Missing: 0.05, Broad: 0.33, Rare: 1}

// Large is the benchmark size of issue 3: 50,000 bindings, 5,000 roles,
// 20,000 subjects.
var Large = Config{Seed: 1, Namespaces: 500, Roles: 4000, ClusterRoles: 1000, Aggregated: 50, RoleBindings: 47000,
	ClusterRoleBindings: 3000, Users: 8000, Groups: 2000, ServiceAccounts: 10000, Missing: 0.01, Broad: 0.002, Rare: 0.05}

// Vocabulary the rules and requests draw from. Each list mixes wildcards,
// near misses ("pods/*", "*/exec") and values no rule mentions.
var (
	Verbs         = []string{"get", "list", "watch", "create", "update", "patch", "delete", "deletecollection", "bind", "escalate", "impersonate", "approve", "use"}
	everydayVerbs = Verbs[:8]
	APIGroups     = []string{"", "apps", "batch", "rbac.authorization.k8s.io", "example.com"}
	Resources     = []string{"pods", "deployments", "secrets", "configmaps", "jobs", "namespaces", "nodes", "roles", "clusterroles", "users", "serviceaccounts", "widgets"}
	Subresources  = []string{"exec", "log", "scale", "status", "proxy", "token", "*"}
	Names         = []string{"alpha", "beta", "gamma", "ns-0", "ns-1"}
	URLs          = []string{"/healthz", "/healthz/etcd", "/healthz/*", "/metrics", "/api", "/api/*", "/apis*", "/logs/", "/version", "*"}
	Paths         = []string{"/healthz", "/healthz/etcd", "/healthz/", "/metrics", "/metrics/cadvisor", "/api", "/api/v1", "/apis", "/apis/apps", "/logs/", "/logs/x", "/version", "/readyz", "/livez", "/openapi/v2"}
)

// Labels that aggregated cluster roles select on.
const aggLabel = "rbacgen.bulkhead.dev/aggregate-to"

// Generate makes a configuration. The same Config gives the same objects.
func Generate(cfg Config) *snapshot.Snapshot {
	g := &gen{r: rand.New(rand.NewSource(cfg.Seed)), cfg: cfg}
	return g.snapshot()
}

type gen struct {
	r   *rand.Rand
	cfg Config
}

func (g *gen) pick(xs []string) string { return xs[g.r.Intn(len(xs))] }

func (g *gen) some(xs []string, max int) []string {
	n := 1 + g.r.Intn(max)
	var out []string
	for i := 0; i < n; i++ {
		x := g.pick(xs)
		if !contains(out, x) {
			out = append(out, x)
		}
	}
	return out
}

func contains(xs []string, x string) bool {
	for _, s := range xs {
		if s == x {
			return true
		}
	}
	return false
}

// Namespace returns the name of namespace i.
func Namespace(i int) string { return fmt.Sprintf("ns-%d", i) }

func (g *gen) namespace() string { return Namespace(g.r.Intn(g.cfg.Namespaces)) }

func (g *gen) resourceRule() rbacv1.PolicyRule {
	verbs := everydayVerbs
	if g.r.Float64() < g.cfg.Rare {
		verbs = Verbs
	}
	r := rbacv1.PolicyRule{APIGroups: g.some(APIGroups, 2), Verbs: g.some(verbs, 3)}
	if g.r.Float64() < g.cfg.Rare/8 {
		r.Verbs = []string{"*"}
	}
	if g.r.Intn(8) == 0 {
		r.APIGroups = []string{"*"}
	}
	n := 1 + g.r.Intn(3)
	for i := 0; i < n; i++ {
		var res string
		switch g.r.Intn(10) {
		case 0:
			res = "*"
		case 1:
			res = "*/" + g.pick(Subresources[:6])
		case 2, 3:
			res = g.pick(Resources) + "/" + g.pick(Subresources)
		default:
			res = g.pick(Resources)
		}
		if !contains(r.Resources, res) {
			r.Resources = append(r.Resources, res)
		}
	}
	if g.r.Intn(4) == 0 {
		r.ResourceNames = g.some(Names, 2)
	}
	return r
}

func (g *gen) urlRule() rbacv1.PolicyRule {
	verbs := g.some([]string{"get", "post", "put", "delete", "head"}, 2)
	if g.r.Intn(6) == 0 {
		verbs = []string{"*"}
	}
	return rbacv1.PolicyRule{NonResourceURLs: g.some(URLs, 2), Verbs: verbs}
}

func (g *gen) rules(cluster bool) []rbacv1.PolicyRule {
	n := 1 + g.r.Intn(4)
	out := make([]rbacv1.PolicyRule, 0, n)
	for i := 0; i < n; i++ {
		if cluster && g.r.Intn(5) == 0 {
			out = append(out, g.urlRule())
		} else {
			out = append(out, g.resourceRule())
		}
	}
	return out
}

func (g *gen) subject(bindingNS string) rbacv1.Subject {
	switch k := g.r.Intn(10); {
	case k < 4:
		return rbacv1.Subject{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: fmt.Sprintf("user-%d", g.r.Intn(g.cfg.Users))}
	case k < 6:
		name := fmt.Sprintf("group-%d", g.r.Intn(g.cfg.Groups))
		switch {
		case g.r.Float64() >= g.cfg.Broad:
		case g.r.Intn(4) == 0:
			name = rbac.AllAuthenticated
		case g.r.Intn(3) == 0:
			name = rbac.AllServiceAccounts
		case g.r.Intn(2) == 0:
			name = rbac.AllUnauthenticated
		default:
			name = rbac.ServiceAccountsPrefix + g.namespace()
		}
		return rbacv1.Subject{Kind: rbacv1.GroupKind, APIGroup: rbacv1.GroupName, Name: name}
	default:
		i := g.r.Intn(g.cfg.ServiceAccounts)
		ns := Namespace(i % g.cfg.Namespaces)
		s := rbacv1.Subject{Kind: rbacv1.ServiceAccountKind, Name: fmt.Sprintf("sa-%d", i), Namespace: ns}
		if bindingNS != "" && g.r.Intn(3) == 0 {
			s.Namespace = "" // the binding's namespace
		}
		return s
	}
}

func (g *gen) subjects(bindingNS string) []rbacv1.Subject {
	n := 1 + g.r.Intn(3)
	out := make([]rbacv1.Subject, n)
	for i := range out {
		out[i] = g.subject(bindingNS)
	}
	return out
}

func (g *gen) snapshot() *snapshot.Snapshot {
	c := g.cfg
	snap := &snapshot.Snapshot{Source: fmt.Sprintf("rbacgen seed %d", c.Seed)}
	for i := 0; i < c.Namespaces; i++ {
		snap.Namespaces = append(snap.Namespaces, corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: Namespace(i)}})
	}
	for i := 0; i < c.Roles; i++ {
		snap.Roles = append(snap.Roles, rbacv1.Role{
			ObjectMeta: metav1.ObjectMeta{Namespace: Namespace(i % c.Namespaces), Name: fmt.Sprintf("role-%d", i/c.Namespaces)},
			Rules:      g.rules(false),
		})
	}
	// Aggregated cluster roles select labels agg-0..agg-k; plain ones carry
	// some of those labels, and some aggregated ones do too (nesting).
	nLabels := max(1, c.Aggregated)
	for i := 0; i < c.ClusterRoles; i++ {
		cr := rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("cr-%d", i)}}
		if g.r.Intn(3) == 0 {
			cr.Labels = map[string]string{aggLabel + "-" + fmt.Sprint(g.r.Intn(nLabels)): "true"}
		}
		if i < c.Aggregated {
			cr.Name = fmt.Sprintf("agg-%d", i)
			var sels []metav1.LabelSelector
			for j := 0; j < 1+g.r.Intn(2); j++ {
				sels = append(sels, metav1.LabelSelector{MatchLabels: map[string]string{aggLabel + "-" + fmt.Sprint(g.r.Intn(nLabels)): "true"}})
			}
			cr.AggregationRule = &rbacv1.AggregationRule{ClusterRoleSelectors: sels}
		} else {
			cr.Rules = g.rules(true)
		}
		snap.ClusterRoles = append(snap.ClusterRoles, cr)
	}
	roleRef := func(ns string) rbacv1.RoleRef {
		ref := rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole"}
		switch {
		case g.r.Float64() < c.Missing:
			ref.Name = fmt.Sprintf("missing-%d", g.r.Intn(5))
			if ns != "" && g.r.Intn(2) == 0 {
				ref.Kind = "Role"
			}
		case ns != "" && c.Roles > 0 && g.r.Intn(2) == 0:
			ref.Kind = "Role"
			// A role of this namespace, or of another (which resolves to
			// nothing here).
			ref.Name = fmt.Sprintf("role-%d", g.r.Intn(max(1, c.Roles/c.Namespaces)))
		case c.Aggregated > 0 && g.r.Intn(4) == 0:
			ref.Name = fmt.Sprintf("agg-%d", g.r.Intn(c.Aggregated))
		default:
			ref.Name = fmt.Sprintf("cr-%d", c.Aggregated+g.r.Intn(max(1, c.ClusterRoles-c.Aggregated)))
		}
		return ref
	}
	for i := 0; i < c.RoleBindings; i++ {
		ns := g.namespace()
		snap.RoleBindings = append(snap.RoleBindings, rbacv1.RoleBinding{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: fmt.Sprintf("rb-%d", i)},
			Subjects:   g.subjects(ns),
			RoleRef:    roleRef(ns),
		})
	}
	for i := 0; i < c.ClusterRoleBindings; i++ {
		snap.ClusterRoleBindings = append(snap.ClusterRoleBindings, rbacv1.ClusterRoleBinding{
			ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("crb-%d", i)},
			Subjects:   g.subjects(""),
			RoleRef:    roleRef(""),
		})
	}
	return snap
}
