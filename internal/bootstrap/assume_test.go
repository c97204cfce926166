package bootstrap

import (
	"bytes"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/bulkhead-dev/bulkhead/internal/load"
	"github.com/bulkhead-dev/bulkhead/internal/rbac"
	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
)

// tenantManifests are what a user gives -f: a tenant whose service account
// a ClusterRoleBinding makes cluster-admin, and RoleBindings to the
// aggregated roles. None of the roles they name is in the manifests.
const tenantManifests = `
apiVersion: v1
kind: Namespace
metadata: {name: tenant-a}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: ci, namespace: tenant-a}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: tenant-a-ci-admin}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
subjects: [{kind: ServiceAccount, name: ci, namespace: tenant-a}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: dev-edit, namespace: tenant-a}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: edit}
subjects: [{kind: User, name: dev}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: auditor-view, namespace: tenant-a}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
subjects: [{kind: User, name: auditor}]
`

func loadManifests(t *testing.T, builtin bool) *snapshot.Snapshot {
	t.Helper()
	snap := &snapshot.Snapshot{}
	load.Bytes(snap, "tenant.yaml", []byte(tenantManifests))
	if len(snap.Problems) > 0 {
		t.Fatal(snap.Problems)
	}
	if builtin {
		if err := Assume(snap, ""); err != nil {
			t.Fatal(err)
		}
	}
	snap.Normalize()
	return snap
}

// TestCanIWithBuiltinRoles is `bulkhead can-i` on plain manifests: the
// built-in roles make a binding to cluster-admin mean cluster-admin, and
// edit and view mean what they mean on a real cluster.
func TestCanIWithBuiltinRoles(t *testing.T) {
	sa := rbac.ServiceAccountUser("tenant-a", "ci")
	for _, tc := range []struct {
		name             string
		user             string
		verb, res, sub   string
		ns               string
		builtin, offline bool // allowed with and without the built-in roles
	}{
		{"sa deletes secrets in kube-system", sa, "delete", "secrets", "", "kube-system", true, false},
		{"sa creates clusterrolebindings", sa, "create", "clusterrolebindings", "", "", true, false},
		{"edit creates pods", "dev", "create", "pods", "", "tenant-a", true, false},
		{"edit execs into pods", "dev", "create", "pods", "exec", "tenant-a", true, false},
		{"edit cannot bind roles", "dev", "create", "rolebindings", "", "tenant-a", false, false},
		{"edit only in its namespace", "dev", "create", "pods", "", "tenant-b", false, false},
		{"view lists pods", "auditor", "list", "pods", "", "tenant-a", true, false},
		{"view cannot read secrets", "auditor", "get", "secrets", "", "tenant-a", false, false},
		{"anyone reviews itself", "nobody", "create", "selfsubjectaccessreviews", "", "", true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, builtin := range []bool{true, false} {
				authz := rbac.NewAuthorizer(loadManifests(t, builtin))
				group := ""
				if tc.res == "clusterrolebindings" || tc.res == "rolebindings" {
					group = "rbac.authorization.k8s.io"
				}
				if tc.res == "selfsubjectaccessreviews" {
					group = "authorization.k8s.io"
				}
				req := rbac.Request{User: tc.user, Groups: rbac.ImpersonatedGroups(tc.user, nil),
					Verb: tc.verb, APIGroup: group, Resource: tc.res, Subresource: tc.sub, Namespace: tc.ns}
				want := tc.offline
				if builtin {
					want = tc.builtin
				}
				if d := authz.Authorize(req); d.Allowed != want {
					t.Errorf("built-in roles %v: allowed = %v (%s), want %v", builtin, d.Allowed, d.Reason(), want)
				}
			}
		})
	}
}

// TestAddToInputWins: an object of the input is never replaced by the
// built-in one of the same kind, namespace and name, and only what was
// added is counted.
func TestAddToInputWins(t *testing.T) {
	p, err := Load("")
	if err != nil {
		t.Fatal(err)
	}
	snap := &snapshot.Snapshot{}
	load.Bytes(snap, "in.yaml", []byte(`
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: cluster-admin}
rules: [{verbs: [get], apiGroups: [""], resources: [pods]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: extension-apiserver-authentication-reader, namespace: kube-system}
rules: []
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: system:controller:bootstrap-signer, namespace: tenant-a}
rules: []
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: system:basic-user}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
subjects: [{kind: Group, name: system:authenticated}]
`))
	p.AddTo(snap)
	count := func(name string) (n int) {
		for _, cr := range snap.ClusterRoles {
			if cr.Name == name {
				n++
			}
		}
		return n
	}
	if n := count("cluster-admin"); n != 1 {
		t.Fatalf("%d ClusterRoles cluster-admin", n)
	}
	if n := count("edit"); n != 1 {
		t.Fatalf("%d ClusterRoles edit", n)
	}
	for _, cr := range snap.ClusterRoles {
		if cr.Name == "cluster-admin" && cr.Rules[0].Verbs[0] != "get" {
			t.Errorf("the input's cluster-admin was replaced: %v", cr.Rules)
		}
	}
	want := snapshot.Assumed{Version: "v1.32",
		Roles:           len(p.ClusterRoles) - 1 + len(p.Roles) - 1, // the input's cluster-admin and kube-system Role
		Bindings:        len(p.ClusterRoleBindings) - 1 + len(p.RoleBindings),
		ServiceAccounts: len(p.serviceAccounts())}
	if d := cmp.Diff(want, snap.Assumed); d != "" {
		t.Errorf("Assumed (-want +got):\n%s", d)
	}
	// The controllers' accounts the bindings name exist: whoever runs pods
	// as one holds its role.
	found := false
	for _, sa := range snap.ServiceAccounts {
		found = found || (sa.Namespace == "kube-system" && sa.Name == "clusterrole-aggregation-controller")
	}
	if !found || want.ServiceAccounts < 30 {
		t.Errorf("kube-system controller accounts not assumed (%d)", want.ServiceAccounts)
	}
	// The built-in Role of the same name in another namespace is still added.
	signers := 0
	for _, r := range snap.Roles {
		if r.Name == "system:controller:bootstrap-signer" {
			signers++
		}
	}
	if signers != 3 { // tenant-a's, kube-system's and kube-public's
		t.Errorf("%d Roles system:controller:bootstrap-signer, want 3", signers)
	}
	// Adding again adds nothing and keeps what was assumed.
	p.AddTo(snap)
	if d := cmp.Diff(want, snap.Assumed); d != "" {
		t.Errorf("second AddTo changed Assumed (-want +got):\n%s", d)
	}
}

// TestAssumedSurvivesWrite: a written snapshot says what it assumed, and
// assuming again on its objects keeps that.
func TestAssumedSurvivesWrite(t *testing.T) {
	for _, format := range []string{"yaml", "json"} {
		t.Run(format, func(t *testing.T) {
			snap := loadManifests(t, true)
			var buf bytes.Buffer
			if err := snap.Write(&buf, format, load.KindOf); err != nil {
				t.Fatal(err)
			}
			back := &snapshot.Snapshot{}
			load.Bytes(back, "snap."+format, buf.Bytes())
			if err := Assume(back, ""); err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(snap.Assumed, back.Assumed); d != "" || back.Assumed.Roles == 0 {
				t.Errorf("Assumed after the round trip (-written +read):\n%s", d)
			}
		})
	}
}
