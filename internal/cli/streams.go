package cli

import (
	"io"
	"os"
	"strconv"
)

// IOStreams are where a command reads and writes: program output goes to
// Out, diagnostics and progress to ErrOut.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer
}

// StandardStreams are the process's stdin, stdout and stderr.
func StandardStreams() IOStreams {
	return IOStreams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr}
}

// ExitError carries a process exit code without a message: "no" from
// can-i, or findings at or above --fail-on.
type ExitError struct{ Code int }

func (e ExitError) Error() string { return "exit status " + strconv.Itoa(e.Code) }
