package cli

import (
	"context"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
	"github.com/bulkhead-dev/bulkhead/internal/tenancy"
)

// Shell completion reads the cluster the command line's own flags select,
// so that `bulkhead reach --demo default/<TAB>` offers the demo's pods:
//
//   - --demo and -f FILE are read as the command would read them (a -f -
//     is skipped: stdin belongs to the shell);
//   - a live cluster is read only when --kubeconfig or --context is on the
//     command line, and for at most CompletionTimeout: pressing TAB never
//     calls the current context's API server unasked;
//   - nothing is printed: input that does not load, or a cluster that does
//     not answer in time, completes nothing (and no file names).

// CompletionTimeout bounds reading a live cluster for a completion.
const CompletionTimeout = 5 * time.Second

// SourceFromFlags is the Source that fs, parsed, selects: the flags
// AddFlags and AddWithFlag register, read back by name. The request
// namespace of can-i and who-can (-n there) is not the source's.
func SourceFromFlags(fs *pflag.FlagSet) Source {
	var s Source
	s.Files = changedArray(fs, "filename")
	s.Demo, _ = fs.GetBool("demo")
	s.Kubeconfig, _ = fs.GetString("kubeconfig")
	s.Context, _ = fs.GetString("context")
	s.TenantLabel, _ = fs.GetString("tenant-label")
	s.TenantsFile, _ = fs.GetString("tenants")
	s.AllowIncomplete, _ = fs.GetBool("allow-incomplete")
	s.System = changedSlice(fs, "system-namespaces")
	s.ReplaceSystem = changedSlice(fs, "replace-system-namespaces")
	s.Platform = changedSlice(fs, "platform-namespaces")
	s.KubernetesVersion, _ = fs.GetString("kubernetes-version")
	s.NoBuiltinRoles, _ = fs.GetBool("no-builtin-roles")
	s.Strict, _ = fs.GetBool("strict")
	s.With = changedArray(fs, "with")
	if f := fs.Lookup("namespace"); f != nil && f.Usage == namespaceUsage {
		s.Namespace = f.Value.String()
	}
	return s
}

// changedSlice is a slice flag's value when it was given, nil otherwise:
// an empty --replace-system-namespaces is not the same as none.
func changedSlice(fs *pflag.FlagSet, name string) []string {
	if !fs.Changed(name) {
		return nil
	}
	v, _ := fs.GetStringSlice(name)
	return v
}

// changedArray is changedSlice for a repeatable flag.
func changedArray(fs *pflag.FlagSet, name string) []string {
	if !fs.Changed(name) {
		return nil
	}
	v, _ := fs.GetStringArray(name)
	return v
}

// completionSnapshot loads what cmd's flags select, quietly, or returns
// nil when completion may not or cannot (see above).
func completionSnapshot(cmd *cobra.Command) (*snapshot.Snapshot, *tenancy.Tenancy) {
	s := SourceFromFlags(cmd.Flags())
	s.Files = slices.DeleteFunc(s.Files, func(f string) bool { return f == "-" })
	s.With = slices.DeleteFunc(s.With, func(f string) bool { return f == "-" })
	s.Strict = false
	live := !s.Demo && len(s.Files) == 0
	if live && s.Kubeconfig == "" && s.Context == "" {
		return nil, nil
	}
	s.AllowIncomplete = true
	ctx := cmd.Context()
	if ctx == nil {
		ctx = context.Background()
	}
	ctx, cancel := context.WithTimeout(ctx, CompletionTimeout)
	defer cancel()
	quiet := IOStreams{In: strings.NewReader(""), Out: io.Discard, ErrOut: io.Discard}
	snap, err := s.Snapshot(ctx, quiet)
	if err != nil {
		return nil, nil
	}
	ten, err := s.Tenancy(snap)
	if err != nil {
		return snap, nil
	}
	return snap, ten
}

// completion is a completion function that lists candidates from the
// loaded snapshot.
type completion func(snap *snapshot.Snapshot, ten *tenancy.Tenancy, args []string, toComplete string) ([]string, cobra.ShellCompDirective)

// CompletionFunc completes a flag's value or a command's arguments, as
// cobra's ValidArgsFunction and RegisterFlagCompletionFunc take it.
type CompletionFunc = func(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective)

// fromSnapshot turns a completion into cobra's completion function. It
// never offers file names and never panics into the shell.
func fromSnapshot(c completion) CompletionFunc {
	return func(cmd *cobra.Command, args []string, toComplete string) (out []string, dir cobra.ShellCompDirective) {
		defer func() {
			if recover() != nil {
				out, dir = nil, cobra.ShellCompDirectiveNoFileComp
			}
		}()
		snap, ten := completionSnapshot(cmd)
		if snap == nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		return c(snap, ten, args, toComplete)
	}
}

// matching keeps the candidates ("value" or "value\tdescription") whose
// value starts with prefix, sorted and without duplicates.
func matching(candidates []string, prefix string) []string {
	var out []string
	for _, c := range candidates {
		value, _, _ := strings.Cut(c, "\t")
		if strings.HasPrefix(value, prefix) {
			out = append(out, c)
		}
	}
	slices.Sort(out)
	return slices.CompactFunc(out, func(a, b string) bool {
		va, _, _ := strings.Cut(a, "\t")
		vb, _, _ := strings.Cut(b, "\t")
		return va == vb
	})
}

// namespacesOf lists every namespace of the snapshot, with or without a
// Namespace object, each described by its tenant.
func namespacesOf(snap *snapshot.Snapshot, ten *tenancy.Tenancy) []string {
	names := snap.ReferencedNamespaces()
	for i := range snap.Namespaces {
		names = append(names, snap.Namespaces[i].Name)
	}
	out := make([]string, 0, len(names))
	for _, ns := range names {
		if ten == nil {
			out = append(out, ns)
			continue
		}
		out = append(out, ns+"\ttenant "+ten.Of(ns))
	}
	return out
}

// tenantsOf lists the tenants of the snapshot; the cluster tenant only
// when withSystem.
func tenantsOf(ten *tenancy.Tenancy, withSystem bool) []string {
	if ten == nil {
		return nil
	}
	var out []string
	for _, t := range ten.Tenants() {
		if t.System && !withSystem {
			continue
		}
		out = append(out, t.Name+"\ttenant of "+strings.Join(firstOf(t.Namespaces, 3), ", "))
	}
	return out
}

// firstOf returns the first n names, and "…" when there are more.
func firstOf(names []string, n int) []string {
	if len(names) <= n {
		return names
	}
	return append(slices.Clone(names[:n]), "…")
}
