// Package harden is the `bulkhead harden` command: load, plan, prove,
// write.
package harden

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"
	"sigs.k8s.io/yaml"

	"github.com/bulkhead-dev/bulkhead/internal/analysis"
	"github.com/bulkhead-dev/bulkhead/internal/cli"
	"github.com/bulkhead-dev/bulkhead/internal/finding"
	"github.com/bulkhead-dev/bulkhead/internal/harden"
	"github.com/bulkhead-dev/bulkhead/internal/netpol"
	"github.com/bulkhead-dev/bulkhead/internal/render"
	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
	"github.com/bulkhead-dev/bulkhead/internal/tenancy"
)

type flags struct {
	source          cli.Source
	output          render.Format
	out             string
	layers          []string
	egress          string
	network         string
	allowFlows      string
	allowPrivileged []string
	quota           bool
	failOn          string
	verbose         bool
}

// NewCommand returns the harden command.
func NewCommand(streams cli.IOStreams) *cobra.Command {
	f := &flags{}
	cmd := &cobra.Command{
		Use:   "harden",
		Short: "Write the manifests that close cross-tenant paths, and prove them",
		Long: `Harden writes, from the cluster it analysed, the objects that close the paths
between tenants, and proves them: it applies them to the cluster in memory,
runs every analysis again and shows the isolation matrix before and after.
It never writes to a cluster.

Safe objects, applied as they are (each labelled
app.kubernetes.io/managed-by=bulkhead and annotated with the findings it
closes):
  network       per tenant namespace, a default deny for ingress and egress,
                then allows for the tenant's own namespaces, the cluster DNS
                pods, the platform namespaces that reach it today, and
                addresses outside the cluster (--egress)
  pod-security  each tenant namespace's Pod Security labels, at the strictest
                level its current pods pass, but never below baseline (unless
                --allow-privileged NS) nor below the label it has: pods that
                fail are work for their owners (a label evicts nothing, but
                the API server refuses them when they are next created)
  quota         a ResourceQuota per tenant namespace (no NodePorts; a
                LimitRange too with --quota)
Proposals, for a human to review (review/ with --out), never mixed with
them: dns (a Corefile edit), rbac (narrower bindings), node (dedicated nodes
for pods that must stay privileged), Services to change.

The proof lists the pairs still breached and why each could not be closed,
shows the proposals' effect apart, and checks that nothing legitimate
breaks, pod by pod: reachability within each tenant unchanged, every pod
that reached the cluster DNS still reaching it, traffic from outside
the cluster still reaching the pods behind LoadBalancer, NodePort and
externalIPs Services, and every pod that reached the API server still
reaching it. A failed check is an error (exit 1) naming the pods.

Output: the proof (text, or -o json); -o yaml prints the safe objects as
one stream to apply; --out DIR writes a file per namespace, a
kustomization.yaml, review/ and a README.md of what was done and what was
not. Review the result against the cluster it was made from with the
command the output names: bulkhead audit, the same --demo, -f, --context
or tenancy flags as harden, and --with DIR.

Exit status: 0 when nothing at or above --fail-on remains after the safe
objects; 3 otherwise; 5 instead of 0 when the proof stands on incomplete
input (an analysis that ran on partial input, such as network policies of
a kind bulkhead does not model); 1 on error or a failed check
(docs/exit-codes.md).`,
		Example: `  # the seed articles' cluster: the proof, then the manifests
  bulkhead harden --demo
  bulkhead harden --demo --out ./hardened

  # a live cluster's network and Pod Security only, no egress outside it
  bulkhead harden --layers network,pod-security --egress none -o yaml > hardened.yaml

  # keep an intentional flow between tenants, and review the output live
  bulkhead harden -f ./manifests --allow-flows flows.yaml --out ./hardened
  bulkhead audit -f ./manifests --with ./hardened`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return f.run(cmd, streams) },
	}
	f.source.AddFlags(cmd.Flags())
	render.HardenFormats.AddFlag(cmd.Flags(), &f.output)
	fl := cmd.Flags()
	fl.StringVar(&f.out, "out", "", "write the plan to this directory: a file of safe objects per namespace (cluster.yaml for cluster-scoped ones), kustomization.yaml, review/ with each proposal and its diff, README.md; the files an earlier harden wrote there are replaced (others are kept), any other non-empty directory refused")
	fl.StringSliceVar(&f.layers, "layers", nil, "layers to close, comma-separated: "+layerNames()+" (default all)")
	fl.StringVar(&f.egress, "egress", string(harden.EgressInternet), "what tenants may reach outside the cluster: internet (never the metadata service, the pod or the service ranges) or none")
	fl.StringVar(&f.network, "network", "policy", "network objects to write: policy (NetworkPolicy, which every CNI enforces) or admin (AdminNetworkPolicy and BaselineAdminNetworkPolicy, which tenants cannot delete, where the cluster serves them)")
	fl.StringVar(&f.allowFlows, "allow-flows", "", "YAML or JSON file listing intentional cross-tenant flows to keep: [{name, from: {namespace, pods}, to: {namespace, pods}, ports: [\"TCP/5432\", \"TCP/8000-8100\", \"http\"]}]; pods is a label map, ports are the destination pods' ports (a Service's targetPort, not its port) or their names, none for every port")
	fl.StringSliceVar(&f.allowPrivileged, "allow-privileged", nil, "namespaces whose Pod Security level may stay below baseline (privileged), comma-separated")
	fl.BoolVar(&f.quota, "quota", false, "add a LimitRange to each tenant namespace's ResourceQuota and allow LoadBalancer Services that open no node port (spec.allocateLoadBalancerNodePorts: false): the quota's services.nodeports: 0 still refuses those that do")
	fl.BoolVarP(&f.verbose, "verbose", "v", false, "list every residual pair, note, proposal and workload in the text output (by default the first of each, and how many more)")
	fl.StringVar(&f.failOn, "fail-on", "high", "exit 3 when a finding, a breached tenant pair or a path to cluster-admin at or above this severity remains after the safe objects: critical, high, medium, low, info or none")
	return cmd
}

func layerNames() string {
	names := make([]string, len(harden.Layers))
	for i, l := range harden.Layers {
		names[i] = string(l)
	}
	return strings.Join(names, ", ")
}

// options reads the plan's flags.
func (f *flags) options() (harden.Options, error) {
	var o harden.Options
	layers, err := harden.ParseLayers(f.layers)
	if err != nil {
		return o, fmt.Errorf("--layers: %w", err)
	}
	o.Layers = layers
	switch harden.Egress(f.egress) {
	case harden.EgressInternet, harden.EgressNone:
		o.Egress = harden.Egress(f.egress)
	default:
		return o, fmt.Errorf("--egress %q: want internet or none", f.egress)
	}
	switch f.network {
	case "policy":
	case "admin":
		o.AdminNetwork = true
	default:
		return o, fmt.Errorf("--network %q: want policy or admin", f.network)
	}
	if f.allowFlows != "" {
		flows, err := readFlows(f.allowFlows)
		if err != nil {
			return o, err
		}
		o.AllowFlows = flows
	}
	o.AllowPrivileged = f.allowPrivileged
	o.Quota = f.quota
	return o, nil
}

// readFlows reads an --allow-flows file: a list of flows, YAML or JSON.
func readFlows(file string) ([]harden.Flow, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("--allow-flows: %w", err)
	}
	raw, err := yaml.YAMLToJSON(data)
	if err != nil {
		return nil, fmt.Errorf("--allow-flows %s: %w", file, err)
	}
	var flows []harden.Flow
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&flows); err != nil {
		return nil, fmt.Errorf("--allow-flows %s: want a list of {name, from, to, ports}: %w", file, err)
	}
	return flows, nil
}

// memoryLimit is the soft limit of the heap harden sets unless GOMEMLIMIT
// does: it analyses the cluster three times, and what one analysis leaves
// behind would otherwise let the heap grow to twice the most it holds at
// once (issue 13: 100,000 pods in 4 GiB). The collector works harder near
// the limit, and never fails for it.
const memoryLimit = 3584 << 20

func (f *flags) run(cmd *cobra.Command, streams cli.IOStreams) error {
	if os.Getenv("GOMEMLIMIT") == "" {
		defer debug.SetMemoryLimit(debug.SetMemoryLimit(memoryLimit))
	}
	failOn, err := finding.ParseSeverity(f.failOn)
	if err != nil {
		return fmt.Errorf("--fail-on: %w", err)
	}
	if err := render.HardenFormats.Check(f.output); err != nil {
		return err
	}
	opts, err := f.options()
	if err != nil {
		return err
	}
	progress := cli.NewProgress(streams)
	snap, err := f.source.Snapshot(cmd.Context(), streams)
	if err != nil {
		return err
	}
	source := snap.Source
	resolve := func(s *snapshot.Snapshot) (*tenancy.Tenancy, error) { return f.source.Tenancy(s) }
	st := snapshot.NewStore(snap)
	view := st.View()
	ten, err := resolve(view)
	if err != nil {
		return err
	}
	for _, w := range ten.Warnings() {
		cli.Notef(streams.ErrOut, "warning: %s", w)
	}
	// The plan and the proof share the facts of the cluster as it is: it
	// is analysed once, while the plan is made (both only read them).
	facts := analysis.NewFacts(view, ten)
	facts.Network = netpol.DefaultOptions()
	analysed := make(chan *analysis.Report, 1)
	go func() { analysed <- harden.Analyse(facts) }()
	done := progress.Phase("planning")
	plan, err := harden.BuildFrom(facts, opts)
	done()
	before := <-analysed
	if err != nil {
		return err
	}
	proof, err := harden.Prove(st, view, ten, resolve, plan, harden.ProofOptions{Network: facts.Network, Facts: facts, Before: before, Phase: progress.Phase, Listed: analysis.ListedCells})
	if err != nil {
		return err
	}
	args := sourceArgs(&f.source, cmd.Flags())
	if f.out != "" {
		if err := writeDir(f.out, plan, proof, source, args); err != nil {
			return err
		}
	}
	result := render.HardenResult{Source: source, SourceArgs: args, Plan: plan, Proof: proof, Out: f.out, FailOn: failOn}
	if proof.Checks.OK() {
		// What the text says remains is what sets the exit code; a broken
		// check is an error instead, and says why itself.
		result.Remaining = proof.RemainsAt(failOn)
	}
	if err := render.HardenAs(streams.Out, f.output, result, render.TextOptions{Color: cli.IsTerminal(streams.Out) && os.Getenv("NO_COLOR") == "", Verbose: f.verbose}); err != nil {
		return err
	}
	if !proof.Checks.OK() {
		return brokenError(&proof.Checks)
	}
	// The text says why it exits as it does; the YAML and JSON on stdout
	// are for a program, so stderr says it for the person running it.
	quiet := f.output != render.FormatText
	if r := result.Remaining; r.Total() > 0 {
		if quiet {
			cli.Notef(streams.ErrOut, "after the safe objects, %s remain at --fail-on %s (exit %d): the text output (-o text) says which, and why each stays",
				render.RemainsList(r), failOn, cli.ExitFindings)
		}
		return cli.ExitError{Code: cli.ExitFindings}
	}
	if len(proof.Incomplete) > 0 {
		// Never a silent green: what the proof shows isolated stands on
		// input some analysis could not read or model.
		if quiet {
			cli.Notef(streams.ErrOut, "warning: incomplete input, the proof may be wrong either way (exit %d): %s", cli.ExitIncomplete, strings.Join(proof.Incomplete, "; "))
		}
		return cli.ExitError{Code: cli.ExitIncomplete}
	}
	return nil
}

// brokenError names the pairs a failed check found.
func brokenError(c *harden.Checks) error {
	var parts []string
	for _, b := range c.Intra {
		parts = append(parts, "within a tenant: "+b.String())
	}
	for _, b := range c.DNS {
		parts = append(parts, "DNS: "+b.String())
	}
	for _, b := range c.External {
		parts = append(parts, "from outside the cluster: "+b.String())
	}
	for _, b := range c.API {
		parts = append(parts, "the API server: "+b.String())
	}
	return fmt.Errorf("the plan would break legitimate traffic, so it is not safe to apply: %s", strings.Join(parts, "; "))
}

// writeDir writes the plan's files under dir, creating it; files of an
// earlier run that the plan no longer has are left alone.
func writeDir(dir string, plan harden.Plan, proof *harden.Proof, source, sourceArgs string) error {
	files, err := harden.Files(plan, proof, source, sourceArgs)
	if err != nil {
		return err
	}
	if err := clearOut(dir); err != nil {
		return err
	}
	for _, file := range files {
		path := filepath.Join(dir, filepath.FromSlash(file.Path))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return fmt.Errorf("--out: %w", err)
		}
		if err := os.WriteFile(path, file.Data, 0o644); err != nil {
			return fmt.Errorf("--out: %w", err)
		}
	}
	return nil
}

// clearOut readies --out DIR: a new or empty directory is used as it is;
// one a harden wrote before (its kustomization.yaml says so) loses the
// files harden wrote there (those its kustomization lists, README.md, and
// the numbered proposals of review/), so that none of the last plan's is
// left to apply, and keeps any other; any other directory is refused,
// never emptied.
func clearOut(dir string) error {
	entries, err := os.ReadDir(dir)
	switch {
	case os.IsNotExist(err):
		return nil
	case err != nil:
		return fmt.Errorf("--out: %w", err)
	case len(entries) == 0:
		return nil
	}
	k, err := os.ReadFile(filepath.Join(dir, "kustomization.yaml"))
	if err != nil || !harden.OwnKustomization(k) {
		return fmt.Errorf("--out %s: the directory is not empty and holds no earlier output of bulkhead harden: give a new or empty directory", dir)
	}
	var kust struct {
		Resources []string `json:"resources"`
	}
	if err := yaml.Unmarshal(k, &kust); err != nil {
		return fmt.Errorf("--out %s: kustomization.yaml: %w", dir, err)
	}
	// Harden's own files only: those its kustomization lists whose every
	// object it labelled, a file of its own directory; nothing is removed
	// before every file is judged.
	gone := []string{filepath.Join(dir, "README.md"), filepath.Join(dir, "kustomization.yaml")}
	for _, r := range kust.Resources {
		if f := filepath.Join(dir, r); r == filepath.Base(r) && ownedByHarden(f) {
			gone = append(gone, f)
		}
	}
	review, err := os.ReadDir(filepath.Join(dir, "review"))
	if err != nil && !os.IsNotExist(err) {
		return fmt.Errorf("--out: %w", err)
	}
	for _, e := range review {
		if e.Type().IsRegular() && proposalFile.MatchString(e.Name()) {
			gone = append(gone, filepath.Join(dir, "review", e.Name()))
		}
	}
	for _, f := range gone {
		if err := os.Remove(f); err != nil && !os.IsNotExist(err) {
			return fmt.Errorf("--out: %w", err)
		}
	}
	return nil
}

// ownedByHarden reports whether a file is a regular file of objects harden
// wrote: every document carries its managed-by label or its reason
// annotation (a Namespace's labels are the user's, and get no label).
func ownedByHarden(path string) bool {
	if fi, err := os.Lstat(path); err != nil || !fi.Mode().IsRegular() {
		return false
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return false
	}
	docs := 0
	for _, doc := range strings.Split(string(data), "\n---") {
		if strings.TrimSpace(doc) == "" {
			continue
		}
		docs++
		if !strings.Contains(doc, harden.ManagedByLabel+": "+harden.ManagedBy) && !strings.Contains(doc, harden.ReasonAnnotation+":") {
			return false
		}
	}
	return docs > 0
}

// proposalFile is the name harden gives a proposal in review/:
// "01-rbac-narrow-….yaml", and its ".diff".
var proposalFile = regexp.MustCompile(`^[0-9]{2,}-[a-z-]+-[a-z0-9.-]*\.(yaml|diff)$`)
