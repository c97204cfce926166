package whocan

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/bulkhead-dev/bulkhead/internal/cli"
	"github.com/bulkhead-dev/bulkhead/internal/kube"
	"github.com/bulkhead-dev/bulkhead/internal/rbac"
	"github.com/bulkhead-dev/bulkhead/internal/render"
)

type flags struct {
	source        cli.Source
	namespace     string
	allNamespaces bool
	subresource   string
	output        render.Format
}

// NewCommand returns the who-can command.
func NewCommand(streams cli.IOStreams) *cobra.Command {
	f := &flags{}
	cmd := &cobra.Command{
		Use:   "who-can VERB [TYPE | TYPE/NAME | TYPE NAME | NONRESOURCEURL]",
		Short: "List the subjects that may do an action, with the binding, role and rule granting it",
		Long: `List every user, group and service account that may do an action, deciding
as kube-apiserver's RBAC authorizer does, with the binding → role → rule
chain that grants each.

Arguments follow kubectl auth can-i. A request for a built-in cluster-scoped
type (nodes, clusterroles, ...) has no namespace, so only ClusterRoleBindings
count for it; a request for the namespace object NAME is in namespace NAME,
where its RoleBindings count. Groups stand for their members
(system:serviceaccounts:NS is every service account of NS); members of
system:masters may do anything and are not listed.

The answer is a table when it fits the terminal (COLUMNS, or 100 columns
when not a terminal), else one block per grant: the subject, its binding and
role, the rule. -o json for scripts.

Exit 1 when it cannot answer, also when the input lacks RBAC data (a live
cluster read with --allow-incomplete that refused a RBAC list, or a snapshot
taken from one): the list would miss subjects.`,
		Example: `  bulkhead who-can list pods -n test-namespace --demo
  bulkhead who-can create pods --subresource exec -n prod -o json
  bulkhead who-can patch namespaces prod -f cluster.yaml
  bulkhead who-can get /metrics`,
		SilenceUsage:      true,
		ValidArgsFunction: cli.CompleteVerb,
		RunE: func(cmd *cobra.Command, args []string) error {
			return run(cmd, f, streams, args)
		},
	}
	fs := cmd.Flags()
	// The request's namespace; registered first so that the source flags
	// leave -n to it.
	fs.StringVarP(&f.namespace, "namespace", "n", "default", "namespace of the request (not of the -f objects that have none: --manifest-namespace)")
	f.source.AddFlags(fs)
	// -n is the request's here; the source's namespace of -f objects
	// that have none is a flag of its own.
	fs.StringVar(&f.source.Namespace, "manifest-namespace", "", `namespace of -f objects that have none, as kubectl apply -f -n does (default "default")`)
	fs.BoolVarP(&f.allNamespaces, "all-namespaces", "A", false, "a request without namespace: only ClusterRoleBindings count")
	fs.StringVar(&f.subresource, "subresource", "", "subresource such as log, exec or scale")
	render.WhoCanFormats.AddFlag(fs, &f.output)
	return cmd
}

func run(cmd *cobra.Command, f *flags, streams cli.IOStreams, args []string) error {
	if err := render.WhoCanFormats.Check(f.output); err != nil {
		return err
	}
	// The arguments are checked before loading; their types resolve
	// after, against the input's CustomResourceDefinitions too.
	if _, _, err := rbac.ParseTarget(args, f.subresource); err != nil {
		return err
	}
	snap, err := f.source.Snapshot(cmd.Context(), streams)
	if err != nil {
		return err
	}
	target, warnings, err := rbac.ParseTarget(args, f.subresource, snap.CustomResources...)
	if err != nil {
		return err
	}
	ns := f.namespace
	switch {
	case f.allNamespaces || target.Path != "":
		ns = ""
	case target.Known && target.APIGroup == "" && target.Resource == "namespaces" && target.Name != "":
		if cmd.Flags().Changed("namespace") && ns != target.Name {
			warnings = append(warnings, fmt.Sprintf("a request for namespace %q is in that namespace, not in %q", target.Name, ns))
		}
		ns = target.Name
	case target.Known && !target.Namespaced:
		if cmd.Flags().Changed("namespace") {
			warnings = append(warnings, fmt.Sprintf("resource '%s' is not namespace scoped: ignoring -n", target.Resource))
		}
		ns = ""
	}
	if w := f.source.DefaultedWarning(ns); w != "" {
		warnings = append(warnings, w)
	}
	for _, w := range warnings {
		fmt.Fprintf(streams.ErrOut, "Warning: %s\n", w)
	}
	// A gap in the RBAC kinds would leave out subjects that may.
	if err := kube.RequireRBAC(snap); err != nil {
		return fmt.Errorf("cannot answer: %w", err)
	}
	req := target.Request("", nil, ns)
	access := rbac.NewAuthorizer(snap).WhoCan(req)
	if err := render.WhoCanAs(streams.Out, f.output, req, access, render.TextOptions{Width: cli.Width(streams)}); err != nil {
		return err
	}
	if f.output == render.FormatText {
		fmt.Fprintf(streams.ErrOut, "Members of group %s may do anything and are not listed.\n", rbac.SystemMasters)
	}
	return nil
}
