// Package version is the `bulkhead version` command.
package version

import (
	"runtime"

	"github.com/spf13/cobra"

	"github.com/bulkhead-dev/bulkhead/internal/cli"
	"github.com/bulkhead-dev/bulkhead/internal/render"
	"github.com/bulkhead-dev/bulkhead/internal/version"
)

// NewCommand returns the version command.
func NewCommand(streams cli.IOStreams) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print bulkhead's version",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			return render.Version(streams.Out, version.String(), runtime.GOOS+"/"+runtime.GOARCH, runtime.Version())
		},
	}
}
