// Command scalegen writes the synthetic production-shaped cluster of the
// scale benchmarks (internal/scalegen) to a file, for running bulkhead on
// it by hand:
//
//	go run ./hack/scalegen -pods 25000 -o /tmp/cluster.yaml
//	go run ./cmd/bulkhead audit -f /tmp/cluster.yaml --tenant-label tenant -o json
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/bulkhead-dev/bulkhead/internal/scalegen"
)

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintf(os.Stderr, "scalegen: %v\n", err)
		os.Exit(1)
	}
}

func run(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("scalegen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	tenants := fs.Int("tenants", 0, "number of tenants (5 namespaces and 100 pods each); overrides -pods")
	pods := fs.Int("pods", 10000, "approximate number of tenant pods")
	seed := fs.Uint64("seed", 1, "random seed: one seed, one cluster")
	format := fs.String("format", "", "yaml or json (one List); default from the -o extension, else yaml")
	out := fs.String("o", "-", "output file (- for stdout)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg := scalegen.Config{Tenants: *tenants, Seed: *seed}
	if cfg.Tenants == 0 {
		cfg.Tenants = scalegen.Tenants(*pods)
	}
	switch f := *format; {
	case f == "json" || (f == "" && strings.HasSuffix(*out, ".json")):
		cfg.Format = scalegen.JSON
	case f == "yaml" || f == "":
	default:
		return fmt.Errorf("-format %q: want yaml or json", f)
	}
	w, closeOut := stdout, func() error { return nil }
	if *out != "-" {
		f, err := os.Create(*out)
		if err != nil {
			return err
		}
		w, closeOut = f, f.Close
	}
	bw := bufio.NewWriter(w)
	stats, err := scalegen.Write(bw, cfg)
	if err == nil {
		err = bw.Flush()
	}
	if cerr := closeOut(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "%d tenants: %d namespaces, %d nodes, %d pods (%d of tenants), %d workloads, %d NetworkPolicies, %d RoleBindings, %d ClusterRoles; %d objects, %.1f MB\n",
		cfg.Tenants, stats.Namespaces, stats.Nodes, stats.Pods, stats.TenantPods, stats.Workloads, stats.NetworkPolicies, stats.RoleBindings, stats.ClusterRoles, stats.Objects, float64(stats.Bytes)/1e6)
	return nil
}
