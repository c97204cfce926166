package audit

import (
	"testing"

	"github.com/bulkhead-dev/bulkhead/internal/analysis"
	"github.com/bulkhead-dev/bulkhead/internal/cli"
	"github.com/bulkhead-dev/bulkhead/internal/cli/clitest"
	"github.com/bulkhead-dev/bulkhead/internal/finding"
)

// execute runs the audit command with --allow-incomplete (so that a
// live load refused a list reaches the exit code rather than an error),
// as app.Run would (clitest.Run).
func execute(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	return clitest.Run(NewCommand, append(args, "--allow-incomplete")...)
}

func TestExitCode(t *testing.T) {
	ran := analysis.Analysis{Name: "api", Status: analysis.Ran}
	incomplete := analysis.Analysis{Name: "network", Status: analysis.Incomplete, Notes: []string{"pods forbidden"}}
	notRun := analysis.Analysis{Name: "node", Status: analysis.NotRun}
	high := finding.Finding{ID: "BH-X-001", Severity: finding.High}
	for _, tc := range []struct {
		name     string
		analyses []analysis.Analysis
		findings []finding.Finding
		failOn   finding.Severity
		want     int
	}{
		{"clean", []analysis.Analysis{ran}, nil, finding.High, cli.ExitOK},
		{"below fail-on", []analysis.Analysis{ran}, []finding.Finding{high}, finding.Critical, cli.ExitOK},
		{"at fail-on", []analysis.Analysis{ran}, []finding.Finding{high}, finding.High, cli.ExitFindings},
		{"incomplete", []analysis.Analysis{ran, incomplete}, nil, finding.High, cli.ExitIncomplete},
		{"not run", []analysis.Analysis{ran, notRun}, nil, finding.High, cli.ExitIncomplete},
		{"incomplete, findings below fail-on", []analysis.Analysis{incomplete}, []finding.Finding{high}, finding.Critical, cli.ExitIncomplete},
		{"findings win over incomplete", []analysis.Analysis{incomplete}, []finding.Finding{high}, finding.Medium, cli.ExitFindings},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := &analysis.Report{Analyses: tc.analyses, Findings: tc.findings}
			if got := exitCode(r, tc.failOn); got != tc.want {
				t.Errorf("exitCode = %d, want %d", got, tc.want)
			}
		})
	}
}

// TestExitCodeEndToEnd runs the command on a snapshot that records a list
// the cluster refused: the same cluster read in full exits 0.
func TestExitCodeEndToEnd(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want int
	}{
		{"complete", []string{"-f", "testdata/complete.yaml", "--fail-on", "critical"}, cli.ExitOK},
		{"pods forbidden", []string{"-f", "testdata/incomplete.yaml", "--fail-on", "critical"}, cli.ExitIncomplete},
		{"pods forbidden, json", []string{"-f", "testdata/incomplete.yaml", "--fail-on", "critical", "-o", "json"}, cli.ExitIncomplete},
		{"findings win", []string{"-f", "testdata/incomplete.yaml", "--fail-on", "info"}, cli.ExitFindings},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, stderr, code := execute(t, tc.args...)
			if code != tc.want {
				t.Errorf("exit %d, want %d; stderr %q\n%s", code, tc.want, stderr, out)
			}
		})
	}
}
