// Package diff is the `bulkhead diff` command: what opened and what closed
// between two JSON reports of `bulkhead audit`.
package diff

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/bulkhead-dev/bulkhead/internal/analysis"
	"github.com/bulkhead-dev/bulkhead/internal/baseline"
	"github.com/bulkhead-dev/bulkhead/internal/cli"
	"github.com/bulkhead-dev/bulkhead/internal/finding"
	"github.com/bulkhead-dev/bulkhead/internal/render"
	"github.com/bulkhead-dev/bulkhead/internal/version"
)

type flags struct {
	output render.Format
	failOn string
}

// NewCommand returns the diff command.
func NewCommand(streams cli.IOStreams) *cobra.Command {
	f := &flags{}
	cmd := &cobra.Command{
		Use:   "diff OLD.json NEW.json",
		Short: "Show the tenant pairs and findings opened and closed between two audit reports",
		Long: `Diff compares two reports of bulkhead audit -o json (of the same schema version):
the tenant pairs breached in NEW and not in OLD, or at a higher severity, and
tenants' new paths to cluster-admin, are opened; those breached in OLD and not
in NEW, or at a lower severity, are closed. Findings are compared by
fingerprint (docs/report-schema.md). Each list is worst first.

Exit status: 3 when something opened at or above --fail-on (a finding, a
breached pair or a path to cluster-admin); else 5 when the new report stands on
incomplete input (it says which analyses, and why); otherwise 0, whatever
closed; 1 on error (docs/exit-codes.md).`,
		Example: `  # what a change to the manifests opens, before merging it
  bulkhead audit -f main/ -o json > old.json
  bulkhead audit -f main/ --with change.yaml -o json > new.json
  bulkhead diff old.json new.json

  # fail a pipeline only when something critical opened
  bulkhead diff old.json new.json --fail-on critical -o json`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error { return f.run(streams, args[0], args[1]) },
	}
	render.DiffFormats.AddFlag(cmd.Flags(), &f.output)
	cmd.Flags().StringVar(&f.failOn, "fail-on", "high", "exit 3 when a finding, a breached tenant pair or a tenant's path to cluster-admin at or above this severity opened: critical, high, medium, low, info or none")
	return cmd
}

func (f *flags) run(streams cli.IOStreams, oldFile, newFile string) error {
	failOn, err := finding.ParseSeverity(f.failOn)
	if err != nil {
		return fmt.Errorf("--fail-on: %w", err)
	}
	if err := render.DiffFormats.Check(f.output); err != nil {
		return err
	}
	was, err := read(oldFile)
	if err != nil {
		return err
	}
	now, err := read(newFile)
	if err != nil {
		return err
	}
	d := baseline.Compare(was, now)
	d.Version = version.String()
	d.Old, d.New = oldFile, newFile
	if err := render.DiffAs(streams.Out, f.output, d, render.TextOptions{}); err != nil {
		return err
	}
	if d.OpenedAtOrAbove(failOn) > 0 {
		return cli.ExitError{Code: cli.ExitFindings}
	}
	if len(d.Incomplete) > 0 {
		// Never a silent green: what the new report shows closed stands
		// on input some analysis could not read or model.
		return cli.ExitError{Code: cli.ExitIncomplete}
	}
	return nil
}

// read reads one report; a report of another schema version is an error.
func read(file string) (*analysis.Report, error) {
	in, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer func() { _ = in.Close() }() // read only: nothing to flush
	r, err := baseline.Read(in)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	return r, nil
}
