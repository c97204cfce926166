// Package app assembles bulkhead's command tree and runs it.
package app

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/bulkhead-dev/bulkhead/internal/cli"
	auditcmd "github.com/bulkhead-dev/bulkhead/internal/cmd/audit"
	canicmd "github.com/bulkhead-dev/bulkhead/internal/cmd/cani"
	checkcmd "github.com/bulkhead-dev/bulkhead/internal/cmd/check"
	diffcmd "github.com/bulkhead-dev/bulkhead/internal/cmd/diff"
	hardencmd "github.com/bulkhead-dev/bulkhead/internal/cmd/harden"
	pathscmd "github.com/bulkhead-dev/bulkhead/internal/cmd/paths"
	reachcmd "github.com/bulkhead-dev/bulkhead/internal/cmd/reach"
	servecmd "github.com/bulkhead-dev/bulkhead/internal/cmd/serve"
	snapshotcmd "github.com/bulkhead-dev/bulkhead/internal/cmd/snapshot"
	versioncmd "github.com/bulkhead-dev/bulkhead/internal/cmd/version"
	whocancmd "github.com/bulkhead-dev/bulkhead/internal/cmd/whocan"
	"github.com/bulkhead-dev/bulkhead/internal/termsafe"
	"github.com/bulkhead-dev/bulkhead/internal/version"
)

// NewRootCommand returns the bulkhead command with every subcommand.
func NewRootCommand(streams cli.IOStreams) *cobra.Command {
	return newRootCommand(InvokedAs(binaryName), streams)
}

// newRootCommand returns the command tree named for how the binary was
// invoked, its flags' and arguments' completions registered.
func newRootCommand(inv Invocation, streams cli.IOStreams) *cobra.Command {
	root := &cobra.Command{
		Use:   "bulkhead",
		Short: "See, fix and hold the isolation between tenants of a Kubernetes cluster",
		Long: `bulkhead finds every way one tenant of a shared Kubernetes cluster can reach or act
on another: through the API (RBAC), the network (NetworkPolicy, AdminNetworkPolicy),
DNS and Services, and the node (privileged pods, hostPath, host namespaces).

It reads a live cluster (read-only; secrets as metadata only) or manifests
offline (-f), groups namespaces into tenants, and reports each breach with the
exact objects and rules that make it true.

Start with the built-in demo, the scenarios of the articles bulkhead comes from:
  bulkhead audit --demo`,
		SilenceUsage:  true,
		SilenceErrors: true,
		// --version prints what the version command does.
		Version: version.String() + " " + runtime.GOOS + "/" + runtime.GOARCH + " " + runtime.Version(),
	}
	root.SetVersionTemplate("bulkhead {{.Version}}\n")
	root.SetIn(streams.In)
	root.SetOut(streams.Out)
	root.SetErr(streams.ErrOut)
	root.AddCommand(
		auditcmd.NewCommand(streams),
		pathscmd.NewCommand(streams),
		snapshotcmd.NewCommand(streams),
		versioncmd.NewCommand(streams),
	)
	root.AddCommand(canicmd.NewCommand(streams))
	root.AddCommand(whocancmd.NewCommand(streams))
	root.AddCommand(reachcmd.NewCommand(streams))
	root.AddCommand(hardencmd.NewCommand(streams))
	root.AddCommand(diffcmd.NewCommand(streams))
	root.AddCommand(servecmd.NewCommand(streams))
	root.AddCommand(checkcmd.NewCommand(streams))
	registerCompletions(root)
	wrapFlagHelp(root, cli.Width(streams))
	inv.apply(root)
	return root
}

// wrapFlagHelp makes every command's help list its flags wrapped to width
// columns, as the rest of the output is.
func wrapFlagHelp(root *cobra.Command, width int) {
	cobra.AddTemplateFunc("wrappedFlagUsages", func(fs *pflag.FlagSet) string {
		return strings.TrimRight(fs.FlagUsagesWrapped(width), " \n")
	})
	t := root.UsageTemplate()
	t = strings.ReplaceAll(t, ".LocalFlags.FlagUsages | trimTrailingWhitespaces", "wrappedFlagUsages .LocalFlags")
	t = strings.ReplaceAll(t, ".InheritedFlags.FlagUsages | trimTrailingWhitespaces", "wrappedFlagUsages .InheritedFlags")
	root.SetUsageTemplate(t)
}

// Main runs bulkhead with the process's arguments and returns the exit
// code: 0 success, 1 error, other codes as commands document them. Run as
// kubectl-bulkhead, it is the kubectl plugin (InvokedAs).
func Main() int {
	inv := InvokedAs(os.Args[0])
	return RunAs(context.Background(), inv, inv.Args(os.Args[1:]), cli.StandardStreams())
}

// Run runs bulkhead with args; errors are printed once, here.
func Run(ctx context.Context, args []string, streams cli.IOStreams) int {
	return RunAs(ctx, InvokedAs(binaryName), args, streams)
}

// RunAs runs the command tree named for inv with args.
func RunAs(ctx context.Context, inv Invocation, args []string, streams cli.IOStreams) int {
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt)
	defer stop()
	root := newRootCommand(inv, streams)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	var exit cli.ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &exit):
		return exit.Code
	default:
		fmt.Fprintf(streams.ErrOut, "bulkhead: %s\n", termsafe.String(err.Error())) // names from the cluster
		return 1
	}
}
