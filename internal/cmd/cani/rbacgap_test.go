package cani

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bulkhead-dev/bulkhead/internal/cli"
	"github.com/bulkhead-dev/bulkhead/internal/kube"
)

// incompleteSnapshot is a snapshot file, as `bulkhead snapshot
// --allow-incomplete` writes one, of a cluster that refused to list
// RoleBindings: what it holds grants alice nothing, but the refused
// bindings may.
const incompleteSnapshot = `apiVersion: v1
kind: List
items:
- apiVersion: bulkhead.dev/v1alpha1
  kind: SnapshotInfo
  source: "live: prod"
  gaps:
  - resource: rolebindings.rbac.authorization.k8s.io
    reason: forbidden
- apiVersion: v1
  kind: Namespace
  metadata:
    name: team-a
- apiVersion: rbac.authorization.k8s.io/v1
  kind: Role
  metadata:
    name: reader
    namespace: team-a
  rules:
  - apiGroups: [""]
    resources: [pods]
    verbs: [list]
`

// TestRefusesWithoutRBACData checks that can-i does not answer "no" when
// the RBAC data is incomplete: it fails with exit 1 and says why.
func TestRefusesWithoutRBACData(t *testing.T) {
	path := filepath.Join(t.TempDir(), "snapshot.yaml")
	if err := os.WriteFile(path, []byte(incompleteSnapshot), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"list", "pods", "-n", "team-a", "--as", "alice", "-f", path},
		{"--list", "-n", "team-a", "--as", "alice", "-f", path},
	} {
		t.Run(strings.Join(args[:2], " "), func(t *testing.T) {
			var out, errOut bytes.Buffer
			cmd := NewCommand(cli.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut})
			cmd.SetArgs(args)
			cmd.SetOut(&errOut)
			cmd.SetErr(&errOut)
			err := cmd.Execute()
			var exit cli.ExitError
			if err == nil || errors.As(err, &exit) || !errors.Is(err, kube.ErrNoRBAC) {
				t.Fatalf("error %v, want one that is not an exit code (exit 1) and wraps kube.ErrNoRBAC", err)
			}
			if want := "cannot answer: RBAC data incomplete (rolebindings.rbac.authorization.k8s.io forbidden)"; !strings.HasPrefix(err.Error(), want) {
				t.Errorf("error %q, want it to start with %q", err, want)
			}
			if out.Len() > 0 {
				t.Errorf("printed an answer: %q", out.String())
			}
		})
	}
}
