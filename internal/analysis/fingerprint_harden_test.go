package analysis_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/spf13/cobra"

	"github.com/bulkhead-dev/bulkhead/internal/cli"
	"github.com/bulkhead-dev/bulkhead/internal/cli/clitest"
	"github.com/bulkhead-dev/bulkhead/internal/cmd/audit"
	"github.com/bulkhead-dev/bulkhead/internal/cmd/diff"
	"github.com/bulkhead-dev/bulkhead/internal/cmd/harden"
	"github.com/bulkhead-dev/bulkhead/internal/finding"
)

// TestFingerprintSurvivesHarden runs what a user does to check a fix:
// audit, harden, audit with harden's output applied, and diff the two
// reports. Hardening the demo picks other example pods for the findings
// it leaves open (default's pods are reached through busybox once nginx
// is walled in), and must not make them look new: the diff opens no
// finding that it also closes, nothing at high, and an audit against the
// first report as its baseline passes.
func TestFingerprintSurvivesHarden(t *testing.T) {
	dir := t.TempDir()
	before, after, hardened := filepath.Join(dir, "before.json"), filepath.Join(dir, "after.json"), filepath.Join(dir, "hardened")
	run := func(want int, cmd func(cli.IOStreams) *cobra.Command, args ...string) string {
		t.Helper()
		out, errOut, code := clitest.Run(cmd, args...)
		if code != want {
			t.Fatalf("%v: exit %d, want %d\n%s", args, code, want, errOut)
		}
		return out
	}
	write := func(path, data string) {
		t.Helper()
		if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write(before, run(cli.ExitOK, audit.NewCommand, "--demo", "-o", "json", "--fail-on", "none"))
	run(cli.ExitFindings, harden.NewCommand, "--demo", "--out", hardened)
	write(after, run(cli.ExitOK, audit.NewCommand, "--demo", "--with", hardened, "-o", "json", "--fail-on", "none"))

	var d struct {
		Opened, Closed struct{ Findings []finding.Finding }
	}
	if err := json.Unmarshal([]byte(run(cli.ExitOK, diff.NewCommand, before, after, "-o", "json")), &d); err != nil {
		t.Fatal(err)
	}
	if len(d.Closed.Findings) == 0 {
		t.Fatal("hardening the demo closed no finding: the test proves nothing")
	}
	closed := map[[3]string]string{}
	for _, f := range d.Closed.Findings {
		closed[[3]string{f.ID, f.SourceTenant, f.TargetTenant}] = f.Fingerprint
	}
	for _, f := range d.Opened.Findings {
		if fp, ok := closed[[3]string{f.ID, f.SourceTenant, f.TargetTenant}]; ok && f.ID == "BH-NET-001" {
			t.Errorf("%s %s → %s opened as %s and closed as %s: only its example changed", f.ID, f.SourceTenant, f.TargetTenant, f.Fingerprint, fp)
		}
		if f.Severity >= finding.High {
			t.Errorf("opened %s %s: %s", f.ID, f.Fingerprint, f.Reason)
		}
	}
	run(cli.ExitOK, audit.NewCommand, "--demo", "--with", hardened, "--baseline", before)
}
