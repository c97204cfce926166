package clitest

import (
	"errors"
	"fmt"
	"testing"

	"github.com/spf13/cobra"

	"github.com/bulkhead-dev/bulkhead/internal/cli"
)

func TestRun(t *testing.T) {
	for _, c := range []struct {
		err            error
		stdout, stderr string
		code           int
	}{
		{nil, "out\n", "note\n", cli.ExitOK},
		{cli.ExitError{Code: 3}, "out\n", "note\n", 3},
		{errors.New("bad flag"), "out\n", "bad flag", cli.ExitFailure},
	} {
		newCommand := func(s cli.IOStreams) *cobra.Command {
			return &cobra.Command{Use: "x", RunE: func(*cobra.Command, []string) error {
				fmt.Fprint(s.Out, "out\n")
				fmt.Fprint(s.ErrOut, "note\n")
				return c.err
			}}
		}
		stdout, stderr, code := Run(newCommand)
		if stdout != c.stdout || stderr != c.stderr || code != c.code {
			t.Errorf("%v: %q %q %d, want %q %q %d", c.err, stdout, stderr, code, c.stdout, c.stderr, c.code)
		}
	}
}
