// Package audit is the `bulkhead audit` command: load, tenancy, engines,
// report.
package audit

import (
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/bulkhead-dev/bulkhead/internal/analysis"
	"github.com/bulkhead-dev/bulkhead/internal/cli"
	"github.com/bulkhead-dev/bulkhead/internal/finding"
	"github.com/bulkhead-dev/bulkhead/internal/render"
	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
	"github.com/bulkhead-dev/bulkhead/internal/tenancy"
	"github.com/bulkhead-dev/bulkhead/internal/version"
)

type flags struct {
	source             cli.Source
	output             render.Format
	failOn             string
	color              string
	verbose            bool
	matrix             bool
	ipBlockIgnoresPods bool
	cloud              bool
	selection          selection
	comparison         comparison
}

// NewCommand returns the audit command.
func NewCommand(streams cli.IOStreams) *cobra.Command { return newCommand(streams, time.Now) }

// newCommand returns the audit command judging the expiry of suppressions
// by now.
func newCommand(streams cli.IOStreams, now func() time.Time) *cobra.Command {
	f := &flags{comparison: comparison{now: now}}
	cmd := &cobra.Command{
		Use:   "audit",
		Short: "Report every way one tenant can reach or act on another",
		Long: `Audit loads a cluster (live, -f manifests, or --demo), groups its namespaces into
tenants and runs every isolation analysis on it: API (RBAC), network, DNS and
Services, node. Each finding names the tenants it joins, the objects involved,
the witness (the chain of objects and rules that makes it true) and a fix.

The report opens with the tenant × tenant isolation matrix: for each pair,
isolated, or which layers are breached (api, network, dns, node), the worst
severity and the shortest attack path (see docs/attack-graph.md); then each
tenant's path to cluster-admin; then the findings. It says which analyses
ran, which were incomplete (a list the cluster refused) and which did not run.

Exit status: 3 when a finding, a breached tenant pair or a tenant's path to
cluster-admin is at or above --fail-on; otherwise 5 when an
analysis ran incomplete or did not run (the verdict stands on partial input);
otherwise 0; 1 on error (docs/exit-codes.md).

--baseline previous.json holds the audit against a report it wrote before
(-o json): the findings the baseline has (by fingerprint) are left out, and
so are breached pairs and paths to cluster-admin it has at the same or a
higher severity; the report counts what it left out, and only what is new
fails the run. --suppressions FILE takes accepted findings out of the report
and the gate, each with its reason, until its expiry date (docs/baselines.md).`,
		Example: `  # the seed articles' cluster, built in
  bulkhead audit --demo

  # manifests offline, namespaces grouped by their "team" label
  bulkhead audit -f ./manifests --tenant-label team

  # the current kubeconfig context, as JSON, failing only on critical findings
  bulkhead audit -o json --fail-on critical

  # in CI: fail only on what is new since the last accepted report
  bulkhead audit -f ./manifests --baseline accepted.json --suppressions suppressions.yaml`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return f.run(cmd, streams) },
	}
	f.source.AddFlags(cmd.Flags())
	f.source.AddWithFlag(cmd.Flags())
	render.AuditFormats.AddFlag(cmd.Flags(), &f.output)
	cmd.Flags().StringVar(&f.failOn, "fail-on", "high", "exit 3 when a finding, a breached tenant pair or a tenant's path to cluster-admin is at or above this severity: critical, high, medium, low, info or none")
	cmd.Flags().StringVar(&f.color, "color", "auto", "colour the text report: auto (only on a terminal), always or never")
	cmd.Flags().BoolVarP(&f.verbose, "verbose", "v", false, "print each finding's detail and full witness")
	cmd.Flags().BoolVar(&f.matrix, "matrix", true, "open the report with the tenant × tenant isolation matrix from the attack graph (--matrix=false skips it)")
	cmd.Flags().StringVar(&f.selection.tenant, "tenant", "", "focus the report on one tenant: the findings where it is source or target, its row and column of the matrix")
	cmd.Flags().StringSliceVar(&f.selection.checks, "checks", nil, "report only these checks: rule IDs or globs, comma-separated (BH-NET-*,BH-API-001)")
	cmd.Flags().StringSliceVar(&f.selection.skip, "skip-checks", nil, "leave out these checks: rule IDs or globs, comma-separated")
	cmd.Flags().BoolVar(&f.ipBlockIgnoresPods, "ipblock-ignores-pods", false, "treat NetworkPolicy ipBlock peers as never matching pod IPs (the default follows the upstream e2e suite: they match)")
	cmd.Flags().StringVar(&f.comparison.baselineFile, "baseline", "", "a previous report (-o json): report and fail on only what it does not hold (findings by fingerprint; pairs and paths to cluster-admin at the same or a higher severity)")
	cmd.Flags().StringVar(&f.comparison.suppressionsFile, "suppressions", "", "a YAML list of accepted findings ({fingerprint | rule and object, reason, expires}): left out of the findings and the gate, listed with their reason until they expire")
	cmd.Flags().BoolVar(&f.cloud, "cloud", false, "the nodes run on a cloud with an instance metadata service at 169.254.169.254 (BH-NET-006); without it, read from the nodes' providerID and labels, and off when the input has no nodes")
	return cmd
}

func (f *flags) run(cmd *cobra.Command, streams cli.IOStreams) error {
	failOn, err := finding.ParseSeverity(f.failOn)
	if err != nil {
		return fmt.Errorf("--fail-on: %w", err)
	}
	if err := render.AuditFormats.Check(f.output); err != nil {
		return err
	}
	color, err := f.useColor(streams)
	if err != nil {
		return err
	}
	if err := f.comparison.read(); err != nil {
		return err
	}
	progress := cli.NewProgress(streams)
	snap, ten, err := f.load(cmd, streams, progress)
	if err != nil {
		return err
	}
	facts := analysis.NewFacts(snap, ten)
	facts.Network.IPBlockMatchesPods = !f.ipBlockIgnoresPods
	facts.Network.Cloud = f.cloud
	report := analysis.Run(facts, analysis.Engines(), analysis.Options{Matrix: f.matrix, Phase: progress.Phase})
	report.Version = version.String()
	if err := f.selection.apply(report); err != nil {
		return err
	}
	f.comparison.apply(report, streams)
	err = render.ReportAs(streams.Out, f.output, report, render.TextOptions{Color: color, Width: cli.Width(streams), Verbose: f.verbose, Tenant: f.selection.tenant})
	if err != nil {
		return err
	}
	if code := exitCode(report, failOn); code != cli.ExitOK {
		return cli.ExitError{Code: code}
	}
	return nil
}

// exitCode is the audit's exit status: findings at or above failOn win
// over an incomplete verdict, which wins over a clean one.
func exitCode(r *analysis.Report, failOn finding.Severity) int {
	switch {
	case r.AtOrAbove(failOn) > 0:
		return cli.ExitFindings
	case r.Incomplete():
		return cli.ExitIncomplete
	}
	return cli.ExitOK
}

// load reads the cluster, as a progress phase when it is offline input (a
// live load reports its own progress).
func (f *flags) load(cmd *cobra.Command, streams cli.IOStreams, progress *cli.Progress) (*snapshot.Snapshot, *tenancy.Tenancy, error) {
	done := func() {}
	if f.source.Demo || len(f.source.Files) > 0 {
		done = progress.Phase("loading")
	}
	defer done()
	return f.source.Load(cmd.Context(), streams)
}

func (f *flags) useColor(streams cli.IOStreams) (bool, error) {
	switch f.color {
	case "always":
		return true, nil
	case "never":
		return false, nil
	case "auto":
		return cli.IsTerminal(streams.Out) && os.Getenv("NO_COLOR") == "", nil
	}
	return false, fmt.Errorf("--color %q: want auto, always or never", f.color)
}
