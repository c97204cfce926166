package paths

import (
	"bytes"
	"strings"
	"testing"

	"github.com/bulkhead-dev/bulkhead/internal/cli"
)

// TestDefaultSourcesAreTheAudits: without --from, paths covers the sources
// the audit covers: every tenant but the cluster's, and the users and
// groups it follows (bob's cluster-wide pod reading in the demo).
func TestDefaultSourcesAreTheAudits(t *testing.T) {
	var out, errOut bytes.Buffer
	cmd := NewCommand(cli.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut})
	cmd.SetArgs([]string{"--demo", "--max", "0"})
	if err := cmd.Execute(); err != nil {
		t.Fatalf("paths --demo: %v\n%s", err, errOut.String())
	}
	for _, want := range []string{"User/bob ⇒ Namespace/network", "default ⇒ Pod/network/nginx"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("paths --demo lacks %q:\n%s", want, out.String())
		}
	}
}
