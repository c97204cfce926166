package rbac

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/bulkhead-dev/bulkhead/examples"
	"github.com/bulkhead-dev/bulkhead/internal/finding"
	"github.com/bulkhead-dev/bulkhead/internal/golden"
	"github.com/bulkhead-dev/bulkhead/internal/load"
	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
	"github.com/bulkhead-dev/bulkhead/internal/tenancy"
)

func loadFixture(t *testing.T, name string) (*snapshot.Snapshot, *tenancy.Tenancy) {
	t.Helper()
	snap, err := load.Paths([]string{filepath.Join("testdata", name)})
	if err != nil {
		t.Fatal(err)
	}
	snap.Normalize()
	ten, err := tenancy.Resolve(snap, tenancy.Config{})
	if err != nil {
		t.Fatal(err)
	}
	return snap, ten
}

// golden compares got with testdata/name, or rewrites it with -update.
func goldenFile(t *testing.T, name string, got []byte) {
	t.Helper()
	golden.Check(t, filepath.Join("testdata", name), got)
}

func TestAnalyzeGolden(t *testing.T) {
	snap, ten := loadFixture(t, "tenants.yaml")
	fs := Analyze(snap, ten)
	got, err := json.MarshalIndent(fs, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	goldenFile(t, "tenants.findings.json", append(got, '\n'))

	// Every check has a fixture, and every ID is documented.
	ids := map[string]bool{}
	for _, f := range fs {
		ids[f.ID] = true
	}
	for _, id := range []string{IDCrossTenant, IDEveryTenant, IDBroadGroup, IDDangerous, IDLatentBinding, IDBindEscalation, IDSharedIdentity} {
		if !ids[id] {
			t.Errorf("no %s finding on testdata/tenants.yaml", id)
		}
	}
}

func TestChecksDocumented(t *testing.T) {
	doc, err := os.ReadFile("../../docs/checks/api.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{IDCrossTenant, IDEveryTenant, IDBroadGroup, IDDangerous, IDLatentBinding, IDBindEscalation, IDSharedIdentity} {
		if !strings.Contains(string(doc), id) {
			t.Errorf("docs/checks/api.md does not document %s", id)
		}
	}
}

// TestSeedFindings: the seed article's bob is a cross-tenant finding,
// alice is confined to test-namespace.
func TestSeedFindings(t *testing.T) {
	snap := seedSnapshot()
	snap.Namespaces = nil
	ten, err := tenancy.Resolve(snap, tenancy.Config{})
	if err != nil {
		t.Fatal(err)
	}
	fs := Analyze(snap, ten)
	if len(fs) != 1 {
		t.Fatalf("want one finding (bob), got %d: %+v", len(fs), fs)
	}
	f := fs[0]
	if f.ID != IDEveryTenant || f.TargetTenant != "*" || len(f.Subjects) != 1 || f.Subjects[0] != (finding.Ref{Kind: "User", Name: "bob"}) {
		t.Errorf("bob's finding = %+v", f)
	}
	if len(f.Witness) != 2 || f.Witness[0].Object.Name != "pod-reader-binding" || f.Witness[1].Object.Name != "pod-reader" {
		t.Errorf("witness = %+v", f.Witness)
	}
}

// TestDemoFindings: on the built-in demo (examples/seed-cluster), bob's
// cluster-wide pod read is a finding against every tenant, and alice,
// confined to test-namespace, is in none.
func TestDemoFindings(t *testing.T) {
	snap, err := load.FS(examples.SeedCluster, "demo")
	if err != nil {
		t.Fatal(err)
	}
	snap.Normalize()
	ten, err := tenancy.Resolve(snap, tenancy.Config{})
	if err != nil {
		t.Fatal(err)
	}
	bob := false
	for _, f := range Analyze(snap, ten) {
		for _, s := range f.Subjects {
			switch s.Name {
			case "alice":
				t.Errorf("alice is in a finding: %s %s", f.ID, f.Reason)
			case "bob":
				bob = f.ID == IDEveryTenant && f.TargetTenant == "*"
				t.Logf("%s %s: %s", f.ID, f.Severity, f.Reason)
			}
		}
	}
	if !bob {
		t.Error("no cross-tenant finding for bob")
	}
	authz := NewAuthorizer(snap)
	for _, ns := range ten.Tenants() {
		for _, n := range ns.Namespaces {
			got := authz.Authorize(Request{User: "alice", Groups: ImpersonatedGroups("alice", nil), Verb: "list", Resource: "pods", Namespace: n}).Allowed
			if got != (n == "test-namespace") {
				t.Errorf("alice list pods in %s = %v", n, got)
			}
		}
	}
}

// TestLeaderElectionElsewhereIsLow: a tenant's controller granted its own
// leases and events in another tenant's namespace (cert-manager's chart
// in kube-system) can disturb it, not read or run in it: BH-API-001 is low.
// Leases it may write by any name, or anything else beside, keep it medium.
func TestLeaderElectionElsewhereIsLow(t *testing.T) {
	leases := rule(l("get", "update", "patch"), l("coordination.k8s.io"), l("leases"), "ctl-leader")
	create := rule(l("create"), l("coordination.k8s.io"), l("leases"))
	events := rule(l("create", "patch"), l("", "events.k8s.io"), l("events"))
	for _, c := range []struct {
		name  string
		rules []rbacv1.PolicyRule
		want  finding.Severity
	}{
		{"named leases, create, events", []rbacv1.PolicyRule{leases, create, events}, finding.Low},
		{"leases read by any name", []rbacv1.PolicyRule{leases, rule(l("get", "list", "watch"), l("coordination.k8s.io"), l("leases"))}, finding.Low},
		{"leases written by any name", []rbacv1.PolicyRule{rule(l("update"), l("coordination.k8s.io"), l("leases"))}, finding.Medium},
		{"every verb on leases", []rbacv1.PolicyRule{rule(l("*"), l("coordination.k8s.io"), l("leases"))}, finding.Medium},
		{"leases of every group", []rbacv1.PolicyRule{rule(l("get"), l("*"), l("leases"), "ctl-leader")}, finding.Medium},
		{"and configmaps", []rbacv1.PolicyRule{leases, rule(l("get"), l(""), l("configmaps"), "ctl-leader")}, finding.Medium},
	} {
		t.Run(c.name, func(t *testing.T) {
			snap := &snapshot.Snapshot{
				Namespaces:   []corev1.Namespace{{ObjectMeta: metav1.ObjectMeta{Name: "tools"}}, {ObjectMeta: metav1.ObjectMeta{Name: "kube-system"}}},
				Roles:        []rbacv1.Role{role("kube-system", "ctl:leader", c.rules...)},
				RoleBindings: []rbacv1.RoleBinding{roleBinding("kube-system", "ctl:leader", "Role", "ctl:leader", sa("tools", "ctl"))},
			}
			ten, err := tenancy.Resolve(snap, tenancy.Config{})
			if err != nil {
				t.Fatal(err)
			}
			var got []finding.Finding
			for _, f := range Analyze(snap, ten) {
				if f.ID == IDCrossTenant {
					got = append(got, f)
				}
			}
			if len(got) != 1 || got[0].Severity != c.want {
				t.Fatalf("BH-API-001 findings %+v, want one at %s", got, c.want)
			}
		})
	}
}

// TestImpersonationByName: impersonating any user, or system:masters (a
// user to go with it may come from any binding), is cluster-admin;
// impersonating named users or
// groups, or named service accounts, is not "anyone" (the attack graph
// follows the named identities' permissions instead).
func TestImpersonationByName(t *testing.T) {
	users := func(names ...string) rbacv1.PolicyRule { return rule(l("impersonate"), l(""), l("users"), names...) }
	groups := func(names ...string) rbacv1.PolicyRule { return rule(l("impersonate"), l(""), l("groups"), names...) }
	sas := func(names ...string) rbacv1.PolicyRule {
		return rule(l("impersonate"), l(""), l("serviceaccounts"), names...)
	}
	for _, c := range []struct {
		name  string
		rules []rbacv1.PolicyRule
		want  []string // capability names held through a ClusterRoleBinding
		named []string
	}{
		{"any user", []rbacv1.PolicyRule{users()}, l("impersonate users or groups"), nil},
		{"a named user", []rbacv1.PolicyRule{users("bob")}, nil, l("User/bob")},
		{"any group, no user here (another binding may give one)", []rbacv1.PolicyRule{groups()}, l("impersonate users or groups"), nil},
		{"system:masters by name, no user here", []rbacv1.PolicyRule{groups(SystemMasters)}, l("impersonate users or groups"), l("Group/system:masters")},
		{"system:masters beside a named user", []rbacv1.PolicyRule{users("nobody"), groups(SystemMasters)}, l("impersonate users or groups"), l("User/nobody", "Group/system:masters")},
		{"any group beside a named user", []rbacv1.PolicyRule{users("nobody"), groups()}, l("impersonate users or groups"), l("User/nobody")},
		{"a named group beside a named user", []rbacv1.PolicyRule{users("nobody"), groups("devs")}, nil, l("User/nobody", "Group/devs")},
		// the API server authorizes a service account's user name against
		// serviceaccounts, never users
		{"a service account named as a user", []rbacv1.PolicyRule{users("system:serviceaccount:kube-system:clusterrole-aggregation-controller")}, nil, nil},
		{"every service account", []rbacv1.PolicyRule{sas()}, l("impersonate every serviceaccount"), nil},
		{"named service accounts", []rbacv1.PolicyRule{sas("default")}, l("impersonate serviceaccounts"), nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := &Role{Rules: c.rules}
			var got []string
			for _, h := range Capabilities(r, true) {
				got = append(got, h.Capability.Name)
			}
			if strings.Join(got, ",") != strings.Join(c.want, ",") {
				t.Errorf("capabilities %q, want %q", got, c.want)
			}
			var named []string
			for _, im := range NamedImpersonation(r) {
				named = append(named, im.Subject.Kind+"/"+im.Subject.Name)
			}
			if strings.Join(named, ",") != strings.Join(c.named, ",") {
				t.Errorf("named %q, want %q", named, c.named)
			}
		})
	}
}

// Approving one's own certificate requests issues client certificates
// only with approve on the client signer too, by name or by its domain's
// wildcard: the CertificateApproval admission plugin asks for it.
func TestCSRApprovalNeedsTheClientSigner(t *testing.T) {
	csr := rbacv1.PolicyRule{APIGroups: []string{"certificates.k8s.io"}, Resources: []string{"certificatesigningrequests"}, Verbs: []string{"create", "get"}}
	approval := rbacv1.PolicyRule{APIGroups: []string{"certificates.k8s.io"}, Resources: []string{"certificatesigningrequests/approval"}, Verbs: []string{"update"}}
	signer := func(names ...string) rbacv1.PolicyRule {
		return rbacv1.PolicyRule{APIGroups: []string{"certificates.k8s.io"}, Resources: []string{"signers"}, Verbs: []string{"approve"}, ResourceNames: names}
	}
	patch := rbacv1.PolicyRule{APIGroups: []string{"certificates.k8s.io"}, Resources: []string{"certificatesigningrequests/approval"}, Verbs: []string{"patch"}}
	for _, c := range []struct {
		name  string
		rules []rbacv1.PolicyRule
		want  string // the certificate capability held, if any
	}{
		{"the client signer", []rbacv1.PolicyRule{csr, approval, signer(ClientSigner)}, "csr create+approve"},
		{"approval by patch", []rbacv1.PolicyRule{csr, patch, signer(ClientSigner)}, "csr create+approve"},
		{"the domain's wildcard", []rbacv1.PolicyRule{csr, approval, signer("kubernetes.io/*")}, "csr create+approve"},
		{"every signer", []rbacv1.PolicyRule{csr, approval, signer()}, "csr create+approve"},
		{"the nodes' client signer", []rbacv1.PolicyRule{csr, approval, signer(NodeClientSigner)}, "node csr create+approve"},
		{"kubelet serving only", []rbacv1.PolicyRule{csr, approval, signer("kubernetes.io/kubelet-serving")}, ""},
		{"no signer", []rbacv1.PolicyRule{csr, approval}, ""},
		{"no approval", []rbacv1.PolicyRule{csr, signer(ClientSigner)}, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			var got []string
			for _, h := range Capabilities(&Role{Rules: c.rules}, true) {
				if strings.Contains(h.Capability.Name, "csr") {
					got = append(got, h.Capability.Name)
				}
			}
			if strings.Join(got, ",") != c.want {
				t.Errorf("certificate capabilities %q, want %q", got, c.want)
			}
		})
	}
}
