package analysis

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/bulkhead-dev/bulkhead/internal/cli"
	"github.com/bulkhead-dev/bulkhead/internal/finding"
	"github.com/bulkhead-dev/bulkhead/internal/rbac"
)

// tenantClusterAdmin is what a user gives -f: two tenants, and a
// ClusterRoleBinding making tenant-a's service account cluster-admin. The
// manifests do not contain cluster-admin; every real cluster does.
const tenantClusterAdmin = `
apiVersion: v1
kind: Namespace
metadata: {name: tenant-a}
---
apiVersion: v1
kind: Namespace
metadata: {name: tenant-b}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: ci, namespace: tenant-a}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: tenant-a-ci}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
subjects: [{kind: ServiceAccount, name: ci, namespace: tenant-a}]
`

// auditFile audits manifests through the CLI's source, as `bulkhead audit
// -f` does.
func auditFile(t *testing.T, manifests string, noBuiltin bool) *Report {
	t.Helper()
	path := filepath.Join(t.TempDir(), "cluster.yaml")
	if err := os.WriteFile(path, []byte(manifests), 0o600); err != nil {
		t.Fatal(err)
	}
	src := cli.Source{Files: []string{path}, NoBuiltinRoles: noBuiltin}
	var errOut bytes.Buffer
	snap, ten, err := src.Load(context.Background(), cli.IOStreams{ErrOut: &errOut})
	if err != nil {
		t.Fatal(err)
	}
	return Run(NewFacts(snap, ten), Engines(), Options{Matrix: true})
}

// TestBuiltinClusterAdmin: with the built-in roles assumed, a tenant's
// service account bound to cluster-admin is a CRITICAL finding and a path
// to cluster-admin, not a LOW binding to a missing role; without them
// (--no-builtin-roles) it is what it was before.
func TestBuiltinClusterAdmin(t *testing.T) {
	for _, tc := range []struct {
		name      string
		noBuiltin bool
		critical  bool // a CRITICAL API finding from tenant-a
		latent    bool // BH-API-005 on the binding
		adminPath bool // tenant-a reaches cluster-admin in the graph
		breachesB bool // the matrix says tenant-a → tenant-b is breached
	}{
		{name: "built-in roles", critical: true, adminPath: true, breachesB: true},
		{name: "no built-in roles", noBuiltin: true, latent: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := auditFile(t, tenantClusterAdmin, tc.noBuiltin)
			critical, latent := false, false
			for _, f := range r.Findings {
				if f.Category == finding.API && f.SourceTenant == "tenant-a" && f.Severity == finding.Critical {
					critical = true
				}
				if f.ID == rbac.IDLatentBinding {
					for _, o := range f.Objects {
						if o.Name == "tenant-a-ci" {
							latent = true
						}
					}
				}
			}
			if critical != tc.critical {
				t.Errorf("CRITICAL API finding from tenant-a: %v, want %v", critical, tc.critical)
			}
			if latent != tc.latent {
				t.Errorf("%s on tenant-a-ci: %v, want %v", rbac.IDLatentBinding, latent, tc.latent)
			}
			if r.Isolation == nil {
				t.Fatal("no isolation matrix")
			}
			adminPath := false
			for _, p := range r.Isolation.AdminPaths {
				if p.From == "tenant-a" {
					adminPath = true
				}
			}
			if adminPath != tc.adminPath {
				t.Errorf("tenant-a's path to cluster-admin: %v, want %v (%+v)", adminPath, tc.adminPath, r.Isolation.AdminPaths)
			}
			c := r.Isolation.Cell("tenant-a", "tenant-b")
			if breached := c != nil && !c.Isolated; breached != tc.breachesB {
				t.Errorf("tenant-a → tenant-b breached: %v, want %v", breached, tc.breachesB)
			}
			if c := r.Isolation.Cell("tenant-b", "tenant-a"); c != nil && !c.Isolated {
				t.Errorf("tenant-b → tenant-a breached: %+v", c)
			}
		})
	}
}
