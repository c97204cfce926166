package app

import (
	"path/filepath"
	"regexp"
	"strings"

	"github.com/spf13/cobra"
)

// How the binary may be invoked. Installed as kubectl-bulkhead (krew does
// that, and `make build` links it), kubectl finds it on $PATH and runs it
// for `kubectl bulkhead ...`; kubectl (1.26 and later) completes a
// plugin's arguments by running kubectl_complete-bulkhead with them, which
// answers as `bulkhead __complete` does.
const (
	binaryName     = "bulkhead"
	pluginName     = "kubectl-" + binaryName
	completerName  = "kubectl_complete-" + binaryName
	pluginDisplay  = "kubectl " + binaryName
	completeSubcmd = cobra.ShellCompRequestCmd
)

// Invocation is what the name the binary was run under means.
type Invocation struct {
	// Use is the root command's name: bulkhead, or kubectl-bulkhead.
	Use string
	// Display is how usage and help name the root command: bulkhead, or
	// kubectl bulkhead.
	Display string
	// Complete is set for kubectl_complete-bulkhead: the arguments are
	// those of a completion request.
	Complete bool
}

// Plugin reports whether help speaks of `kubectl bulkhead`.
func (i Invocation) Plugin() bool { return i.Display == pluginDisplay }

// InvokedAs reads argv[0]: kubectl-bulkhead and kubectl_complete-bulkhead
// (with .exe on Windows) are the kubectl plugin; any other name is
// bulkhead itself.
func InvokedAs(argv0 string) Invocation {
	name := strings.TrimSuffix(filepath.Base(argv0), ".exe")
	switch name {
	case pluginName:
		return Invocation{Use: pluginName, Display: pluginDisplay}
	case completerName:
		return Invocation{Use: pluginName, Display: pluginDisplay, Complete: true}
	}
	return Invocation{Use: binaryName, Display: binaryName}
}

// Args are the arguments the command tree runs with for the process's
// arguments (without argv[0]).
func (i Invocation) Args(args []string) []string {
	if i.Complete {
		return append([]string{completeSubcmd}, args...)
	}
	return args
}

// apply names root and its help for the invocation: as a plugin, the
// usage lines, the help and the examples say `kubectl bulkhead audit`
// where they said `bulkhead audit`.
func (i Invocation) apply(root *cobra.Command) {
	if !i.Plugin() {
		return
	}
	root.Use = i.Use
	if root.Annotations == nil {
		root.Annotations = map[string]string{}
	}
	root.Annotations[cobra.CommandDisplayNameAnnotation] = i.Display
	invocation := commandLine(root)
	var walk func(*cobra.Command)
	walk = func(c *cobra.Command) {
		c.Long = invocation.ReplaceAllString(c.Long, "${1}"+pluginDisplay+" $2")
		c.Example = invocation.ReplaceAllString(c.Example, "${1}"+pluginDisplay+" $2")
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
}

// commandLine matches "bulkhead SUBCOMMAND" where a command line starts in
// help text: at the start of a line, after a space, a backquote, a
// parenthesis or a "$ " prompt, but not inside a word (kubectl-bulkhead)
// or a path (./cmd/bulkhead).
func commandLine(root *cobra.Command) *regexp.Regexp {
	var names []string
	for _, c := range root.Commands() {
		names = append(names, regexp.QuoteMeta(c.Name()))
	}
	names = append(names, "help", "completion")
	return regexp.MustCompile(`(?m)(^|[\s(` + "`" + `])` + binaryName + ` (` + strings.Join(names, "|") + `)\b`)
}
