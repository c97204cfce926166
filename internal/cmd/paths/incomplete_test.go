package paths

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/bulkhead-dev/bulkhead/internal/cli"
	"github.com/bulkhead-dev/bulkhead/internal/cli/clitest"
	"github.com/bulkhead-dev/bulkhead/internal/render"
)

// TestIncompleteInput: on input with a Cilium policy, which bulkhead does
// not model, paths says its answer stands on incomplete input, whether it
// found paths or none (a warning line first in text, an incomplete list in
// JSON, on stderr beside the DOT graph), and exits 5; complete input
// answers as before.
func TestIncompleteInput(t *testing.T) {
	const warning = "warning: incomplete input, the paths may be wrong either way (network: "
	tenants := []string{"-f", "testdata/cilium.yaml", "--tenant-label", "team"}
	isolated := []string{"-f", "testdata/cilium-isolated.yaml"}
	for _, tc := range []struct {
		name   string
		args   []string
		format string
		text   string // what the text holds after the warning
		code   int
	}{
		{"paths", append([]string{"--from", "a"}, tenants...), "text", "a ⇒ Pod/b-web/web", cli.ExitIncomplete},
		{"every tenant", tenants, "text", "b ⇒ Pod/a-web/web", cli.ExitIncomplete},
		{"isolated", append([]string{"--from", "a"}, isolated...), "text", "no path: isolated\n", cli.ExitIncomplete},
		{"json", append([]string{"--from", "a", "-o", "json"}, tenants...), "json", "", cli.ExitIncomplete},
		{"isolated json", append([]string{"--from", "a", "-o", "json"}, isolated...), "json", "", cli.ExitIncomplete},
		{"dot", append([]string{"--from", "a", "-o", "dot"}, tenants...), "dot", "", cli.ExitIncomplete},
		{"complete", []string{"--demo", "--from", "default"}, "text", "default ⇒ Pod/network/nginx", cli.ExitOK},
		{"complete json", []string{"--demo", "--from", "default", "-o", "json"}, "json", "", cli.ExitOK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, errOut, code := clitest.Run(NewCommand, tc.args...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d\n%s%s", code, tc.code, out, errOut)
			}
			incomplete := tc.code == cli.ExitIncomplete
			switch tc.format {
			case "text":
				first, rest, _ := strings.Cut(out, "\n")
				if warned := strings.HasPrefix(first, warning); warned != incomplete {
					t.Errorf("first line %q, want the warning: %v", first, incomplete)
				}
				if !incomplete {
					rest = out
				}
				if !strings.Contains(rest, tc.text) {
					t.Errorf("lacks %q:\n%s", tc.text, out)
				}
			case "json":
				var doc render.PathsDocument
				if err := json.Unmarshal([]byte(out), &doc); err != nil {
					t.Fatal(err)
				}
				if got := len(doc.Incomplete) > 0 && strings.Contains(doc.Incomplete[0], "cilium.io present"); got != incomplete {
					t.Errorf("incomplete %q, want the Cilium policy: %v", doc.Incomplete, incomplete)
				}
			case "dot":
				if !strings.HasPrefix(errOut, warning) || strings.Contains(out, "warning") {
					t.Errorf("want the warning on stderr only:\nstdout:\n%s\nstderr:\n%s", out, errOut)
				}
			}
		})
	}
}
