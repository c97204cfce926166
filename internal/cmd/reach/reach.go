package reach

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"
	corev1 "k8s.io/api/core/v1"

	"github.com/bulkhead-dev/bulkhead/internal/cli"
	"github.com/bulkhead-dev/bulkhead/internal/netpol"
)

type flags struct {
	source       cli.Source
	port         int32
	protocol     string
	matrix       bool
	pods         bool
	output       string
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
side is not isolated. Exit status 0 when allowed, 4 when denied, 1 on error.

Without --port the answer is "yes" when any port is allowed, and the allowed
ports are listed. Policies see pod ports (targetPort), not Service ports.

With --matrix, print which namespaces (or with --pods, which pods) reach which,
with the allowed ports.`,
		Example: `  bulkhead reach default/busybox network/nginx --port 80 --demo
  bulkhead reach prod/api 169.254.169.254 --port 80 -f cluster/
  bulkhead reach --matrix --demo
  bulkhead reach --matrix --pods -o csv -f cluster/`,
		SilenceUsage: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			return run(cmd, f, streams, args)
		},
	}
	fs := cmd.Flags()
	f.source.AddFlags(fs)
	fs.Int32Var(&f.port, "port", 0, "destination port (default: any port)")
	fs.StringVar(&f.protocol, "protocol", "TCP", "protocol: TCP, UDP or SCTP")
	fs.BoolVar(&f.matrix, "matrix", false, "print the namespace reachability matrix instead of one verdict")
	fs.BoolVar(&f.pods, "pods", false, "with --matrix: pod by pod instead of namespace by namespace")
	fs.StringVarP(&f.output, "output", "o", "text", "output format: text, json or csv (csv with --matrix only)")
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
	switch f.output {
	case "text", "json":
	case "csv":
		if !f.matrix {
			return fmt.Errorf("-o csv needs --matrix")
		}
	default:
		return fmt.Errorf("unknown output format %q (want text, json or csv)", f.output)
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
	if f.matrix {
		mx := m.NamespaceMatrix()
		if f.pods {
			mx = m.PodMatrix()
		}
		return writeMatrix(streams.Out, mx, f.output)
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
	if err := writeVerdict(streams.Out, v, f.port == 0, ports, f.output); err != nil {
		return err
	}
	if !v.Allowed {
		return cli.ExitError{Code: cli.ExitNo}
	}
	return nil
}

func writeVerdict(w io.Writer, v netpol.Verdict, anyPort bool, ports []netpol.PortRange, format string) error {
	if format == "json" {
		out := struct {
			Allowed      bool               `json:"allowed"`
			AllowedPorts []netpol.PortRange `json:"allowedPorts,omitempty"`
			Verdict      netpol.Verdict     `json:"verdict"`
		}{v.Allowed, ports, v}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	answer := "no"
	if v.Allowed {
		answer = "yes"
	}
	fmt.Fprintln(w, answer)
	if anyPort {
		if len(ports) > 0 {
			fmt.Fprintf(w, "allowed ports from %s to %s: %s\n", v.From, v.To, netpol.FormatPorts(ports))
			fmt.Fprintln(w, "explained for one of them:")
		} else {
			fmt.Fprintf(w, "no port is allowed from %s to %s; for example:\n", v.From, v.To)
		}
	}
	for _, l := range v.Explain() {
		fmt.Fprintln(w, l)
	}
	return nil
}

func writeMatrix(w io.Writer, mx netpol.Matrix, format string) error {
	switch format {
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(mx)
	case "csv":
		cw := csv.NewWriter(w)
		_ = cw.Write([]string{"from", "to", "ports"})
		for _, c := range mx.Allowed {
			ps := make([]string, len(c.Ports))
			for i, p := range c.Ports {
				ps[i] = p.String()
			}
			_ = cw.Write([]string{c.From, c.To, strings.Join(ps, ";")})
		}
		cw.Flush()
		return cw.Error()
	}
	cells := map[[2]string][]netpol.PortRange{}
	for _, c := range mx.Allowed {
		cells[[2]string{c.From, c.To}] = c.Ports
	}
	fmt.Fprintf(w, "%s reachability (rows: from, columns: to)\n", mx.Kind)
	tw := tabwriter.NewWriter(w, 0, 0, 1, ' ', 0)
	fmt.Fprint(tw, "\t")
	for i := range mx.Endpoints {
		fmt.Fprintf(tw, "%d\t", i+1)
	}
	fmt.Fprintln(tw)
	var partial []netpol.Cell
	for i, from := range mx.Endpoints {
		fmt.Fprintf(tw, "%d %s\t", i+1, from)
		for _, to := range mx.Endpoints {
			ps, ok := cells[[2]string{from, to}]
			switch {
			case mx.Kind == "pod" && from == to:
				fmt.Fprint(tw, "-\t")
			case !ok:
				fmt.Fprint(tw, ".\t")
			case allPorts(ps):
				fmt.Fprint(tw, "*\t")
			default:
				fmt.Fprint(tw, "p\t")
				partial = append(partial, netpol.Cell{From: from, To: to, Ports: ps})
			}
		}
		fmt.Fprintln(tw)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w, "* every port   p some ports   . none")
	for _, c := range partial {
		fmt.Fprintf(w, "%s -> %s: %s\n", c.From, c.To, netpol.FormatPorts(c.Ports))
	}
	return nil
}

func allPorts(ps []netpol.PortRange) bool {
	if len(ps) != len(netpol.Protocols) {
		return false
	}
	for _, p := range ps {
		if p.Start != 1 || p.End != 65535 {
			return false
		}
	}
	return true
}
