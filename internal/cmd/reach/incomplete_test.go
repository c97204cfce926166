package reach

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/bulkhead-dev/bulkhead/internal/cli"
	"github.com/bulkhead-dev/bulkhead/internal/cli/clitest"
)

// cilium is the gap a CiliumNetworkPolicy leaves in the network analysis.
const cilium = "network: ciliumnetworkpolicies.cilium.io present (1 CiliumNetworkPolicy object), not modelled"

// TestIncompleteInput: on input with a CiliumNetworkPolicy, which bulkhead
// does not model, every answer of reach, yes or no, one pair or the
// matrix, says it stands on incomplete input (a warning line in text, an
// incomplete list in JSON, on stderr beside the CSV) and exits 5; the same
// input without it answers as before.
func TestIncompleteInput(t *testing.T) {
	// The tester's cluster: two tenants, a Cilium policy selecting a-web.
	tenants := []string{"-f", "testdata/cilium.yaml", "--tenant-label", "team"}
	// The demo with network walled in by a NetworkPolicy, and a Cilium
	// policy beside it.
	denied := []string{"-f", seed, "-f", "testdata/deny-network.yaml", "-f", "testdata/unmodelled.yaml"}
	for _, tc := range []struct {
		name       string
		args       []string
		answer     string // first line of the text
		warnOut    bool   // the warning is in stdout (else stderr)
		json       bool
		wantIncomp bool
	}{
		{"yes", append([]string{"b-web/web", "a-web/web"}, tenants...), "yes", true, false, true},
		{"yes on a port", append([]string{"b-web/web", "a-web/web", "--port", "8080"}, tenants...), "yes", true, false, true},
		{"yes json", append([]string{"b-web/web", "a-web/web", "-o", "json"}, tenants...), "", false, true, true},
		{"no", append([]string{"default/busybox", "network/nginx", "--port", "80"}, denied...), "no", true, false, true},
		{"no json", append([]string{"default/busybox", "network/nginx", "--port", "80", "-o", "json"}, denied...), "", false, true, true},
		{"matrix", append([]string{"--matrix"}, tenants...), "warning: incomplete input", true, false, true},
		{"matrix pods json", append([]string{"--matrix", "--pods", "-o", "json"}, tenants...), "", false, true, true},
		{"matrix csv", append([]string{"--matrix", "-o", "csv"}, tenants...), "from,to,ports", false, false, true},
		{"complete: yes", []string{"default/busybox", "network/nginx", "--port", "80", "--demo"}, "yes", false, false, false},
		{"complete: matrix json", []string{"--matrix", "-o", "json", "--demo"}, "", false, true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, errOut, code := clitest.Run(NewCommand, tc.args...)
			want := cli.ExitOK
			if tc.wantIncomp {
				want = cli.ExitIncomplete
			}
			if code != want {
				t.Fatalf("exit %d, want %d\n%s%s", code, want, out, errOut)
			}
			if tc.answer != "" && !strings.HasPrefix(out, tc.answer) {
				t.Errorf("answer does not start with %q:\n%s", tc.answer, out)
			}
			warning := "warning: incomplete input"
			switch {
			case tc.json:
				var doc struct{ Incomplete []string }
				if err := json.Unmarshal([]byte(out), &doc); err != nil {
					t.Fatal(err)
				}
				if got := len(doc.Incomplete) == 1 && strings.HasPrefix(doc.Incomplete[0], cilium); got != tc.wantIncomp {
					t.Errorf("JSON incomplete %q, want the Cilium policy: %v", doc.Incomplete, tc.wantIncomp)
				}
			case !tc.wantIncomp:
				if strings.Contains(out+errOut, warning) {
					t.Errorf("complete input warned:\n%s%s", out, errOut)
				}
			case tc.warnOut:
				if lines := strings.Split(out, "\n"); !containsLine(lines, warning, cilium) {
					t.Errorf("no warning line naming the Cilium policy in stdout:\n%s", out)
				}
			default:
				if !containsLine(strings.Split(errOut, "\n"), warning, cilium) || strings.Contains(out, warning) {
					t.Errorf("want the warning on stderr only:\nstdout:\n%s\nstderr:\n%s", out, errOut)
				}
			}
		})
	}
}

// containsLine reports whether a line starts with prefix and holds what.
func containsLine(lines []string, prefix, what string) bool {
	for _, l := range lines {
		if strings.HasPrefix(l, prefix) && strings.Contains(l, what) {
			return true
		}
	}
	return false
}
