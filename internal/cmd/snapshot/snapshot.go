// Package snapshot is the `bulkhead snapshot` command: write what bulkhead
// loaded, so a live cluster can be analysed offline later.
package snapshot

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/bulkhead-dev/bulkhead/internal/cli"
	"github.com/bulkhead-dev/bulkhead/internal/load"
	"github.com/bulkhead-dev/bulkhead/internal/render"
)

type flags struct {
	source cli.Source
	output render.Format
}

// NewCommand returns the snapshot command.
func NewCommand(streams cli.IOStreams) *cobra.Command {
	return newCommand(streams, cli.IsTerminal)
}

// newCommand is NewCommand with the test of whether a stream is a
// terminal, which tests cannot give a real one for.
func newCommand(streams cli.IOStreams, isTerminal func(any) bool) *cobra.Command {
	f := &flags{}
	cmd := &cobra.Command{
		Use:   "snapshot",
		Short: "Write the cluster as bulkhead loaded it, for offline analysis",
		Long: `Snapshot loads a cluster exactly as audit does and writes every object it read as
one v1 List. Secrets are written as metadata only: bulkhead never reads their
values. Resources the cluster refused are listed in the header comments (YAML)
and in the list's SnapshotInfo item (every format).

For big clusters, -o json.gz writes the same List as -o json, without
indentation (one object a line) and gzip-compressed: a fraction of the size,
and the fastest to read back. -o yaml.gz is -o yaml compressed. Compressed
output is binary: redirect it to a file; it is never written to a terminal.

Analyse the result later, anywhere, with -f. -f reads gzip input as it is,
told by its content, not its name: a file, stdin (-f -), and in a directory
the files ending in .yaml.gz, .yml.gz or .json.gz beside .yaml, .yml and .json.`,
		Example: `  bulkhead snapshot -o yaml > cluster.yaml
  bulkhead audit -f cluster.yaml

  # a big cluster: compact and compressed
  bulkhead snapshot -o json.gz > cluster.json.gz
  bulkhead audit -f cluster.json.gz`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := render.SnapshotFormats.Check(f.output); err != nil {
				return err
			}
			if strings.HasSuffix(string(f.output), ".gz") && isTerminal(streams.Out) {
				return fmt.Errorf("--output %s is gzip-compressed binary data, not written to a terminal: redirect it to a file (bulkhead snapshot -o %[1]s > cluster.%[1]s)", f.output)
			}
			snap, err := f.source.Snapshot(cmd.Context(), streams)
			if err != nil {
				return err
			}
			return snap.Write(streams.Out, string(f.output), load.KindOf)
		},
	}
	f.source.AddFlags(cmd.Flags())
	render.SnapshotFormats.AddFlag(cmd.Flags(), &f.output)
	return cmd
}
