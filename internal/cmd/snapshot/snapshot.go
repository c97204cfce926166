// Package snapshot is the `bulkhead snapshot` command: write what bulkhead
// loaded, so a live cluster can be analysed offline later.
package snapshot

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/bulkhead-dev/bulkhead/internal/cli"
	"github.com/bulkhead-dev/bulkhead/internal/load"
)

type flags struct {
	source cli.Source
	output string
}

// NewCommand returns the snapshot command.
func NewCommand(streams cli.IOStreams) *cobra.Command {
	f := &flags{}
	cmd := &cobra.Command{
		Use:   "snapshot",
		Short: "Write the cluster as bulkhead loaded it, for offline analysis",
		Long: `Snapshot loads a cluster exactly as audit does and writes every object it read as
one v1 List. Secrets are written as metadata only: bulkhead never reads their
values. Resources the cluster refused are listed in the header comments.

Analyse the result later, anywhere, with -f.`,
		Example: `  bulkhead snapshot -o yaml > cluster.yaml
  bulkhead audit -f cluster.yaml`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if f.output != "yaml" && f.output != "json" {
				return fmt.Errorf("--output %q: want yaml or json", f.output)
			}
			snap, err := f.source.Snapshot(cmd.Context(), streams)
			if err != nil {
				return err
			}
			return snap.Write(streams.Out, f.output, load.KindOf)
		},
	}
	f.source.AddFlags(cmd.Flags())
	cmd.Flags().StringVarP(&f.output, "output", "o", "yaml", "output format: yaml or json")
	return cmd
}
