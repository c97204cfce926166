package rbac

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/bulkhead-dev/bulkhead/internal/finding"
	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
	"github.com/bulkhead-dev/bulkhead/internal/tenancy"
)

// tenantAdmin is the part of the bootstrap "admin" ClusterRole that
// matters here: pods, secrets, and impersonation of service accounts.
var tenantAdmin = clusterRole("tenant-admin",
	rule(l("create", "delete", "get", "list"), l(""), l("pods", "secrets")),
	rule(l("impersonate"), l(""), l("serviceaccounts")))

// verdict is what Analyze says about one fixture: the findings' IDs and
// severities, and a word each reason must hold ("" for none).
type verdict struct {
	id     string
	sev    finding.Severity
	target string
	word   string
}

// TestScopeVerdicts: what a grant lets its holder do depends on where it
// holds it. Each case is a small cluster with two tenants and its expected
// findings (none: nil).
func TestScopeVerdicts(t *testing.T) {
	crb := func(role rbacv1.ClusterRole, s rbacv1.Subject) *snapshot.Snapshot {
		return &snapshot.Snapshot{
			ClusterRoles:        []rbacv1.ClusterRole{role},
			ClusterRoleBindings: []rbacv1.ClusterRoleBinding{clusterRoleBinding("grant", "ClusterRole", role.Name, s)},
		}
	}
	rb := func(ns string, role rbacv1.ClusterRole, s rbacv1.Subject) *snapshot.Snapshot {
		return &snapshot.Snapshot{
			ClusterRoles: []rbacv1.ClusterRole{role},
			RoleBindings: []rbacv1.RoleBinding{roleBinding(ns, "grant", "ClusterRole", role.Name, s)},
		}
	}
	ops := sa("team-a", "ops")
	for _, tc := range []struct {
		name string
		snap *snapshot.Snapshot
		want []verdict
	}{
		// Issue 9 point 3: impersonation scope.
		{"admin in its own namespace impersonates only its own accounts",
			rb("team-a", tenantAdmin, ops), nil},
		{"a user with admin in its own namespace",
			rb("team-a", tenantAdmin, user("ann")), nil},
		{"admin in another tenant's namespace impersonates that tenant's accounts",
			rb("team-b", tenantAdmin, ops), []verdict{{IDCrossTenant, finding.High, "team-b", "impersonate serviceaccounts"}}},
		{"impersonating users cluster-wide is cluster-admin",
			crb(clusterRole("imp", rule(l("impersonate"), l(""), l("users"))), ops), []verdict{{IDDangerous, finding.Critical, "*", "system:masters"}}},
		{"impersonating groups beside some user is cluster-admin",
			crb(clusterRole("imp", rule(l("impersonate"), l(""), l("groups")), rule(l("impersonate"), l(""), l("users"), "nobody")), user("ann")), []verdict{{IDDangerous, finding.Critical, "*", "system:masters"}}},
		{"impersonating groups is cluster-admin, a user to go with it from any binding",
			crb(clusterRole("imp", rule(l("impersonate"), l(""), l("groups"))), user("ann")), []verdict{{IDDangerous, finding.Critical, "*", "system:masters"}}},
		{"impersonating every service account reaches the system namespaces'",
			crb(clusterRole("imp", rule(l("impersonate"), l(""), l("serviceaccounts"))), ops), []verdict{{IDEveryTenant, finding.Critical, "*", "impersonate serviceaccounts in every namespace"}}},
		{"a RoleBinding grants no impersonation of users",
			rb("team-a", clusterRole("imp", rule(l("impersonate"), l(""), l("users", "groups"))), ops), nil},

		// Issue 9 point 4: mutating and validating admission apart.
		{"mutating webhooks rewrite anything",
			crb(clusterRole("hooks", rule(l("create", "update"), l("admissionregistration.k8s.io"), l("mutatingwebhookconfigurations"))), ops),
			[]verdict{{IDDangerous, finding.Critical, "*", "rewrite any object"}}},
		{"validating webhooks see and deny",
			crb(clusterRole("hooks", rule(l("create", "update"), l("admissionregistration.k8s.io"), l("validatingwebhookconfigurations"))), ops),
			[]verdict{{IDDangerous, finding.High, "*", "cannot rewrite"}}},
		{"deleting validating admission policies switches guardrails off",
			crb(clusterRole("hooks", rule(l("delete"), l("admissionregistration.k8s.io"), l("validatingadmissionpolicies", "validatingadmissionpolicybindings"))), ops),
			[]verdict{{IDDangerous, finding.High, "*", "validating admission write"}}},

		// Issue 9 point 8: review APIs and metrics are no tenant access.
		{"review APIs cluster-wide",
			crb(clusterRole("auth-delegator",
				rule(l("create"), l("authentication.k8s.io"), l("tokenreviews")),
				rule(l("create"), l("authorization.k8s.io"), l("subjectaccessreviews", "localsubjectaccessreviews"))), ops), nil},
		{"every verb on every review resource",
			crb(clusterRole("reviews", rule(l("*"), l("authorization.k8s.io", "authentication.k8s.io"), l("*"))), ops), nil},
		{"local access reviews by name in any group",
			crb(clusterRole("reviews", rule(l("*"), l("*"), l("localsubjectaccessreviews"))), ops), nil},
		{"metrics",
			crb(clusterRole("prometheus", rule(l("get"), l(""), l("nodes/metrics")), urlRule(l("get"), "/metrics")), ops), nil},
		{"everyone may ask access reviews",
			crb(clusterRole("ask", rule(l("create"), l("authorization.k8s.io"), l("subjectaccessreviews"))), group(AllAuthenticated)), nil},
		{"still a breach: review APIs beside pods",
			crb(clusterRole("mixed", rule(l("create"), l("authorization.k8s.io"), l("subjectaccessreviews")), rule(l("list"), l(""), l("pods"))), ops),
			[]verdict{{IDEveryTenant, finding.Medium, "*", "list pods"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			snap := tc.snap
			for _, ns := range []string{"team-a", "team-b", "kube-system"} {
				snap.Namespaces = append(snap.Namespaces, corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}})
			}
			ten, err := tenancy.Resolve(snap, tenancy.Config{})
			if err != nil {
				t.Fatal(err)
			}
			var got []verdict
			for _, f := range Analyze(snap, ten) {
				got = append(got, verdict{f.ID, f.Severity, f.TargetTenant, f.Reason})
			}
			if len(got) != len(tc.want) {
				t.Fatalf("got %d findings, want %d: %+v", len(got), len(tc.want), got)
			}
			for i, w := range tc.want {
				g := got[i]
				if g.id != w.id || g.sev != w.sev || g.target != w.target || !strings.Contains(g.word, w.word) {
					t.Errorf("finding %d = %s %s → %s %q, want %s %s → %s containing %q", i, g.id, g.sev, g.target, g.word, w.id, w.sev, w.target, w.word)
				}
			}
		})
	}
}

// TestImpersonationFollowsCanI: the impersonation capabilities Capabilities
// claims for a binding are exactly the impersonate requests the authorizer
// (proven against kube-apiserver by the oracle test) allows, scope by
// scope: users and groups cluster-wide only, service accounts in the
// binding's namespace.
func TestImpersonationFollowsCanI(t *testing.T) {
	everyImpersonation := clusterRole("imp", rule(l("impersonate"), l(""), l("users", "groups", "serviceaccounts")))
	for _, cluster := range []bool{false, true} {
		snap := &snapshot.Snapshot{ClusterRoles: []rbacv1.ClusterRole{everyImpersonation}}
		if cluster {
			snap.ClusterRoleBindings = []rbacv1.ClusterRoleBinding{clusterRoleBinding("grant", "ClusterRole", "imp", user("ann"))}
		} else {
			snap.RoleBindings = []rbacv1.RoleBinding{roleBinding("team-a", "grant", "ClusterRole", "imp", user("ann"))}
		}
		a := NewAuthorizer(snap)
		b := &a.Bindings()[0]
		claims := map[string]bool{}
		for _, h := range Capabilities(b.Role, cluster) {
			claims[h.Capability.Name] = true
		}
		can := func(resource, ns string) bool {
			return a.Authorize(Request{User: "ann", Groups: ImpersonatedGroups("ann", nil), Verb: "impersonate", Resource: resource, Namespace: ns}).Allowed
		}
		checks := []struct {
			capability string
			canI       bool
		}{
			{"impersonate users or groups", can("users", "") || can("groups", "")},
			{"impersonate every serviceaccount", can("serviceaccounts", "")},
			// Held in team-a but not cluster-wide: the namespaced capability.
			{"impersonate serviceaccounts", can("serviceaccounts", "team-a") && !can("serviceaccounts", "")},
		}
		for _, c := range checks {
			if claims[c.capability] != c.canI {
				t.Errorf("cluster=%v: %s claimed %v, can-i says %v", cluster, c.capability, claims[c.capability], c.canI)
			}
		}
		if !cluster && can("serviceaccounts", "team-b") {
			t.Error("a RoleBinding in team-a lets ann impersonate team-b's accounts")
		}
	}
}

// TestPlatformSource: grants to the platform's service accounts stay
// reported, with the platform tenant as their source, for the attack graph
// to grade as platform exposure rather than a breach between tenants.
func TestPlatformSource(t *testing.T) {
	snap := &snapshot.Snapshot{
		ClusterRoles:        []rbacv1.ClusterRole{clusterRole("pod-reader", rule(l("list"), l(""), l("pods")))},
		ClusterRoleBindings: []rbacv1.ClusterRoleBinding{clusterRoleBinding("prometheus", "ClusterRole", "pod-reader", sa("monitoring", "prometheus"))},
	}
	for _, ns := range []string{"team-a", "monitoring"} {
		snap.Namespaces = append(snap.Namespaces, corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}})
	}
	ten, err := tenancy.Resolve(snap, tenancy.Config{PlatformNamespaces: []string{"monitoring"}})
	if err != nil {
		t.Fatal(err)
	}
	fs := Analyze(snap, ten)
	if len(fs) != 1 || fs[0].ID != IDEveryTenant || fs[0].SourceTenant != tenancy.Platform {
		t.Errorf("findings = %+v, want one %s from tenant %s", fs, IDEveryTenant, tenancy.Platform)
	}
}
