package harden

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/validation/path"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/bulkhead-dev/bulkhead/internal/finding"
	"github.com/bulkhead-dev/bulkhead/internal/rbac"
	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
	"github.com/bulkhead-dev/bulkhead/internal/tenancy"
)

func rbacSA(ns, name string) rbacv1.Subject {
	return rbacv1.Subject{Kind: rbacv1.ServiceAccountKind, Namespace: ns, Name: name}
}

func rbacUser(name string) rbacv1.Subject {
	return rbacv1.Subject{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: name}
}

func rbacGroup(name string) rbacv1.Subject {
	return rbacv1.Subject{Kind: rbacv1.GroupKind, APIGroup: rbacv1.GroupName, Name: name}
}

func rbacClusterRole(name string, rules ...rbacv1.PolicyRule) *rbacv1.ClusterRole {
	return &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: name}, Rules: rules}
}

func rbacRole(ns, name string, rules ...rbacv1.PolicyRule) *rbacv1.Role {
	return &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}, Rules: rules}
}

func rbacCRB(name, clusterRole string, subjects ...rbacv1.Subject) *rbacv1.ClusterRoleBinding {
	return &rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: name, ResourceVersion: "3"}, Subjects: subjects,
		RoleRef: rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: clusterRole}}
}

func rbacRB(ns, name, kind, role string, subjects ...rbacv1.Subject) *rbacv1.RoleBinding {
	return &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, ResourceVersion: "3"}, Subjects: subjects,
		RoleRef: rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: kind, Name: role}}
}

var (
	ruleReadPods = rbacv1.PolicyRule{APIGroups: []string{""}, Resources: []string{"pods"}, Verbs: []string{"get", "list", "watch"}}
	ruleDeploy   = rbacv1.PolicyRule{APIGroups: []string{"apps"}, Resources: []string{"deployments"}, Verbs: []string{"*"}}
	ruleSecrets  = rbacv1.PolicyRule{APIGroups: []string{""}, Resources: []string{"secrets", "configmaps"}, Verbs: []string{"get", "list"}}
	ruleNodes    = rbacv1.PolicyRule{APIGroups: []string{""}, Resources: []string{"nodes"}, Verbs: []string{"get"}}
	ruleMetrics  = rbacv1.PolicyRule{NonResourceURLs: []string{"/metrics"}, Verbs: []string{"get"}}
)

// tenantsCluster has tenants a (namespaces a and a-2, by label), b and c,
// the platform namespace monitoring, and grants across them of every kind
// RBACPlan narrows or leaves alone.
func tenantsCluster(t *testing.T) (*snapshot.Snapshot, *tenancy.Tenancy) {
	t.Helper()
	team := func(v string) map[string]string { return map[string]string{"team": v} }
	snap := buildSnapshot(t,
		namespace("a", team("a")), namespace("a-2", team("a")), namespace("b", nil), namespace("c", nil),
		namespace("monitoring", nil), namespace("kube-system", nil),
		rbacClusterRole("deployer", ruleDeploy, ruleReadPods, ruleNodes, ruleMetrics),
		rbacClusterRole("reader", ruleReadPods, ruleSecrets),
		rbacRole("b", "b-reader", ruleReadPods),
		rbacRole("kube-system", "auth-reader", ruleSecrets),
		// a's deployer acts in every namespace: RoleBindings in a and a-2.
		rbacCRB("a-deployer", "deployer", rbacSA("a", "deployer")),
		// carol is bound in b (and already holds reader in b): nothing
		// to add there; dave is bound nowhere; the group team-c is bound
		// in c; b's ci account in b.
		rbacCRB("people", "reader", rbacUser("carol"), rbacUser("dave"), rbacGroup("team-c"), rbacSA("b", "ci")),
		rbacRB("b", "carol", "ClusterRole", "reader", rbacUser("carol")),
		rbacRB("c", "team-c", "Role", "c-missing", rbacGroup("team-c")),
		// A RoleBinding of b granting a's account only: deleted. One
		// granting b's account and a's: a's account leaves it. An
		// existing RoleBinding named a-deployer in a-2: the new one takes
		// another name.
		rbacRB("b", "a-reads-b", "Role", "b-reader", rbacSA("a", "deployer")),
		rbacRB("b", "shared", "ClusterRole", "reader", rbacv1.Subject{Kind: rbacv1.ServiceAccountKind, Name: "app"}, rbacSA("a", "deployer")),
		rbacRB("a-2", "a-deployer", "ClusterRole", "reader", rbacSA("a-2", "app")),
		// Left alone: the platform's, a system binding, a binding of a
		// system namespace.
		rbacCRB("prometheus", "reader", rbacSA("monitoring", "prometheus")),
		rbacCRB("system:custom", "reader", rbacSA("c", "metrics")),
		rbacRB("kube-system", "auth-reader", "Role", "auth-reader", rbacSA("c", "apiserver")),
	)
	ten, err := tenancy.Resolve(snap, tenancy.Config{Label: "team", PlatformNamespaces: []string{"monitoring"}})
	if err != nil {
		t.Fatal(err)
	}
	return snap, ten
}

func TestRBACPlanTenants(t *testing.T) {
	snap, ten := tenantsCluster(t)
	ps, notes := planRBAC(snap, ten, Options{})
	var titles []string
	for _, p := range ps {
		titles = append(titles, p.Title)
	}
	wantTitles := []string{
		"Narrow ClusterRoleBinding/a-deployer (ClusterRole/deployer) to RoleBindings in the namespaces of tenant a",
		"Narrow ClusterRoleBinding/people (ClusterRole/reader) to RoleBindings in the namespaces of tenants b, c",
		"Delete RoleBinding/b/a-reads-b (Role/b/b-reader)",
		"Remove ServiceAccount/a/deployer from RoleBinding/b/shared (ClusterRole/reader)",
	}
	if d := cmp.Diff(wantTitles, titles); d != "" {
		t.Errorf("titles (-want +got):\n%s", d)
	}
	for _, want := range []string{"ClusterRoleBinding/prometheus", "ClusterRoleBinding/system:custom", "RoleBinding/kube-system/auth-reader"} {
		if !slices.ContainsFunc(notes, func(n string) bool { return strings.Contains(n, want) }) {
			t.Errorf("no note on %s: %q", want, notes)
		}
	}
	checkProposals(t, ps)
	after := snap
	for _, p := range ps {
		after = adoptProposal(t, after, p)
	}
	subjects := map[rbac.Subject]string{
		{Kind: "ServiceAccount", Namespace: "a", Name: "deployer"}: "a",
		{Kind: "User", Name: "carol"}:                              "b",
		{Kind: "User", Name: "dave"}:                               "",
		{Kind: "Group", Name: "team-c"}:                            "c",
		{Kind: "ServiceAccount", Namespace: "b", Name: "ci"}:       "b",
		{Kind: "ServiceAccount", Namespace: "b", Name: "app"}:      "b",
	}
	proveRBAC(t, snap, after, ten, subjects)
	checkRemaining(t, after, ten, []string{"ClusterRoleBinding/prometheus", "ClusterRoleBinding/system:custom", "RoleBinding/kube-system/auth-reader"})
	if again, _ := planRBAC(after, ten, Options{}); len(again) != 0 {
		t.Errorf("not idempotent: on its own output it proposes %q", again[0].Title)
	}
	text := renderProposals(t, ps) + "notes:\n" + strings.Join(notes, "\n") + "\n"
	if again, againNotes := planRBAC(snap, ten, Options{}); renderProposals(t, again)+"notes:\n"+strings.Join(againNotes, "\n")+"\n" != text {
		t.Error("a second run differs")
	}
	goldenLayer(t, "rbac", "tenants.txt", text)
}

// The seed: alice reads pods in her namespace through a RoleBinding, bob in
// every namespace through a ClusterRoleBinding. bob belongs to no tenant,
// so his binding is proposed for deletion, reviewed; alice keeps her
// access.
func TestRBACPlanSeed(t *testing.T) {
	snap, ten := seedInput(t)
	ps := RBACPlan(snap, ten, Options{})
	if len(ps) != 1 {
		t.Fatalf("%d proposals, want 1", len(ps))
	}
	p := ps[0]
	if p.Title != "Delete ClusterRoleBinding/pod-reader-binding (ClusterRole/pod-reader)" || len(p.Apply) != 0 || len(p.Delete) != 1 ||
		!slices.Equal(p.Closes, []string{rbac.IDEveryTenant}) {
		t.Errorf("proposal %q applies %d, deletes %d, closes %v", p.Title, len(p.Apply), len(p.Delete), p.Closes)
	}
	checkProposals(t, ps)
	after := adoptProposal(t, snap, p)
	proveRBAC(t, snap, after, ten, map[rbac.Subject]string{
		{Kind: "User", Name: "bob"}:   "",
		{Kind: "User", Name: "alice"}: "test-namespace",
	})
	checkRemaining(t, after, ten, nil)
	goldenLayer(t, "rbac", "seed.txt", renderProposals(t, ps))
}

// A grant to every authenticated identity goes: no tenant keeps it.
func TestRBACPlanBroadGroup(t *testing.T) {
	snap := buildSnapshot(t, namespace("a", nil), namespace("b", nil),
		rbacClusterRole("reader", ruleReadPods),
		rbacCRB("everyone-reads", "reader", rbacGroup(rbac.AllAuthenticated), rbacUser("erin")),
		rbacRB("a", "erin", "ClusterRole", "reader", rbacUser("erin")),
		rbacRB("b", "all-sa", "ClusterRole", "reader", rbacGroup(rbac.AllServiceAccounts), rbacSA("b", "app")),
	)
	ten := resolveTenancy(t, snap)
	ps := RBACPlan(snap, ten, Options{})
	var titles []string
	for _, p := range ps {
		titles = append(titles, p.Title)
	}
	want := []string{
		"Delete ClusterRoleBinding/everyone-reads (ClusterRole/reader)",
		"Remove Group/system:serviceaccounts from RoleBinding/b/all-sa (ClusterRole/reader)",
	}
	if d := cmp.Diff(want, titles); d != "" {
		t.Errorf("titles (-want +got):\n%s", d)
	}
	checkProposals(t, ps)
	after := snap
	for _, p := range ps {
		after = adoptProposal(t, after, p)
	}
	// erin read pods everywhere as a user and through the group; in a she
	// keeps it through her own RoleBinding (nothing new is needed there).
	// Identities that read only through the group lose it everywhere, their
	// own namespaces included: that is what taking a broad grant back means.
	if len(ps) > 0 && len(ps[0].Apply) != 0 {
		t.Errorf("RoleBindings added where erin holds the role already: %d objects", len(ps[0].Apply))
	}
	proveRBAC(t, snap, after, ten, map[rbac.Subject]string{
		{Kind: "User", Name: "erin"}:                          "a",
		{Kind: "ServiceAccount", Namespace: "b", Name: "app"}: "b",
	})
	checkRemaining(t, after, ten, nil)
}

// checkProposals checks what a real API server would refuse or misread:
// kinds, names, subjects and role references, and the labels harden puts
// on what it writes.
func checkProposals(t *testing.T, ps []Proposal) {
	t.Helper()
	for _, p := range ps {
		if p.Layer != RBAC || p.Diff == "" || len(p.Closes) == 0 || !slices.IsSorted(p.Closes) {
			t.Errorf("%q: layer %s, closes %v, diff %q", p.Title, p.Layer, p.Closes, p.Diff)
		}
		for _, o := range append(slices.Clone(p.Apply), p.Delete...) {
			var meta metav1.ObjectMeta
			var subjects []rbacv1.Subject
			var ref rbacv1.RoleRef
			switch x := o.(type) {
			case *rbacv1.RoleBinding:
				meta, subjects, ref = x.ObjectMeta, x.Subjects, x.RoleRef
				if x.APIVersion != "rbac.authorization.k8s.io/v1" || x.Kind != "RoleBinding" || x.Namespace == "" {
					t.Errorf("%q: %s %s in %q", p.Title, x.APIVersion, x.Kind, x.Namespace)
				}
			case *rbacv1.ClusterRoleBinding:
				meta, subjects, ref = x.ObjectMeta, x.Subjects, x.RoleRef
				if x.APIVersion != "rbac.authorization.k8s.io/v1" || x.Kind != "ClusterRoleBinding" || x.Namespace != "" {
					t.Errorf("%q: %s %s in %q", p.Title, x.APIVersion, x.Kind, x.Namespace)
				}
			default:
				t.Fatalf("%q: a %T", p.Title, o)
			}
			if errs := path.IsValidPathSegmentName(meta.Name); len(errs) > 0 || meta.Name == "" || len(meta.Name) > 253 {
				t.Errorf("%q: name %q: %v", p.Title, meta.Name, errs)
			}
			if meta.ResourceVersion != "" || meta.UID != "" {
				t.Errorf("%q: server fields in %s", p.Title, meta.Name)
			}
			if ref.APIGroup != rbacv1.GroupName || ref.Name == "" {
				t.Errorf("%q: roleRef %+v", p.Title, ref)
			}
			for _, s := range subjects {
				if slices.Contains(p.Delete, o) {
					break // what goes is as it was
				}
				if s.Kind == rbacv1.ServiceAccountKind && s.APIGroup != "" || s.Kind != rbacv1.ServiceAccountKind && s.APIGroup != rbacv1.GroupName {
					t.Errorf("%q: subject %+v", p.Title, s)
				}
			}
		}
		for _, o := range p.Apply {
			m, _ := metaOf(o)
			// A binding harden creates is harden's; one it narrows stays
			// its owner's, annotated only.
			created := m.Annotations[ReasonAnnotation] != "subjects of other tenants taken out"
			if (m.Labels[ManagedByLabel] == ManagedBy) != created || m.Annotations[ClosesAnnotation] != strings.Join(p.Closes, ",") {
				t.Errorf("%q: %s stamped wrongly (created %v): %v %v", p.Title, m.Name, created, m.Labels, m.Annotations)
			}
		}
	}
}

// probes are requests a subject may make in a namespace.
func probes(ns string) []rbac.Request {
	var out []rbac.Request
	for _, verb := range []string{"get", "list", "watch", "create", "update", "patch", "delete", "deletecollection"} {
		for _, r := range []struct{ group, resource, sub string }{
			{"", "pods", ""}, {"", "pods", "exec"}, {"", "secrets", ""}, {"", "configmaps", ""}, {"", "services", ""},
			{"apps", "deployments", ""}, {rbacv1.GroupName, "rolebindings", ""},
		} {
			out = append(out, rbac.Request{Verb: verb, APIGroup: r.group, Resource: r.resource, Subresource: r.sub, Namespace: ns})
		}
	}
	return append(out, rbac.Request{Verb: "get", Resource: "namespaces", Name: ns, Namespace: ns})
}

// proveRBAC checks with the authorizer that each subject (with its home
// tenant, "" for none) can do after the change, in every namespace of its
// own tenant, exactly what it could before, and nothing in any other
// namespace, where it could do something before.
func proveRBAC(t *testing.T, before, after *snapshot.Snapshot, ten *tenancy.Tenancy, subjects map[rbac.Subject]string) {
	t.Helper()
	was, is := rbac.NewAuthorizer(before), rbac.NewAuthorizer(after)
	for s, home := range subjects {
		u, groups := rbac.Identity(s)
		foreign := false
		for _, tn := range ten.Tenants() {
			for _, ns := range tn.Namespaces {
				for _, req := range probes(ns) {
					req.User, req.Groups = u, groups
					b, a := was.Authorize(req), is.Authorize(req)
					switch {
					case tn.Name == home && a.Allowed != b.Allowed:
						t.Errorf("%s in its own namespace %s: %s %s/%s allowed %v, was %v", s, ns, req.Verb, req.Resource, req.Subresource, a.Allowed, b.Allowed)
					case tn.Name != home && a.Allowed:
						t.Errorf("%s of tenant %q still can %s %s in %s: %s", s, home, req.Verb, req.Resource, ns, a.Reason())
					case tn.Name != home && b.Allowed:
						foreign = true
					}
				}
			}
		}
		if !foreign && home == "" {
			t.Errorf("%s could do nothing outside a tenant before: the test proves nothing", s)
		}
	}
}

// checkRemaining checks that the API checks find no grant across tenants
// after the change but through the bindings named.
func checkRemaining(t *testing.T, after *snapshot.Snapshot, ten *tenancy.Tenancy, left []string) {
	t.Helper()
	for _, f := range rbac.Analyze(after, ten) {
		if slices.Contains(narrowedChecks, f.ID) && !slices.Contains(left, refString(f.Objects)) {
			t.Errorf("still %s: %s", f.ID, f.Reason)
		}
	}
}

func refString(refs []finding.Ref) string {
	if len(refs) == 0 {
		return ""
	}
	return refs[0].String()
}

func TestClusterWide(t *testing.T) {
	got := clusterWide([]rbacv1.PolicyRule{ruleReadPods, ruleNodes, ruleMetrics, {APIGroups: []string{"*"}, Resources: []string{"*"}, Verbs: []string{"get"}},
		{APIGroups: []string{"rbac.authorization.k8s.io"}, Resources: []string{"clusterroles"}, Verbs: nil}})
	want := []string{"/metrics", "every cluster-scoped resource", "nodes"}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
}

func TestFreeName(t *testing.T) {
	long := strings.Repeat("x", 253)
	snap := buildSnapshot(t, namespace("a", nil),
		rbacRB("a", "grant", "ClusterRole", "r"), rbacRB("a", "grant-narrowed", "ClusterRole", "r"), rbacRB("a", long, "ClusterRole", "r"))
	idx := bindingIndex(snap)
	for _, tt := range []struct{ base, ns, want string }{
		{"grant", "b", "grant"},
		{"grant", "a", "grant-narrowed-2"},
		{long, "a", strings.Repeat("x", 253-len("-narrowed")) + "-narrowed"},
	} {
		t.Run(fmt.Sprintf("%.10s in %s", tt.base, tt.ns), func(t *testing.T) {
			n := &narrowing{idx: idx, crb: rbacCRB(tt.base, "r")}
			if got := n.freeName(tt.ns); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// Subjects that name nobody, duplicates and bindings to missing roles
// neither panic nor take part: only the grant across tenants goes.
func TestRBACPlanOddBindings(t *testing.T) {
	snap := buildSnapshot(t, namespace("a", nil), namespace("b", nil),
		rbacClusterRole("reader", ruleReadPods),
		rbacCRB("odd", "reader", rbacv1.Subject{Kind: "Robot", Name: "r2"}, rbacv1.Subject{Kind: rbacv1.ServiceAccountKind, Name: "no-namespace"},
			rbacSA("a", "app"), rbacSA("a", "app")),
		rbacCRB("latent", "missing", rbacSA("a", "app")),
		rbacRB("b", "empty", "ClusterRole", "reader"),
	)
	ten := resolveTenancy(t, snap)
	ps := RBACPlan(snap, ten, Options{})
	if len(ps) != 1 || ps[0].Title != "Narrow ClusterRoleBinding/odd (ClusterRole/reader) to RoleBindings in the namespaces of tenant a" {
		t.Fatalf("proposals %+v", ps)
	}
	// The subjects that name nobody are no grant: the binding goes.
	if len(ps[0].Delete) != 1 || len(ps[0].Apply) != 1 {
		t.Errorf("applies %d, deletes %d", len(ps[0].Apply), len(ps[0].Delete))
	}
	if rb, ok := ps[0].Apply[0].(*rbacv1.RoleBinding); !ok || len(rb.Subjects) != 1 {
		t.Errorf("the duplicate subject is bound twice: %+v", ps[0].Apply[0])
	}
	checkProposals(t, ps)
	after := adoptProposal(t, snap, ps[0])
	proveRBAC(t, snap, after, ten, map[rbac.Subject]string{{Kind: "ServiceAccount", Namespace: "a", Name: "app"}: "a"})
}
