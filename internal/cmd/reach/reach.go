package reach

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	corev1 "k8s.io/api/core/v1"

	"github.com/bulkhead-dev/bulkhead/internal/analysis"
	"github.com/bulkhead-dev/bulkhead/internal/cli"
	"github.com/bulkhead-dev/bulkhead/internal/netpol"
	"github.com/bulkhead-dev/bulkhead/internal/render"
)

type flags struct {
	source       cli.Source
	port         int32
	protocol     string
	matrix       bool
	pods         bool
	output       render.Format
	ignoreIPPods bool
}

// NewCommand returns the reach command.
func NewCommand(streams cli.IOStreams) *cobra.Command {
	f := &flags{}
	cmd := &cobra.Command{
		Use:   "reach SRC DST | reach --matrix",
		Short: "Say whether SRC can connect to DST, and which policy rules decide it",
		Long: `Say whether SRC can open a connection to DST under the cluster's
NetworkPolicies, AdminNetworkPolicies and BaselineAdminNetworkPolicy.
SRC and DST are NAMESPACE/POD or an IP address (an endpoint outside the pods).

The first line is "yes" or "no"; the explanation names the policies and rules
that decided on the egress side (SRC) and on the ingress side (DST), or says a
side is not isolated. Exit status 0 when allowed, 4 when denied, 1 on error,
and 5 when the answer stands on incomplete input: a CNI's own policy
(CiliumNetworkPolicy, Calico, Antrea, ...) or a network bulkhead does not
model, or a resource the cluster refused. A warning line (text) or the
"incomplete" list (JSON) says what is missing; the answer may be wrong
either way.

Without --port the answer is "yes" when any port is allowed, and the allowed
ports are listed. Policies see pod ports (targetPort), not Service ports.

With --matrix, print which namespaces (or with --pods, which pods) reach which,
with the allowed ports.`,
		Example: `  bulkhead reach default/busybox network/nginx --port 80 --demo
  bulkhead reach prod/api 169.254.169.254 --port 80 -f cluster/
  bulkhead reach --matrix --demo
  bulkhead reach --matrix --pods -o csv -f cluster/`,
		SilenceUsage:      true,
		ValidArgsFunction: cli.CompleteEndpoints,
		RunE: func(cmd *cobra.Command, args []string) error {
			return run(cmd, f, streams, args)
		},
	}
	fs := cmd.Flags()
	f.source.AddFlags(fs)
	f.source.AddWithFlag(fs)
	fs.Int32Var(&f.port, "port", 0, "destination port (default: any port)")
	fs.StringVar(&f.protocol, "protocol", "TCP", "protocol: TCP, UDP or SCTP")
	fs.BoolVar(&f.matrix, "matrix", false, "print the namespace reachability matrix instead of one verdict")
	fs.BoolVar(&f.pods, "pods", false, "with --matrix: pod by pod instead of namespace by namespace")
	render.ReachFormats.AddFlag(fs, &f.output)
	fs.BoolVar(&f.ignoreIPPods, "ipblock-ignores-pods", false, "treat ipBlock peers as matching only addresses outside the pods (some network plugins); default: they match pod IPs too")
	return cmd
}

func run(cmd *cobra.Command, f *flags, streams cli.IOStreams, args []string) error {
	switch {
	case f.matrix && len(args) != 0:
		return fmt.Errorf("--matrix takes no SRC DST arguments")
	case !f.matrix && len(args) != 2:
		return fmt.Errorf("want SRC and DST (NAMESPACE/POD or an IP address), or --matrix")
	case f.pods && !f.matrix:
		return fmt.Errorf("--pods needs --matrix")
	}
	if err := render.ReachFormats.Check(f.output); err != nil {
		return err
	}
	if f.output == render.FormatCSV && !f.matrix {
		return fmt.Errorf("-o csv needs --matrix")
	}
	proto := corev1.Protocol(strings.ToUpper(f.protocol))
	if proto != corev1.ProtocolTCP && proto != corev1.ProtocolUDP && proto != corev1.ProtocolSCTP {
		return fmt.Errorf("--protocol %q: want TCP, UDP or SCTP", f.protocol)
	}
	if cmd.Flags().Changed("port") && (f.port < 1 || f.port > 65535) {
		return fmt.Errorf("--port %d: want 1-65535", f.port)
	}
	var src, dst netpol.Endpoint
	if !f.matrix {
		var err error
		if src, err = netpol.ParseEndpoint(args[0]); err != nil {
			return err
		}
		if dst, err = netpol.ParseEndpoint(args[1]); err != nil {
			return err
		}
	}
	snap, err := f.source.Snapshot(cmd.Context(), streams)
	if err != nil {
		return err
	}
	opts := netpol.DefaultOptions()
	opts.IPBlockMatchesPods = !f.ignoreIPPods
	m := netpol.Compile(snap, opts)
	for _, p := range m.Problems() {
		fmt.Fprintf(streams.ErrOut, "warning: %s\n", p)
	}
	// The answer is the network analysis's: it is as complete as the
	// audit's network analysis would be on this input.
	incomplete := render.IncompleteNotes(analysis.Coverage(snap, analysis.Engines(), "network"))
	if f.matrix {
		mx := m.NamespaceMatrix()
		if f.pods {
			mx = m.PodMatrix()
		}
		if f.output == render.FormatCSV {
			for _, n := range incomplete { // the CSV has no place for them
				fmt.Fprintf(streams.ErrOut, "warning: incomplete input, the matrix may be wrong either way (%s)\n", n)
			}
		}
		if err := render.ReachMatrixResultAs(streams.Out, f.output, render.ReachMatrixResult{Matrix: mx, Incomplete: incomplete}); err != nil {
			return err
		}
		return exit(incomplete, true)
	}
	var (
		v     netpol.Verdict
		ports []netpol.PortRange
	)
	if f.port == 0 {
		v, ports, err = m.ReachAnyPort(src, dst)
		if err == nil {
			v.Allowed = len(ports) > 0
		}
	} else {
		v, err = m.Reach(src, dst, f.port, proto)
	}
	if err != nil {
		return err
	}
	r := render.ReachResult{Verdict: v, AnyPort: f.port == 0, Ports: ports, Incomplete: incomplete}
	if err := render.ReachAs(streams.Out, f.output, r); err != nil {
		return err
	}
	if !v.Allowed && len(v.Notes) > 0 {
		// A "no" that stands on what the input does not say (a pod's
		// address an address block may hold, the node a host-network pod
		// runs on) may be wrong: its notes say why, and it exits as the
		// audit's incomplete network analysis does.
		return cli.ExitError{Code: cli.ExitIncomplete}
	}
	return exit(incomplete, v.Allowed)
}

// exit returns the exit status of an answer: incomplete input (5) wins
// over "yes" (0) and "no" (4), which it may have got wrong.
func exit(incomplete []string, allowed bool) error {
	switch {
	case len(incomplete) > 0:
		return cli.ExitError{Code: cli.ExitIncomplete}
	case !allowed:
		return cli.ExitError{Code: cli.ExitNo}
	}
	return nil
}
