// Package clitest runs a subcommand in a test as bulkhead's root command
// runs it. Only tests import it.
package clitest

import (
	"bytes"
	"context"
	"errors"
	"strings"

	"github.com/spf13/cobra"

	"github.com/bulkhead-dev/bulkhead/internal/cli"
)

// Run builds a command with newCommand on empty input, runs it with args
// and returns what it wrote and its exit code as app.Run would: 0, the
// code of a cli.ExitError, or 1 for any other error, whose text is then
// the returned stderr.
func Run(newCommand func(cli.IOStreams) *cobra.Command, args ...string) (stdout, stderr string, code int) {
	var out, errOut bytes.Buffer
	cmd := newCommand(cli.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut})
	cmd.SetArgs(args)
	cmd.SetOut(&out)
	cmd.SetErr(&errOut)
	cmd.SilenceUsage, cmd.SilenceErrors = true, true // as bulkhead's root command
	err := cmd.ExecuteContext(context.Background())
	var exit cli.ExitError
	switch {
	case err == nil:
		return out.String(), errOut.String(), cli.ExitOK
	case errors.As(err, &exit):
		return out.String(), errOut.String(), exit.Code
	}
	return out.String(), err.Error(), cli.ExitFailure
}
