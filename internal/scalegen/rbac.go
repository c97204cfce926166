package scalegen

import (
	"fmt"
	"math/rand/v2"
	"strconv"

	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// roleKind is what a custom ClusterRole lets its holders do.
type roleKind int

const (
	viewRole roleKind = iota
	editRole
	secretsRole
	execRole
	dangerousRole
)

var roleKindNames = [...]string{"viewer", "editor", "secret-reader", "debugger", "operator"}

// kindOf spreads the custom ClusterRoles over each forty: half view-like,
// a quarter edit-like, a tenth secret readers, five pods/exec and one
// dangerous.
func kindOf(i int) roleKind {
	switch m := i % 40; {
	case m < 20:
		return viewRole
	case m < 30:
		return editRole
	case m < 34:
		return secretsRole
	case m == 39:
		return dangerousRole
	default:
		return execRole
	}
}

// customRoleName names custom ClusterRole i; the first aggregates the
// debugger roles.
func customRoleName(i int) string {
	if i == 0 {
		return "acme:tenant-debug"
	}
	return fmt.Sprintf("acme:%s-%03d", roleKindNames[kindOf(i)], i)
}

// aggregateLabel gathers the debugger roles into acme:tenant-debug.
const aggregateLabel = "rbac.acme.example.com/aggregate-to-tenant-debug"

func rule(groups, resources, verbs []string) rbacv1.PolicyRule {
	return rbacv1.PolicyRule{APIGroups: groups, Resources: resources, Verbs: verbs}
}

var (
	core = []string{""}
	apps = []string{"apps"}
	read = []string{"get", "list", "watch"}
	crud = []string{"create", "update", "patch", "delete"}
)

// customRules returns the rules of custom ClusterRole i.
func customRules(r *rand.Rand, i int) []rbacv1.PolicyRule {
	viewCore := []string{"pods", "pods/log", "services", "endpoints", "configmaps", "persistentvolumeclaims", "events"}
	view := []rbacv1.PolicyRule{
		rule(core, viewCore[:3+r.IntN(len(viewCore)-2)], read),
		rule(apps, []string{"deployments", "replicasets", "statefulsets", "daemonsets"}, read),
	}
	switch kindOf(i) {
	case editRole:
		return append(view,
			rule(core, []string{"configmaps", "services"}, crud),
			rule(apps, []string{"deployments", "deployments/scale"}, crud),
			rule([]string{"batch"}, []string{"jobs", "cronjobs"}, append(crud, read...)))
	case secretsRole:
		s := rule(core, []string{"secrets"}, []string{"get", "list"})
		if r.IntN(2) == 0 {
			s = rule(core, []string{"secrets"}, []string{"get"})
			s.ResourceNames = []string{"app-config", "tls-" + strconv.Itoa(i)}
		}
		return append(view, s)
	case execRole:
		return append(view, rule(core, []string{"pods/exec", "pods/portforward"}, []string{"create", "get"}))
	case dangerousRole:
		switch (i / 40) % 6 {
		case 0:
			return []rbacv1.PolicyRule{rule(core, []string{"serviceaccounts"}, []string{"impersonate"})}
		case 1:
			return []rbacv1.PolicyRule{rule([]string{"rbac.authorization.k8s.io"}, []string{"roles", "rolebindings"}, []string{"create", "bind", "escalate"})}
		case 2:
			return []rbacv1.PolicyRule{rule([]string{"*"}, []string{"*"}, []string{"*"})}
		case 3:
			return []rbacv1.PolicyRule{rule(core, []string{"nodes/proxy"}, []string{"get"})}
		case 4:
			return []rbacv1.PolicyRule{rule(core, []string{"serviceaccounts/token"}, []string{"create"})}
		default:
			return []rbacv1.PolicyRule{rule(core, []string{"namespaces"}, []string{"get", "patch"})}
		}
	}
	if i%40 < 5 {
		return append(view, rule([]string{"monitoring.coreos.com"}, []string{"servicemonitors", "podmonitors", "prometheusrules"}, read))
	}
	return view
}

func (g *generator) clusterRole(name string, labels map[string]string, rules []rbacv1.PolicyRule) {
	g.e.emit(&rbacv1.ClusterRole{
		TypeMeta:   metav1.TypeMeta{APIVersion: "rbac.authorization.k8s.io/v1", Kind: "ClusterRole"},
		ObjectMeta: g.meta("", name, labels),
		Rules:      rules,
	})
	g.stats.ClusterRoles++
}

func (g *generator) clusterRoleBinding(name, role string, subjects ...rbacv1.Subject) {
	g.e.emit(&rbacv1.ClusterRoleBinding{
		TypeMeta:   metav1.TypeMeta{APIVersion: "rbac.authorization.k8s.io/v1", Kind: "ClusterRoleBinding"},
		ObjectMeta: g.meta("", name, nil),
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: role},
		Subjects:   subjects,
	})
}

func sa(namespace, name string) rbacv1.Subject {
	return rbacv1.Subject{Kind: rbacv1.ServiceAccountKind, Namespace: namespace, Name: name}
}

func user(name string) rbacv1.Subject {
	return rbacv1.Subject{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: name}
}

func group(name string) rbacv1.Subject {
	return rbacv1.Subject{Kind: rbacv1.GroupKind, APIGroup: rbacv1.GroupName, Name: name}
}

// writeClusterRBAC writes the custom ClusterRoles tenants bind, the
// platform's ClusterRoles, and the ClusterRoleBindings: the platform's
// service accounts, an on-call group, and one tenant CI account bound
// cluster-wide to admin by mistake.
func (g *generator) writeClusterRBAC() {
	r := section(g.cfg.Seed, "cluster-rbac")
	g.e.emit(&rbacv1.ClusterRole{
		TypeMeta:   metav1.TypeMeta{APIVersion: "rbac.authorization.k8s.io/v1", Kind: "ClusterRole"},
		ObjectMeta: g.meta("", customRoleName(0), nil),
		AggregationRule: &rbacv1.AggregationRule{ClusterRoleSelectors: []metav1.LabelSelector{
			{MatchLabels: map[string]string{aggregateLabel: "true"}},
		}},
	})
	g.stats.ClusterRoles++
	for i := 1; i < ClusterRoles; i++ {
		var labels map[string]string
		if kindOf(i) == execRole {
			labels = map[string]string{aggregateLabel: "true"}
		}
		if kindOf(i) == viewRole && i%40 < 5 {
			labels = map[string]string{"rbac.authorization.k8s.io/aggregate-to-view": "true"}
		}
		g.clusterRole(customRoleName(i), labels, customRules(r, i))
	}
	g.clusterRole("system:coredns", nil, []rbacv1.PolicyRule{
		rule(core, []string{"endpoints", "services", "pods", "namespaces"}, []string{"list", "watch"}),
		rule([]string{"discovery.k8s.io"}, []string{"endpointslices"}, []string{"list", "watch"}),
	})
	g.clusterRole("ingress-nginx", nil, []rbacv1.PolicyRule{
		rule(core, []string{"configmaps", "endpoints", "nodes", "pods", "secrets", "namespaces"}, []string{"list", "watch"}),
		rule(core, []string{"services"}, read),
		rule([]string{"networking.k8s.io"}, []string{"ingresses", "ingressclasses"}, read),
		rule([]string{"networking.k8s.io"}, []string{"ingresses/status"}, []string{"update"}),
		rule([]string{"discovery.k8s.io"}, []string{"endpointslices"}, read),
	})
	g.clusterRole("monitoring:prometheus", nil, []rbacv1.PolicyRule{
		rule(core, []string{"nodes", "nodes/metrics", "services", "endpoints", "pods"}, read),
		rule([]string{"discovery.k8s.io"}, []string{"endpointslices"}, read),
		{NonResourceURLs: []string{"/metrics", "/metrics/cadvisor"}, Verbs: []string{"get"}},
	})
	g.clusterRole("kube-state-metrics", nil, []rbacv1.PolicyRule{
		rule(core, []string{"configmaps", "secrets", "nodes", "pods", "services", "serviceaccounts", "resourcequotas", "replicationcontrollers", "limitranges", "persistentvolumeclaims", "persistentvolumes", "namespaces", "endpoints"}, []string{"list", "watch"}),
		rule(apps, []string{"statefulsets", "daemonsets", "deployments", "replicasets"}, []string{"list", "watch"}),
	})
	g.clusterRole("cert-manager-controller", nil, []rbacv1.PolicyRule{
		rule(core, []string{"secrets"}, append(crud, read...)),
		rule(core, []string{"events"}, []string{"create", "patch"}),
	})
	tenant := TenantName(r.IntN(g.cfg.Tenants))
	g.clusterRoleBinding("system:coredns", "system:coredns", sa("kube-system", "coredns"))
	g.clusterRoleBinding("kubeadm:node-proxier", "system:node-proxier", sa("kube-system", "kube-proxy"))
	g.clusterRoleBinding("ingress-nginx", "ingress-nginx", sa("ingress-nginx", "ingress-nginx"))
	g.clusterRoleBinding("monitoring:prometheus", "monitoring:prometheus", sa("monitoring", "prometheus"))
	g.clusterRoleBinding("kube-state-metrics", "kube-state-metrics", sa("monitoring", "kube-state-metrics"))
	g.clusterRoleBinding("cert-manager-controller", "cert-manager-controller", sa("cert-manager", "cert-manager"))
	g.clusterRoleBinding("platform-oncall-view", "view", group("platform:oncall"))
	g.clusterRoleBinding(tenant+"-ci-deployer", "admin", sa(tenant+"-ci", "deployer"))
}

// writeTenantRBAC writes the five RoleBindings of tenant namespace i (and
// the deployer Role of its CI namespace).
func (g *generator) writeTenantRBAC(r *rand.Rand, ns, tenant string, i int) {
	n := strconv.Itoa(i/NamespacesPerTenant + 1)
	env := envs[i%NamespacesPerTenant]
	ci := TenantName(i/NamespacesPerTenant) + "-ci"
	devRole := "edit"
	if env == "prod" {
		devRole = "view"
	}
	deployer := rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: customRoleName(20 + 40*r.IntN(ClusterRoles/40) + r.IntN(10))}
	if env == "ci" {
		g.e.emit(&rbacv1.Role{
			TypeMeta:   metav1.TypeMeta{APIVersion: "rbac.authorization.k8s.io/v1", Kind: "Role"},
			ObjectMeta: g.meta(ns, "deployer", nil),
			Rules: []rbacv1.PolicyRule{
				rule(core, []string{"configmaps", "services", "serviceaccounts"}, append(crud, read...)),
				rule(apps, []string{"deployments"}, append(crud, read...)),
			},
		})
		deployer = rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: "deployer"}
	}
	var custom rbacv1.Subject
	switch r.IntN(3) {
	case 0:
		custom = user("carol-" + n)
	case 1:
		custom = group(tenant + ":sre")
	default:
		custom = sa(ns, "default")
	}
	role := r.IntN(ClusterRoles)
	bindings := []struct {
		name     string
		ref      rbacv1.RoleRef
		subjects []rbacv1.Subject
	}{
		{"team-admins", clusterRef("admin"), []rbacv1.Subject{group(tenant + ":admins")}},
		{"developers", clusterRef(devRole), []rbacv1.Subject{user("alice-" + n), user("bob-" + n)}},
		{"viewers", clusterRef("view"), []rbacv1.Subject{group(tenant + ":viewers")}},
		{"ci-deployer", deployer, []rbacv1.Subject{sa(ci, "deployer")}},
		{"custom-" + strconv.Itoa(role), clusterRef(customRoleName(role)), []rbacv1.Subject{custom}},
	}
	for _, b := range bindings {
		g.e.emit(&rbacv1.RoleBinding{
			TypeMeta:   metav1.TypeMeta{APIVersion: "rbac.authorization.k8s.io/v1", Kind: "RoleBinding"},
			ObjectMeta: g.meta(ns, b.name, nil),
			RoleRef:    b.ref,
			Subjects:   b.subjects,
		})
		g.stats.RoleBindings++
	}
}

func clusterRef(name string) rbacv1.RoleRef {
	return rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: name}
}
