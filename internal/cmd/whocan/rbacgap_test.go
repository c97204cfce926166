package whocan

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

// TestRefusesWithoutRBACData checks that who-can does not print a list of
// subjects that misses the bindings a cluster refused to show: it fails
// (exit 1) and says why.
func TestRefusesWithoutRBACData(t *testing.T) {
	const snapshot = `apiVersion: v1
kind: List
items:
- apiVersion: bulkhead.dev/v1alpha1
  kind: SnapshotInfo
  source: "live: prod"
  gaps:
  - resource: clusterrolebindings.rbac.authorization.k8s.io
    reason: forbidden
- apiVersion: v1
  kind: Namespace
  metadata:
    name: team-a
`
	path := filepath.Join(t.TempDir(), "snapshot.yaml")
	if err := os.WriteFile(path, []byte(snapshot), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, output := range []string{"text", "json"} {
		t.Run(output, func(t *testing.T) {
			var out, errOut bytes.Buffer
			cmd := NewCommand(cli.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut})
			cmd.SetArgs([]string{"list", "pods", "-n", "team-a", "-o", output, "-f", path})
			cmd.SetOut(&errOut)
			cmd.SetErr(&errOut)
			err := cmd.Execute()
			var exit cli.ExitError
			if err == nil || errors.As(err, &exit) || !errors.Is(err, kube.ErrNoRBAC) {
				t.Fatalf("error %v, want one that is not an exit code (exit 1) and wraps kube.ErrNoRBAC", err)
			}
			if want := "cannot answer: RBAC data incomplete (clusterrolebindings.rbac.authorization.k8s.io forbidden)"; !strings.HasPrefix(err.Error(), want) {
				t.Errorf("error %q, want it to start with %q", err, want)
			}
			if out.Len() > 0 {
				t.Errorf("printed an answer: %q", out.String())
			}
		})
	}
}
