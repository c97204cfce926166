package cli

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/pflag"
	"golang.org/x/term"

	"github.com/bulkhead-dev/bulkhead/examples"
	"github.com/bulkhead-dev/bulkhead/internal/kube"
	"github.com/bulkhead-dev/bulkhead/internal/load"
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
}

// AddFlags registers the source and tenancy flags.
func (s *Source) AddFlags(fs *pflag.FlagSet) {
	fs.StringArrayVarP(&s.Files, "filename", "f", nil, "manifest file or directory to analyse instead of a live cluster (YAML or JSON, lists allowed, directories walked; - for stdin); repeatable")
	fs.BoolVar(&s.Demo, "demo", false, "analyse the built-in demo cluster (the seed articles' scenarios, examples/seed-cluster)")
	fs.StringVar(&s.Kubeconfig, "kubeconfig", "", "kubeconfig of the live cluster (default: $KUBECONFIG, ~/.kube/config, or in-cluster)")
	fs.StringVar(&s.Context, "context", "", "kubeconfig context of the live cluster")
	fs.StringVar(&s.TenantLabel, "tenant-label", "", "group namespaces into tenants by this label's value (default: each namespace is a tenant)")
	fs.StringVar(&s.TenantsFile, "tenants", "", "YAML file naming tenants by namespace names, globs or label selectors")
	fs.StringSliceVar(&s.System, "system-namespaces", nil, "namespaces of the cluster tenant (default kube-system,kube-public,kube-node-lease,bulkhead-system)")
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
	var (
		snap *snapshot.Snapshot
		err  error
	)
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
	snap.Normalize()
	return snap, nil
}

// Demo returns the built-in demo snapshot, not yet normalised.
func Demo() (*snapshot.Snapshot, error) {
	snap, err := load.FS(examples.SeedCluster, "demo (examples/seed-cluster)")
	if err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	return snap, nil
}

func (s *Source) files(streams IOStreams) (*snapshot.Snapshot, error) {
	var paths []string
	stdin := false
	for _, f := range s.Files {
		if f == "-" {
			stdin = true
			continue
		}
		paths = append(paths, f)
	}
	snap, err := load.Paths(paths)
	if err != nil {
		return nil, err
	}
	if stdin {
		if err := load.Reader(snap, "<stdin>", streams.In); err != nil {
			return nil, err
		}
	}
	snap.Source = strings.Join(s.Files, ",")
	return snap, nil
}

func (s *Source) live(ctx context.Context, streams IOStreams) (*snapshot.Snapshot, error) {
	cfg, name, err := kube.Config(s.Kubeconfig, s.Context)
	if err != nil {
		return nil, fmt.Errorf("%w (or use -f FILE or --demo to analyse manifests offline)", err)
	}
	var opts kube.Options
	if IsTerminal(streams.ErrOut) {
		opts.Progress = streams.ErrOut
	}
	return kube.Load(ctx, cfg, "live: "+name, opts)
}

// Tenancy resolves the tenants of a loaded snapshot from the flags.
func (s *Source) Tenancy(snap *snapshot.Snapshot) (*tenancy.Tenancy, error) {
	cfg := tenancy.Config{Label: s.TenantLabel, SystemNamespaces: s.System}
	if s.TenantsFile != "" {
		f, err := tenancy.LoadFile(s.TenantsFile)
		if err != nil {
			return nil, err
		}
		cfg.File = f
	}
	return tenancy.Resolve(snap, cfg)
}

// IsTerminal reports whether w is a terminal, for progress and colour.
func IsTerminal(w interface{}) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
