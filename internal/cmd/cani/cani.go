package cani

import (
	"errors"
	"fmt"
	"io"

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
	as            string
	asGroups      []string
	list          bool
	noHeaders     bool
	quiet         bool
}

// NewCommand returns the can-i command.
func NewCommand(streams cli.IOStreams) *cobra.Command {
	f := &flags{}
	cmd := &cobra.Command{
		Use:   "can-i VERB [TYPE | TYPE/NAME | TYPE NAME | NONRESOURCEURL] --as USER",
		Short: "Check whether a subject may do an action, as kubectl auth can-i does",
		Long: `Check whether a user, group or service account may do an action, deciding
exactly as kube-apiserver's RBAC authorizer does, from files (-f), the demo
(--demo) or a live cluster's RBAC objects.

VERB is an API verb (get, list, watch, create, delete, impersonate, ...).
TYPE is a resource type: a plural, singular or short name, optionally with
.VERSION.GROUP or .GROUP (pods, po, deployments.apps, deployments.v1.apps).
Subresources are given with --subresource: kubectl reads pods/exec as the
pod named exec. NONRESOURCEURL starts with "/" (/healthz, /metrics).

--as system:serviceaccount:NS:NAME is in the groups system:serviceaccounts
and system:serviceaccounts:NS unless --as-group is given; every impersonated
user but system:anonymous is in system:authenticated.

Prints yes (exit 0) or no (exit 4); exit 1 means it could not answer, also
when the input lacks RBAC data (a live cluster read with --allow-incomplete
that refused a RBAC list, or a snapshot taken from one).`,
		Example: `  bulkhead can-i list pods -n test-namespace --as alice --demo
  bulkhead can-i create pods --subresource exec -n prod \
    --as system:serviceaccount:ci:deployer -f cluster.yaml
  bulkhead can-i get /healthz --as system:anonymous
  bulkhead can-i --list -n test-namespace --as alice --demo`,
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
	fs.BoolVarP(&f.allNamespaces, "all-namespaces", "A", false, "check the action in all namespaces (a request without namespace)")
	fs.StringVar(&f.subresource, "subresource", "", "subresource such as log, exec or scale")
	fs.StringVar(&f.as, "as", "", "user to check, e.g. alice or system:serviceaccount:NS:NAME (required)")
	fs.StringArrayVar(&f.asGroups, "as-group", nil, "group of the user; repeatable")
	fs.BoolVar(&f.list, "list", false, "print every action the subject may do in the namespace")
	fs.BoolVar(&f.noHeaders, "no-headers", false, "with --list, print no headers")
	fs.BoolVarP(&f.quiet, "quiet", "q", false, "print nothing; only the exit code says yes (0) or no (4); 1 is an error")
	return cmd
}

func run(cmd *cobra.Command, f *flags, streams cli.IOStreams, args []string) error {
	if f.list {
		if len(args) != 0 {
			return errors.New("list option must be specified with no arguments")
		}
		if f.quiet || f.allNamespaces || f.subresource != "" {
			return errors.New("list option can't be specified with neither quiet, all-namespaces nor subresource options")
		}
	} else if f.noHeaders {
		return errors.New("--no-headers cannot be set without --list specified")
	}
	if f.as == "" {
		return errors.New("--as is required: bulkhead answers for a named subject (e.g. --as alice, --as system:serviceaccount:NS:NAME)")
	}
	var target rbac.Target
	if !f.list {
		// The arguments are checked before loading; their types resolve
		// after, against the input's CustomResourceDefinitions too.
		if _, _, err := rbac.ParseTarget(args, f.subresource); err != nil {
			return err
		}
	}
	snap, err := f.source.Snapshot(cmd.Context(), streams)
	if err != nil {
		return err
	}
	if !f.list {
		var warnings []string
		target, warnings, err = rbac.ParseTarget(args, f.subresource, snap.CustomResources...)
		if err != nil {
			return err
		}
		if target.Path == "" && target.Known && !target.Namespaced && !f.allNamespaces {
			warnings = append(warnings, notNamespaced(target))
		}
		for _, w := range warnings {
			fmt.Fprintf(streams.ErrOut, "Warning: %s\n", w)
		}
	}
	if !f.allNamespaces {
		if w := f.source.DefaultedWarning(f.namespace); w != "" {
			fmt.Fprintf(streams.ErrOut, "Warning: %s\n", w)
		}
	}
	// A gap in the RBAC kinds would turn "allowed" into a false "no".
	if err := kube.RequireRBAC(snap); err != nil {
		return fmt.Errorf("cannot answer: %w", err)
	}
	authz := rbac.NewAuthorizer(snap)
	groups := rbac.ImpersonatedGroups(f.as, f.asGroups)
	if f.list {
		return render.Rules(streams.Out, authz.RulesFor(f.as, groups, f.namespace), !f.noHeaders)
	}
	ns := f.namespace
	if f.allNamespaces {
		ns = ""
	}
	d := authz.Authorize(target.Request(f.as, groups, ns))
	out := streams.Out
	if f.quiet {
		out = io.Discard
	}
	if err := render.Answer(out, d.Allowed); err != nil {
		return err
	}
	if !d.Allowed {
		return cli.ExitError{Code: cli.ExitNo}
	}
	return nil
}

func notNamespaced(t rbac.Target) string {
	if t.APIGroup == "" {
		return fmt.Sprintf("resource '%s' is not namespace scoped", t.Resource)
	}
	return fmt.Sprintf("resource '%s' is not namespace scoped in group '%s'", t.Resource, t.APIGroup)
}
