package cli

import (
	"context"
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/spf13/pflag"
	"golang.org/x/term"

	"github.com/bulkhead-dev/bulkhead/examples"
	"github.com/bulkhead-dev/bulkhead/internal/bootstrap"
	"github.com/bulkhead-dev/bulkhead/internal/dns"
	"github.com/bulkhead-dev/bulkhead/internal/kube"
	"github.com/bulkhead-dev/bulkhead/internal/load"
	"github.com/bulkhead-dev/bulkhead/internal/node"
	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
	"github.com/bulkhead-dev/bulkhead/internal/tenancy"
)

// Source is the cluster a command analyses and how its namespaces group
// into tenants: the flags shared by every analysing subcommand.
type Source struct {
	Files       []string
	Demo        bool
	Kubeconfig  string
	Context     string
	TenantLabel string
	TenantsFile string
	System      []string
	// ReplaceSystem replaces the default system namespaces; System adds
	// to them. Platform names (or globs) the platform namespaces.
	ReplaceSystem []string
	Platform      []string
	// KubernetesVersion selects the built-in RBAC policy that offline input
	// is assumed to have; NoBuiltinRoles assumes none.
	KubernetesVersion string
	NoBuiltinRoles    bool
	// AllowIncomplete analyses a live cluster that refused or does not
	// serve an essential resource, marking what depends on it incomplete.
	AllowIncomplete bool
	// Namespace receives the namespaced objects of -f input that have no
	// metadata.namespace, as kubectl apply -f does; "" means default.
	// Strict makes any input problem (a skipped document) fatal.
	Namespace string
	Strict    bool
	// With are manifests applied to the snapshot before it is analysed,
	// as `kubectl apply --server-side` would apply them (AddWithFlag).
	With []string
	// Defaulted is set by a load of -f input: how many namespaced objects
	// named no namespace and were placed in Namespace.
	Defaulted int
}

// DefaultedWarning is what a command whose -n names its request's
// namespace (can-i, who-can) says when -f objects that named no namespace
// were placed in default, the request being about another one and no
// namespace given for them: a namespace-less install
// asked about where it is meant to go would otherwise answer a wrong no.
// It is "" when there is nothing to say.
func (s *Source) DefaultedWarning(request string) string {
	if s.Defaulted == 0 || s.Namespace != "" || request == "" || request == "default" {
		return "" // none placed, or placed where the user said
	}
	return fmt.Sprintf("%d object(s) of -f name no namespace and were placed in default, as kubectl apply -f does, not in %s, which -n asks about (--manifest-namespace %[2]s places them there)", s.Defaulted, request)
}

// AddWithFlag registers --with, for the commands that analyse a snapshot
// with a change applied.
func (s *Source) AddWithFlag(fs *pflag.FlagSet) {
	fs.StringArrayVar(&s.With, "with", nil, "manifest file or directory applied to the cluster before it is analysed, as kubectl apply --server-side would apply it (objects replace those of the same kind, namespace and name; a Namespace's labels and annotations are merged): review a change before making it; repeatable")
}

// namespaceUsage is the help of the source's own -n/--namespace, which
// tells it from the request namespace of can-i and who-can.
const namespaceUsage = `namespace of -f objects that have none, as kubectl apply -f -n does (default "default")`

// AddTenancyFlags registers the flags that group namespaces into tenants
// (TenancyConfig), for the commands that take no other source flag (the
// webhook's server).
func (s *Source) AddTenancyFlags(fs *pflag.FlagSet) {
	fs.StringVar(&s.TenantLabel, "tenant-label", "", "group namespaces into tenants by this label's value (default: each namespace is a tenant)")
	fs.StringVar(&s.TenantsFile, "tenants", "", "YAML file naming tenants by namespace names, globs or label selectors")
	fs.StringSliceVar(&s.System, "system-namespaces", nil, "namespaces added to those of the cluster tenant ("+strings.Join(tenancy.DefaultSystemNamespaces, ", ")+")")
	fs.StringSliceVar(&s.ReplaceSystem, "replace-system-namespaces", nil, "namespaces of the cluster tenant, replacing the defaults ("+strings.Join(tenancy.DefaultSystemNamespaces, ", ")+")")
	fs.StringSliceVar(&s.Platform, "platform-namespaces", nil, "namespaces (names or globs) of shared platform services such as monitoring, ingress controllers, cert-manager or Argo CD: the platform tenant, whose power is reported as platform exposure, not as breaches between tenants")
}

// AddFlags registers the source and tenancy flags.
func (s *Source) AddFlags(fs *pflag.FlagSet) {
	fs.StringArrayVarP(&s.Files, "filename", "f", nil, "manifest file or directory to analyse instead of a live cluster (YAML or JSON, lists allowed, gzip-compressed or not; directories walked for .yaml, .yml, .json and those with .gz; - for stdin); repeatable")
	fs.BoolVar(&s.Demo, "demo", false, "analyse the built-in demo cluster (the seed articles' scenarios, examples/seed-cluster)")
	fs.StringVar(&s.Kubeconfig, "kubeconfig", "", "kubeconfig of the live cluster (default: $KUBECONFIG, ~/.kube/config, or in-cluster)")
	fs.StringVar(&s.Context, "context", "", "kubeconfig context of the live cluster")
	s.AddTenancyFlags(fs)
	fs.BoolVar(&s.AllowIncomplete, "allow-incomplete", false, "analyse a live cluster that refuses or does not serve namespaces, pods, RBAC or NetworkPolicy; the analyses that need them are reported incomplete (default: an error)")
	fs.StringVar(&s.KubernetesVersion, "kubernetes-version", bootstrap.DefaultVersion, "Kubernetes version whose built-in RBAC policy (cluster-admin, admin, edit, view, system:*) offline input is assumed to have, object by object unless the input has it (embedded: "+strings.Join(bootstrap.Versions(), ", ")+")")
	fs.BoolVar(&s.NoBuiltinRoles, "no-builtin-roles", false, "do not assume the built-in RBAC policy for offline input (-f, --demo)")
	fs.BoolVar(&s.Strict, "strict", false, "fail (exit 1) when any input document is skipped: malformed, refused by the API server's validation, a Helm template")
	// can-i and who-can take -n/--namespace for the request's namespace;
	// there, objects without a namespace go to "default".
	if fs.Lookup("namespace") == nil && fs.ShorthandLookup("n") == nil {
		fs.StringVarP(&s.Namespace, "namespace", "n", "", namespaceUsage)
	}
}

// Load reads and normalises the snapshot, then resolves tenancy. Progress of
// a live load goes to streams.ErrOut when it is a terminal.
func (s *Source) Load(ctx context.Context, streams IOStreams) (*snapshot.Snapshot, *tenancy.Tenancy, error) {
	snap, err := s.Snapshot(ctx, streams)
	if err != nil {
		return nil, nil, err
	}
	ten, err := s.Tenancy(snap)
	if err != nil {
		return nil, nil, err
	}
	for _, w := range ten.Warnings() {
		Notef(streams.ErrOut, "warning: %s", w)
	}
	return snap, ten, nil
}

// Snapshot reads and normalises the snapshot without resolving tenancy.
func (s *Source) Snapshot(ctx context.Context, streams IOStreams) (*snapshot.Snapshot, error) {
	if s.Demo && len(s.Files) > 0 {
		return nil, fmt.Errorf("--demo and -f cannot be combined")
	}
	if (s.Demo || len(s.Files) > 0) && (s.Kubeconfig != "" || s.Context != "") {
		return nil, fmt.Errorf("--kubeconfig and --context select a live cluster; they cannot be combined with --demo or -f")
	}
	version, err := bootstrap.ParseVersion(s.KubernetesVersion)
	if err != nil {
		return nil, err
	}
	var snap *snapshot.Snapshot
	switch {
	case s.Demo:
		snap, err = Demo()
	case len(s.Files) > 0:
		snap, err = s.files(streams)
	default:
		snap, err = s.live(ctx, streams)
	}
	if err != nil {
		return nil, err
	}
	// A live server serves its own bootstrap policy; offline input is read
	// as the API server would hold it, built-in roles included.
	if (s.Demo || len(s.Files) > 0) && !s.NoBuiltinRoles {
		if err := bootstrap.Assume(snap, version); err != nil {
			return nil, err
		}
	}
	if s.Demo || len(s.Files) > 0 {
		warnMissingNamespaces(snap)
	}
	if len(s.With) > 0 {
		if snap, err = s.applyWith(streams, snap); err != nil {
			return nil, err
		}
	} else {
		snap.Normalize()
	}
	// Pods their namespace's Pod Security level refuses would never be
	// created: no engine sees them (live ones exist and stay).
	node.DropRefused(snap)
	SummariseInput(streams.ErrOut, snap)
	return snap, nil
}

// Demo returns the built-in demo snapshot, not yet normalised.
func Demo() (*snapshot.Snapshot, error) {
	snap, err := load.FS(examples.SeedCluster, "demo (examples/seed-cluster)")
	if err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	// The demo's files are examples/seed-cluster in the repository, as
	// -f examples/seed-cluster names them.
	snap.Origins = snap.Origins.Under("examples")
	return snap, nil
}

func (s *Source) files(streams IOStreams) (*snapshot.Snapshot, error) {
	l := load.New(strings.Join(s.Files, ","), load.Options{Namespace: s.Namespace})
	for _, f := range s.Files {
		var err error
		if f == "-" {
			err = l.Reader("<stdin>", streams.In)
		} else {
			err = l.Path(f)
		}
		if err != nil {
			return nil, err
		}
	}
	snap, stats, err := l.Result()
	s.Defaulted = stats.Defaulted
	if err != nil {
		if load.IsConflict(err) && len(s.Files) > 1 {
			// Most often a change given beside the cluster it changes.
			return nil, fmt.Errorf("%w\n(to analyse manifests applied on top of a cluster, such as harden's output, give them with --with: audit, reach and paths apply them as kubectl apply --server-side would)", err)
		}
		return nil, err
	}
	if stats.Objects == 0 || onlyUnread(snap, stats) {
		return nil, noObjects(s.Files, snap, stats)
	}
	if s.Strict && len(snap.Problems) > 0 {
		return nil, fmt.Errorf("--strict: %s of the input skipped: %s", counted(stats.Skipped, "document", "documents"), summarise(snap.Problems))
	}
	return snap, nil
}

// noObjects is the error for input that gave nothing to analyse: never a
// silent green.
func noObjects(files []string, snap *snapshot.Snapshot, stats load.Stats) error {
	names := make([]string, len(files))
	for i, f := range files {
		names[i] = f
		if f == "-" {
			names[i] = "<stdin>"
		}
	}
	what := fmt.Sprintf("no Kubernetes objects in %s", strings.Join(names, ", "))
	switch {
	case stats.Objects > 0:
		return fmt.Errorf("%s that bulkhead analyses: only %s, and no analysis reads a ConfigMap but the CoreDNS Corefile (%s/%s)",
			what, counted(len(snap.ConfigMaps), "ConfigMap", "ConfigMaps"), dns.CorefileNamespace, dns.CorefileName)
	case len(snap.Problems) > 0:
		return fmt.Errorf("%s (%s skipped: %s)", what, counted(stats.Skipped, "document", "documents"), summarise(snap.Problems))
	case stats.Unknown > 0:
		kinds := make([]string, 0, len(snap.Unknown))
		for k := range snap.Unknown {
			kinds = append(kinds, k)
		}
		sort.Strings(kinds)
		return fmt.Errorf("%s that bulkhead analyses: %d object(s) of kinds it does not model (%s)", what, stats.Unknown, strings.Join(kinds, ", "))
	case stats.Files == 0:
		return fmt.Errorf("%s: no .yaml, .yml or .json files (nor .gz of them)", what)
	}
	return fmt.Errorf("%s: the input is empty", what)
}

// onlyUnread reports whether every object loaded is a ConfigMap that no
// analysis reads (any but the CoreDNS Corefile): a directory of
// application config, which would otherwise audit green.
func onlyUnread(snap *snapshot.Snapshot, stats load.Stats) bool {
	if stats.Objects != len(snap.ConfigMaps) {
		return false
	}
	for i := range snap.ConfigMaps {
		if cm := &snap.ConfigMaps[i]; cm.Namespace == dns.CorefileNamespace && cm.Name == dns.CorefileName {
			return false
		}
	}
	return true
}

// summarise lists the first problems, then how many more there are.
func summarise(problems []snapshot.Problem) string {
	const show = 3
	var parts []string
	for i, p := range problems {
		if i == show {
			parts = append(parts, fmt.Sprintf("and %d more", len(problems)-show))
			break
		}
		parts = append(parts, p.String())
	}
	return strings.Join(parts, "; ")
}

func (s *Source) live(ctx context.Context, streams IOStreams) (*snapshot.Snapshot, error) {
	cfg, name, err := kube.Config(s.Kubeconfig, s.Context)
	if err != nil {
		return nil, fmt.Errorf("%w (or use -f FILE or --demo to analyse manifests offline)", err)
	}
	opts := kube.Options{AllowIncomplete: s.AllowIncomplete}
	if IsTerminal(streams.ErrOut) {
		opts.Progress = streams.ErrOut
	}
	return kube.Load(ctx, cfg, "live: "+name, opts)
}

// Tenancy resolves the tenants of a loaded snapshot from the flags.
func (s *Source) Tenancy(snap *snapshot.Snapshot) (*tenancy.Tenancy, error) {
	cfg, err := s.TenancyConfig()
	if err != nil {
		return nil, err
	}
	return tenancy.Resolve(snap, cfg)
}

// IsTerminal reports whether w is a terminal, for progress and colour.
func IsTerminal(w interface{}) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
