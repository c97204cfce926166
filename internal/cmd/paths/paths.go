// Package paths is the `bulkhead paths` command: shortest attack paths
// between tenants, subjects and cluster-admin.
package paths

import (
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	rbacv1 "k8s.io/api/rbac/v1"

	"github.com/bulkhead-dev/bulkhead/internal/analysis"
	"github.com/bulkhead-dev/bulkhead/internal/attackpath"
	"github.com/bulkhead-dev/bulkhead/internal/cli"
	"github.com/bulkhead-dev/bulkhead/internal/finding"
	"github.com/bulkhead-dev/bulkhead/internal/rbac"
	"github.com/bulkhead-dev/bulkhead/internal/render"
	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
	"github.com/bulkhead-dev/bulkhead/internal/tenancy"
	"github.com/bulkhead-dev/bulkhead/internal/version"
)

type flags struct {
	source             cli.Source
	from               string
	to                 string
	output             render.Format
	max                int
	verbose            bool
	ipBlockIgnoresPods bool
}

// NewCommand returns the paths command.
func NewCommand(streams cli.IOStreams) *cobra.Command {
	f := &flags{}
	cmd := &cobra.Command{
		Use:   "paths [--from TENANT|SUBJECT] [--to TENANT|cluster-admin]",
		Short: "Show the shortest attack paths from a tenant or subject to a tenant or cluster-admin",
		Long: `Paths searches the attack graph (docs/attack-graph.md): the identities a tenant
controls, what RBAC lets them do, the pods they reach over the network, the nodes
their pods escape to and the pods those nodes run. It prints the shortest path to
each asset reached, each hop with the objects that prove it (-v).

--from is a tenant, or a subject: User:NAME, Group:NAME, ServiceAccount:NS/NAME or
system:serviceaccount:NS:NAME; a bare name that is no tenant is a user. Without
--from, the sources are those the audit covers: every tenant but the cluster
tenant, and the users and groups it follows.
--to is a tenant or cluster-admin; without it, every other tenant.

A pair the audit's matrix marks without an attack path (a finding, such as a
Service's externalIPs, or DNS discovery joins it) is listed after the paths.

Exit status: 0 when some path exists or a finding joins the pair, 4 when none
does (isolated), 1 on error, and 5 when the answer stands on incomplete input
(an analysis the graph joins could not read a resource, or the input has what
it does not model, such as a CiliumNetworkPolicy): a warning line (text) or the
"incomplete" list (JSON) says what, and paths may be missing or not exist.`,
		Example: `  bulkhead paths --demo --from default
  bulkhead paths --demo --from User:bob
  bulkhead paths --demo --from alice -v
  bulkhead paths --demo --to cluster-admin
  bulkhead paths -f cluster.yaml --from team-a --to team-b -o dot | dot -Tsvg > paths.svg`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return f.run(cmd, streams) },
	}
	f.source.AddFlags(cmd.Flags())
	f.source.AddWithFlag(cmd.Flags())
	cmd.Flags().StringVar(&f.from, "from", "", "tenant or subject the paths start from (default: every tenant)")
	cmd.Flags().StringVar(&f.to, "to", "", "tenant or cluster-admin the paths end at (default: every other tenant)")
	render.PathsFormats.AddFlag(cmd.Flags(), &f.output)
	cmd.Flags().IntVar(&f.max, "max", 50, "print at most this many paths (0: all)")
	cmd.Flags().BoolVarP(&f.verbose, "verbose", "v", false, "print the evidence of every hop")
	cmd.Flags().BoolVar(&f.ipBlockIgnoresPods, "ipblock-ignores-pods", false, "treat NetworkPolicy ipBlock peers as never matching pod IPs (as audit's flag)")
	return cmd
}

func (f *flags) run(cmd *cobra.Command, streams cli.IOStreams) error {
	if err := render.PathsFormats.Check(f.output); err != nil {
		return err
	}
	progress := cli.NewProgress(streams)
	done := func() {}
	if f.source.Demo || len(f.source.Files) > 0 {
		done = progress.Phase("loading") // a live load reports its own progress
	}
	snap, ten, err := f.source.Load(cmd.Context(), streams)
	done()
	if err != nil {
		return err
	}
	target, err := parseTo(f.to, ten)
	if err != nil {
		return err
	}
	if f.from != "" && f.from == f.to {
		return fmt.Errorf("--from and --to name the same tenant %q: paths go from one tenant to another", f.from)
	}
	if err := checkFrom(f.from, snap, ten); err != nil {
		return err // before the analysis, which takes long on a big cluster
	}
	facts := analysis.NewFacts(snap, ten)
	facts.Network.IPBlockMatchesPods = !f.ipBlockIgnoresPods
	done = progress.Phase("attack graph")
	facts.Prepare()
	// The engines judge (for the pairs findings join) while the graph is
	// built and searched: both only read the facts.
	judged := make(chan []finding.Finding, 1)
	if !target.ClusterAdmin && (f.from == "" || ten.Namespaces(f.from) != nil) {
		go func() { judged <- analysis.Run(facts, analysis.Engines(), analysis.Options{}).Findings }()
	} else {
		judged <- nil // from a subject, or to cluster-admin: no pair to join
	}
	model := facts.Graph()
	done()
	sources, err := parseFrom(f.from, ten, model)
	if err != nil {
		return err
	}
	var paths []attackpath.Path
	for _, s := range sources {
		paths = append(paths, model.Paths(s, target)...)
	}
	attackpath.SortPaths(paths)
	total := len(paths)
	joined := joinedPairs(model, <-judged, sources, target, paths)
	if f.max > 0 && len(paths) > f.max {
		paths = paths[:f.max]
	}
	for i := range paths {
		model.Explain(&paths[i])
	}
	// The graph joins every analysis's facts: the paths are as complete
	// as the audit's analyses would be on this input.
	incomplete := render.IncompleteNotes(facts.Coverage(analysis.Engines()))
	result := render.PathsResult{Paths: paths, Total: total, Joined: joined, Version: version.String(), Incomplete: incomplete}
	if err := render.PathsAs(streams.Out, f.output, result, render.TextOptions{Verbose: f.verbose}); err != nil {
		return err
	}
	if f.output == render.FormatDOT {
		for _, n := range incomplete { // the graph has no place for them
			fmt.Fprintf(streams.ErrOut, "warning: incomplete input, the paths may be wrong either way (%s)\n", n)
		}
	}
	switch {
	case len(incomplete) > 0:
		return cli.ExitError{Code: cli.ExitIncomplete} // wins over both answers, which it may have got wrong
	case total == 0 && len(joined) == 0:
		return cli.ExitError{Code: cli.ExitNo}
	}
	return nil
}

// joinedPairs returns the cells of the audit's matrix from the source
// tenants (to the target tenant, when one is asked for) that the attack
// paths do not explain in full: pairs that findings or DNS discovery join
// without an attack path, and pairs whose verdict is more severe than
// their paths, or has a layer they lack (a finding naming the pair, DNS
// discovery beside a network path). So paths and the audit never disagree
// on a pair.
func joinedPairs(model *attackpath.Model, findings []finding.Finding, sources []attackpath.Source, to attackpath.Target, paths []attackpath.Path) []attackpath.Cell {
	from := map[string]bool{}
	for _, s := range sources {
		if s.Subject == nil {
			from[s.Tenant] = true
		}
	}
	if len(from) == 0 || to.ClusterAdmin {
		return nil
	}
	var tenants []string
	for t := range from {
		tenants = append(tenants, t)
	}
	type shown struct {
		worst  finding.Severity
		layers map[finding.Category]bool
	}
	byPair := map[[2]string]*shown{}
	for _, p := range paths {
		k := [2]string{p.From, p.To}
		s := byPair[k]
		if s == nil {
			s = &shown{layers: map[finding.Category]bool{}}
			byPair[k] = s
		}
		s.worst = max(s.worst, p.Severity)
		for _, l := range p.Layers {
			s.layers[l] = true
		}
	}
	x := model.MatrixFrom(tenants)
	x.AddFindings(findings)
	var out []attackpath.Cell
	for _, c := range x.Cells {
		if !from[c.Source] || c.Isolated || (to.Tenant != "" && c.Target != to.Tenant) {
			continue
		}
		if s := byPair[[2]string{c.Source, c.Target}]; s != nil && c.Paths > 0 && c.Worst <= s.worst && !slices.ContainsFunc(c.Layers, func(l finding.Category) bool { return !s.layers[l] }) {
			continue // the paths say it all
		}
		c.Witness = nil
		out = append(out, c)
	}
	return out
}

// tenantsNamed is how many tenants an error about --from names.
const tenantsNamed = 10

// parseFrom reads --from: one tenant or subject, or every tenant. A subject
// the graph does not know is an error, not an isolated one: it is most
// likely a typo.
func parseFrom(s string, ten *tenancy.Tenancy, model *attackpath.Model) ([]attackpath.Source, error) {
	if s == "" {
		// The sources the audit covers: every tenant but the cluster's,
		// and the users and groups it follows.
		var out []attackpath.Source
		for _, t := range ten.Tenants() {
			if !t.System {
				out = append(out, attackpath.Source{Tenant: t.Name})
			}
		}
		return append(out, model.SubjectSources(analysis.SubjectsShown)...), nil
	}
	v, tenant, err := fromSubject(s, ten)
	switch {
	case err != nil:
		return nil, err
	case tenant:
		return []attackpath.Source{{Tenant: s}}, nil
	}
	if !model.Has(v) {
		return nil, unknownFrom(s, v, ten)
	}
	return []attackpath.Source{{Subject: &v}}, nil
}

// checkFrom reads --from before the analysis, to refuse at once what the
// graph cannot hold: a bad subject, or a user that no binding names (the
// graph has a user only as a binding's subject).
func checkFrom(s string, snap *snapshot.Snapshot, ten *tenancy.Tenancy) error {
	if s == "" {
		return nil
	}
	v, tenant, err := fromSubject(s, ten)
	if err != nil || tenant || v.Kind != attackpath.User {
		return err
	}
	named := func(subjects []rbacv1.Subject) bool {
		return slices.ContainsFunc(subjects, func(x rbacv1.Subject) bool { return x.Kind == rbacv1.UserKind && x.Name == v.Name })
	}
	for i := range snap.RoleBindings {
		if named(snap.RoleBindings[i].Subjects) {
			return nil
		}
	}
	for i := range snap.ClusterRoleBindings {
		if named(snap.ClusterRoleBindings[i].Subjects) {
			return nil
		}
	}
	return unknownFrom(s, v, ten)
}

// fromSubject reads a --from that is not empty: a tenant (tenant set),
// else a subject, a bare name that is no tenant being a user.
func fromSubject(s string, ten *tenancy.Tenancy) (v attackpath.Vertex, tenant bool, err error) {
	v, ok, err := parseSubject(s)
	switch {
	case err != nil:
		return v, false, err
	case ok:
		return v, false, nil
	case ten.Namespaces(s) != nil:
		return v, true, nil
	}
	return attackpath.Vertex{Kind: attackpath.User, Name: s}, false, nil
}

// unknownFrom is the error for a --from that is no tenant and no subject
// of the graph: most likely a typo.
func unknownFrom(s string, v attackpath.Vertex, ten *tenancy.Tenancy) error {
	var names []string
	for _, t := range ten.Tenants() {
		if slices.Contains(t.Namespaces, s) {
			return fmt.Errorf("--from %q: no tenant of that name, and %s holds no permission and runs nothing in this cluster; namespace %s belongs to tenant %s (--from %[4]s)", s, v, s, t.Name)
		}
		if !t.System {
			names = append(names, t.Name)
		}
	}
	if len(names) > tenantsNamed {
		names = append(names[:tenantsNamed], fmt.Sprintf("… %d more: bulkhead audit lists them", len(names)-tenantsNamed))
	}
	return fmt.Errorf("--from %q: no tenant of that name, and %s holds no permission and runs nothing in this cluster (tenants: %s)", s, v, strings.Join(names, ", "))
}

// parseSubject reads KIND:NAME, system:serviceaccount:NS:NAME, and the
// groups Kubernetes itself puts identities in (system:serviceaccounts,
// system:serviceaccounts:NS, system:authenticated, ...).
func parseSubject(s string) (attackpath.Vertex, bool, error) {
	if ns, name, ok := rbac.SplitServiceAccountUser(s); ok {
		return attackpath.Vertex{Kind: attackpath.ServiceAccount, Namespace: ns, Name: name}, true, nil
	}
	switch {
	case s == rbac.AllServiceAccounts, s == rbac.AllAuthenticated, s == rbac.AllUnauthenticated, s == rbac.SystemMasters,
		strings.HasPrefix(s, rbac.ServiceAccountsPrefix):
		return attackpath.Vertex{Kind: attackpath.Group, Name: s}, true, nil
	case strings.HasPrefix(s, "system:"):
		return attackpath.Vertex{Kind: attackpath.User, Name: s}, true, nil
	}
	kind, name, ok := strings.Cut(s, ":")
	if !ok {
		return attackpath.Vertex{}, false, nil
	}
	switch strings.ToLower(kind) {
	case "user":
		return attackpath.Vertex{Kind: attackpath.User, Name: name}, true, nil
	case "group":
		return attackpath.Vertex{Kind: attackpath.Group, Name: name}, true, nil
	case "serviceaccount", "sa":
		ns, n, ok := strings.Cut(name, "/")
		if !ok || ns == "" || n == "" {
			return attackpath.Vertex{}, false, fmt.Errorf("--from %q: a service account is ServiceAccount:NAMESPACE/NAME", s)
		}
		return attackpath.Vertex{Kind: attackpath.ServiceAccount, Namespace: ns, Name: n}, true, nil
	}
	return attackpath.Vertex{}, false, fmt.Errorf("--from %q: unknown subject kind %q (want User, Group or ServiceAccount)", s, kind)
}

func parseTo(s string, ten *tenancy.Tenancy) (attackpath.Target, error) {
	switch {
	case s == "":
		return attackpath.Target{}, nil
	case s == "cluster-admin":
		return attackpath.Target{ClusterAdmin: true}, nil
	case ten.Namespaces(s) != nil:
		return attackpath.Target{Tenant: s}, nil
	}
	var names []string
	for _, t := range ten.Tenants() {
		names = append(names, t.Name)
		if slices.Contains(t.Namespaces, s) {
			return attackpath.Target{}, fmt.Errorf("--to %q: no such tenant; namespace %s belongs to tenant %s (--to %[3]s)", s, s, t.Name)
		}
	}
	return attackpath.Target{}, fmt.Errorf("--to %q: no such tenant (tenants: %s; or cluster-admin)", s, strings.Join(names, ", "))
}
