package app

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/bulkhead-dev/bulkhead/internal/bootstrap"
	"github.com/bulkhead-dev/bulkhead/internal/cli"
	"github.com/bulkhead-dev/bulkhead/internal/finding"
	"github.com/bulkhead-dev/bulkhead/internal/render"
)

// flagCompletions complete flags by name, on every command that has the
// flag: the names from the snapshot the command line selects (see
// cli.CompletionTimeout for when a live cluster is read), the fixed
// values from the tables that check them.
var flagCompletions = map[string]cli.CompletionFunc{
	"namespace":          cli.CompleteNamespaces,
	"tenant":             cli.CompleteTenants,
	"from":               cli.CompletePathSources,
	"to":                 cli.CompletePathTargets,
	"as":                 cli.CompleteUsers,
	"as-group":           cli.CompleteGroups,
	"filename":           files("yaml", "yml", "json", "gz"),
	"with":               files("yaml", "yml", "json", "gz"),
	"tenants":            files("yaml", "yml", "json"),
	"allow-flows":        files("yaml", "yml", "json"),
	"fail-on":            fixed(severityNames()...),
	"color":              fixed("auto", "always", "never"),
	"kubernetes-version": fixed(bootstrap.Versions()...),
	"protocol":           fixed("TCP", "UDP", "SCTP"),
}

// registerCompletions registers the completions of every command's flags
// under root, and -o/--output's formats from the command's declaration in
// render. cobra's own completion command is set up here so that its
// subcommands are named as the root is.
func registerCompletions(root *cobra.Command) {
	root.InitDefaultCompletionCmd()
	if c, _, err := root.Find([]string{"completion"}); err == nil && c != root {
		// A shell cobra has no script for is an error, not the help.
		c.Args = cobra.ArbitraryArgs
		c.RunE = func(_ *cobra.Command, args []string) error {
			if len(args) == 0 {
				return fmt.Errorf("completion: name a shell: bash, zsh, fish or powershell")
			}
			return fmt.Errorf("completion %q: want bash, zsh, fish or powershell", args[0])
		}
	}
	var walk func(*cobra.Command)
	walk = func(c *cobra.Command) {
		for name, complete := range flagCompletions {
			if c.Flags().Lookup(name) != nil {
				_ = c.RegisterFlagCompletionFunc(name, complete)
			}
		}
		if c.Flags().Lookup("output") != nil {
			if fs := formatsOf(c); fs != nil {
				_ = c.RegisterFlagCompletionFunc("output", fixed(formatNames(fs)...))
			}
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
}

// formatsOf returns the formats a command declares in render.
func formatsOf(c *cobra.Command) *render.Formats {
	for _, fs := range render.Commands {
		if fs.Command == c.Name() {
			return fs
		}
	}
	return nil
}

func formatNames(fs *render.Formats) []string {
	out := make([]string, len(fs.Offered))
	for i, f := range fs.Offered {
		out[i] = string(f)
	}
	return out
}

func severityNames() []string {
	var out []string
	for s := finding.Info; s <= finding.Critical; s++ {
		out = append(out, s.String())
	}
	return append(out, "none")
}

// fixed completes one of a fixed list of values.
func fixed(values ...string) cli.CompletionFunc {
	return cobra.FixedCompletions(values, cobra.ShellCompDirectiveNoFileComp)
}

// files completes file names with these extensions, and directories.
func files(extensions ...string) cli.CompletionFunc {
	return func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return extensions, cobra.ShellCompDirectiveFilterFileExt
	}
}
