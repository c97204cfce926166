package node

import (
	"fmt"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	psaapi "k8s.io/pod-security-admission/api"

	"github.com/bulkhead-dev/bulkhead/internal/finding"
	"github.com/bulkhead-dev/bulkhead/internal/rbac"
	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
)

// rbacFixture: service account ci/deployer may create pods and read secrets
// cluster-wide; ci/reader may read secrets in namespace b only, through a
// RoleBinding there.
func rbacFixture(snap *snapshot.Snapshot) {
	snap.ServiceAccounts = append(snap.ServiceAccounts,
		corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: "ci", Name: "deployer"}},
		corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: "ci", Name: "quiet"}, AutomountServiceAccountToken: ptrTo(false)},
		corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: "ci", Name: "reader"}})
	snap.ClusterRoles = append(snap.ClusterRoles,
		rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: "deployer"}, Rules: []rbacv1.PolicyRule{
			{APIGroups: []string{""}, Resources: []string{"pods"}, Verbs: []string{"create"}},
			{APIGroups: []string{""}, Resources: []string{"secrets"}, Verbs: []string{"get"}},
		}},
		rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: "secret-reader"}, Rules: []rbacv1.PolicyRule{
			{APIGroups: []string{""}, Resources: []string{"secrets"}, Verbs: []string{"list"}},
		}})
	snap.ClusterRoleBindings = append(snap.ClusterRoleBindings, rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "deployer"},
		Subjects:   []rbacv1.Subject{{Kind: "ServiceAccount", Namespace: "ci", Name: "deployer"}, {Kind: "ServiceAccount", Namespace: "ci", Name: "quiet"}},
		RoleRef:    rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: "deployer"},
	})
	snap.RoleBindings = append(snap.RoleBindings, rbacv1.RoleBinding{
		ObjectMeta: metav1.ObjectMeta{Namespace: "b", Name: "reader"},
		Subjects:   []rbacv1.Subject{{Kind: "ServiceAccount", Namespace: "ci", Name: "reader"}},
		RoleRef:    rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: "secret-reader"},
	})
}

func ptrTo[T any](v T) *T { return &v }

func withSA(name string) func(*corev1.Pod) {
	return func(p *corev1.Pod) { p.Spec.ServiceAccountName = name }
}

func TestTokenPowers(t *testing.T) {
	snap := &snapshot.Snapshot{Namespaces: []corev1.Namespace{namespace("ci", enforce("baseline")), namespace("b", enforce("baseline"))}}
	rbacFixture(snap)
	snap.Pods = []corev1.Pod{
		newPod("ci", "deploy", withSA("deployer")),
		newPod("ci", "no-automount", withSA("deployer"), func(p *corev1.Pod) { p.Spec.AutomountServiceAccountToken = ptrTo(false) }),
		newPod("ci", "quiet", withSA("quiet")),
		newPod("ci", "quiet-projected", withSA("quiet"), func(p *corev1.Pod) {
			p.Spec.Volumes = append(p.Spec.Volumes, corev1.Volume{Name: "t", VolumeSource: corev1.VolumeSource{Projected: &corev1.ProjectedVolumeSource{
				Sources: []corev1.VolumeProjection{{ServiceAccountToken: &corev1.ServiceAccountTokenProjection{Path: "token"}}}}}})
		}),
		newPod("ci", "reader", withSA("reader")),
		newPod("ci", "default-sa"),
	}
	r := analyze(t, snap)
	type power struct{ Capability, Namespace string }
	got := map[string][]power{}
	for _, p := range r.Pods {
		for _, pw := range p.TokenPowers {
			got[p.Ref.Name] = append(got[p.Ref.Name], power{pw.Capability, pw.Namespace})
		}
	}
	want := map[string][]power{
		"deploy":          {{"secrets read", ""}, {"pods create", ""}},
		"quiet-projected": {{"secrets read", ""}, {"pods create", ""}},
		"reader":          {{"secrets read", "b"}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("token powers (-want +got):\n%s", diff)
	}
}

// Rejudge keeps the accounts' powers found with the same authorizer
// (they read RBAC alone) and finds them again with another: a binding
// gone takes its powers with it.
func TestRejudgeKeepsTokenPowers(t *testing.T) {
	snap := &snapshot.Snapshot{Namespaces: []corev1.Namespace{namespace("ci", enforce("baseline")), namespace("b", enforce("baseline"))}}
	rbacFixture(snap)
	snap.Pods = []corev1.Pod{newPod("ci", "deploy", withSA("deployer")), newPod("ci", "reader", withSA("reader"))}
	ten := resolve(t, snap)
	authz := rbac.NewAuthorizer(snap)
	before := AnalyzeWith(snap, ten, authz)
	everyPod := func(*corev1.Pod) bool { return true }

	kept := Rejudge(before, snap, ten, authz, nil, everyPod)
	if diff := cmp.Diff(before.Pods, kept.Pods, cmp.AllowUnexported(PodFacts{}), cmp.Comparer(func(a, b psaapi.Version) bool { return a == b })); diff != "" {
		t.Errorf("Rejudge with the same authorizer (-AnalyzeWith +Rejudge):\n%s", diff)
	}
	for i := range kept.Pods {
		if ps := kept.Pods[i].TokenPowers; len(ps) == 0 || &ps[0] != &before.Pods[i].TokenPowers[0] {
			t.Errorf("%s: the powers were found again, not kept", kept.Pods[i].Ref.Name)
		}
	}

	unbound := &snapshot.Snapshot{Namespaces: snap.Namespaces, ServiceAccounts: snap.ServiceAccounts, ClusterRoles: snap.ClusterRoles,
		ClusterRoleBindings: snap.ClusterRoleBindings, Pods: snap.Pods}
	authz = rbac.NewAuthorizer(unbound)
	want, got := AnalyzeWith(unbound, ten, authz), Rejudge(before, unbound, ten, authz, nil, nil)
	if diff := cmp.Diff(want.Pods, got.Pods, cmp.AllowUnexported(PodFacts{}), cmp.Comparer(func(a, b psaapi.Version) bool { return a == b })); diff != "" {
		t.Errorf("Rejudge with another authorizer (-AnalyzeWith +Rejudge):\n%s", diff)
	}
	if ps := got.Pods[1].TokenPowers; len(ps) != 0 {
		t.Errorf("reader kept %d powers of a RoleBinding gone", len(ps))
	}
}

// The token is a file on the node: a tenant that can put a privileged pod
// anywhere (no enforce label), or whose escaping pod shares the node,
// takes it.
func TestTokenFindings(t *testing.T) {
	build := func(extra ...corev1.Namespace) *snapshot.Snapshot {
		snap := &snapshot.Snapshot{
			Namespaces: append([]corev1.Namespace{namespace("ci", enforce("restricted")), namespace("b", enforce("restricted")),
				namespace("c", enforce("baseline")), namespace("d", enforce("baseline"))}, extra...),
			Nodes: []corev1.Node{node("n1", nil), node("n2", nil)},
			Pods: []corev1.Pod{
				newPod("ci", "deploy", withSA("deployer"), onNode("n1"), contained),
				newPod("c", "shell", onNode("n1"), app(privileged)), // admitted before c's label
				newPod("d", "shell", onNode("n2"), app(privileged)),
			},
		}
		rbacFixture(snap)
		return snap
	}
	tokenFindingsOf := func(r *Result) []summary {
		var out []summary
		for _, s := range summarizeFindings(r.Findings) {
			if s.ID == IDToken {
				out = append(out, s)
			}
		}
		return out
	}
	t.Run("escaping neighbour", func(t *testing.T) {
		r := analyze(t, build())
		want := []summary{{IDToken, finding.High, "c", "*", "ServiceAccount/ci/deployer"}}
		if diff := cmp.Diff(want, tokenFindingsOf(r)); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
	})
	// A namespace enforcing no level lets its tenant put a privileged pod
	// on any node, if the tenant starts pods there at all.
	both := []summary{{IDToken, finding.High, "*", "*", "ServiceAccount/ci/deployer"}}
	onlyC := []summary{{IDToken, finding.High, "c", "*", "ServiceAccount/ci/deployer"}}
	bAndC := []summary{{IDToken, finding.High, "*", "*", "ServiceAccount/ci/deployer"}}
	grantEverywhere := func(subject rbacv1.Subject) func(*snapshot.Snapshot) {
		return func(snap *snapshot.Snapshot) {
			snap.ClusterRoleBindings = append(snap.ClusterRoleBindings, rbacv1.ClusterRoleBinding{
				ObjectMeta: metav1.ObjectMeta{Name: "everyone-deploys"},
				Subjects:   []rbacv1.Subject{subject},
				RoleRef:    rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: "deployer"},
			})
		}
	}
	editIn := func(ns string, subject rbacv1.Subject) func(*snapshot.Snapshot) {
		return func(snap *snapshot.Snapshot) {
			snap.RoleBindings = append(snap.RoleBindings, rbacv1.RoleBinding{
				ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "deployer"},
				Subjects:   []rbacv1.Subject{subject},
				RoleRef:    rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: "deployer"},
			})
		}
	}
	for _, tc := range []struct {
		name   string
		change func(*snapshot.Snapshot)
		want   []summary
	}{
		{"a pod of the unenforced namespace runs", func(snap *snapshot.Snapshot) {
			snap.Pods = append(snap.Pods, newPod("open", "web", onNode("n2"), contained))
		}, both},
		{"a RoleBinding of the namespace lets a user start pods", editIn("open", rbacv1.Subject{Kind: "User", Name: "olga"}), both},
		{"a RoleBinding lets the tenant's service accounts start pods", editIn("open", rbacv1.Subject{Kind: "Group", Name: "system:serviceaccounts:open"}), both},
		// Power, not presence: no one of the tenant starts pods there.
		{"an empty namespace", func(*snapshot.Snapshot) {}, onlyC},
		// Whoever starts pods there is the attacker: tenant b here.
		{"another tenant's account starts pods there", editIn("open", rbacv1.Subject{Kind: "ServiceAccount", Namespace: "b", Name: "deployer"}), bAndC},
		{"another tenant's accounts start pods there", editIn("open", rbacv1.Subject{Kind: "Group", Name: "system:serviceaccounts:b"}), bAndC},
		{"every authenticated identity starts pods everywhere", grantEverywhere(rbacv1.Subject{Kind: "Group", Name: "system:authenticated"}), both},
		{"every service account starts pods everywhere", grantEverywhere(rbacv1.Subject{Kind: "Group", Name: "system:serviceaccounts"}), both},
		{"a tenant's account starts pods everywhere", grantEverywhere(rbacv1.Subject{Kind: "ServiceAccount", Namespace: "b", Name: "deployer"}), bAndC},
	} {
		t.Run("unenforced namespace: "+tc.name, func(t *testing.T) {
			snap := build(namespace("open", nil))
			tc.change(snap)
			r := analyze(t, snap)
			// The deployer's token; a grant to every identity makes every
			// account's token dangerous too, which is another matter.
			got := slices.DeleteFunc(tokenFindingsOf(r), func(s summary) bool { return s.Object != "ServiceAccount/ci/deployer" })
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// A Job of the input runs once and ends: its token sits on a node only
// while it runs, so it is no long-lived token holder. The same pod of a
// CronJob, a Deployment or a live Job is.
func TestJobTokenIsBrief(t *testing.T) {
	for _, tc := range []struct {
		kind string
		want int
	}{{"Job", 0}, {"CronJob", 1}, {"Deployment", 1}, {"", 1}} {
		snap := &snapshot.Snapshot{
			Namespaces: []corev1.Namespace{namespace("ci", enforce("baseline")), namespace("b", enforce("restricted")),
				namespace("c", enforce("baseline")), namespace("d", enforce("baseline"))},
			Nodes: []corev1.Node{node("n1", nil)},
			Pods: []corev1.Pod{
				newPod("ci", "deploy", withSA("deployer"), onNode("n1"), contained, func(p *corev1.Pod) {
					if tc.kind != "" { // a representative pod: placed, but never read from a cluster
						p.Annotations = map[string]string{snapshot.SyntheticAnnotation: tc.kind + "/deploy"}
						p.Status = corev1.PodStatus{}
					}
				}),
				newPod("c", "shell", onNode("n1"), app(privileged)),
				newPod("d", "shell", onNode("n1"), app(privileged)),
			},
		}
		rbacFixture(snap)
		n := 0
		for _, f := range analyze(t, snap).Findings {
			if f.ID == IDToken {
				n++
			}
		}
		if n != tc.want {
			t.Errorf("%q: %d token findings, want %d", tc.kind, n, tc.want)
		}
	}
}

// A token's powers are judged as the catalogue judges a role, over every
// binding of its account: creating secrets mints tokens only beside a way
// to read them; certificate requests issue client certificates only with
// approve on the client signer; impersonating system:masters by name is
// impersonating anyone. Each part may come through another binding.
func TestTokenPowersCombine(t *testing.T) {
	rule := func(group, resource string, verbs []string, names ...string) rbacv1.PolicyRule {
		return rbacv1.PolicyRule{APIGroups: []string{group}, Resources: []string{resource}, Verbs: verbs, ResourceNames: names}
	}
	csr := rule("certificates.k8s.io", "certificatesigningrequests", []string{"create"})
	approval := rule("certificates.k8s.io", "certificatesigningrequests/approval", []string{"patch"})
	for _, c := range []struct {
		name  string
		roles [][]rbacv1.PolicyRule // one ClusterRole and ClusterRoleBinding each
		want  []string
	}{
		{"create secrets alone", [][]rbacv1.PolicyRule{{rule("", "secrets", []string{"create"})}}, nil},
		{"create and read secrets, two bindings", [][]rbacv1.PolicyRule{{rule("", "secrets", []string{"create"})}, {rule("", "secrets", []string{"watch"})}},
			[]string{"secrets create+read", "secrets read"}},
		{"create secrets, read one named", [][]rbacv1.PolicyRule{{rule("", "secrets", []string{"create"}), rule("", "secrets", []string{"get"}, "ca")}},
			[]string{"secrets create+read"}},
		{"approve kubelet serving certificates", [][]rbacv1.PolicyRule{{csr, approval, rule("certificates.k8s.io", "signers", []string{"approve"}, "kubernetes.io/kubelet-serving")}}, nil},
		{"approve client certificates, three bindings", [][]rbacv1.PolicyRule{{csr}, {approval}, {rule("certificates.k8s.io", "signers", []string{"approve"}, "kubernetes.io/kube-apiserver-client")}},
			[]string{"csr create+approve"}},
		{"approve node client certificates", [][]rbacv1.PolicyRule{{csr, approval, rule("certificates.k8s.io", "signers", []string{"approve"}, "kubernetes.io/kube-apiserver-client-kubelet")}},
			[]string{"node csr create+approve"}},
		{"approve every signer", [][]rbacv1.PolicyRule{{csr, approval, rule("certificates.k8s.io", "signers", []string{"approve"})}},
			[]string{"csr create+approve"}},
		{"impersonate system:masters by name", [][]rbacv1.PolicyRule{{rule("", "groups", []string{"impersonate"}, "system:masters")}}, []string{"impersonate users or groups"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			snap := &snapshot.Snapshot{Namespaces: []corev1.Namespace{namespace("ci", enforce("baseline"))},
				ServiceAccounts: []corev1.ServiceAccount{{ObjectMeta: metav1.ObjectMeta{Namespace: "ci", Name: "bot"}}},
				Pods:            []corev1.Pod{newPod("ci", "bot", withSA("bot"))}}
			for i, rules := range c.roles {
				name := fmt.Sprint("r", i)
				snap.ClusterRoles = append(snap.ClusterRoles, rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: name}, Rules: rules})
				snap.ClusterRoleBindings = append(snap.ClusterRoleBindings, rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: name},
					Subjects: []rbacv1.Subject{{Kind: "ServiceAccount", Namespace: "ci", Name: "bot"}},
					RoleRef:  rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: name}})
			}
			var got []string
			for _, p := range analyze(t, snap).Pods {
				for _, pw := range p.TokenPowers {
					got = append(got, pw.Capability)
				}
			}
			slices.Sort(got)
			if !slices.Equal(got, c.want) {
				t.Errorf("powers %q, want %q", got, c.want)
			}
		})
	}
}
