package check

import (
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/bulkhead-dev/bulkhead/internal/admission"
	"github.com/bulkhead-dev/bulkhead/internal/cli"
	"github.com/bulkhead-dev/bulkhead/internal/render"
	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
)

type flags struct {
	source  cli.Source
	change  []string
	config  string
	as      string
	asGroup []string
	output  render.Format
}

// NewCommand returns the check command.
func NewCommand(streams cli.IOStreams) *cobra.Command {
	f := &flags{}
	cmd := &cobra.Command{
		Use:   "check --change CHANGE [-f CLUSTER | --demo]",
		Short: "Answer, before apply, what the admission webhook would answer for a change",
		Long: `Check gives the decisions of bulkhead's admission webhook (bulkhead serve,
docs/webhook.md) offline, for CI: each object of the change (--change, read as
audit --with reads it) is sent, in file order, as kubectl apply would send it to
the API server: a CREATE, or an UPDATE of the object of its identity in the
cluster (a Namespace's labels merged into the stored ones). Each is answered
allowed, warned or denied with the webhook's exact message, and an admitted
object is stored before the next is judged; a denied one is not.

The cluster is -f manifests, --demo, or the live cluster. --config is the
webhook's configuration file; --as and --as-group are who applies the change
(for the configuration's exemptions and namespace creation by service accounts);
tenancy flags should be those the webhook runs with.

Exit status: 3 when the webhook would deny any object (rules in enforce mode,
no dry run); otherwise 0; 1 on error (docs/exit-codes.md).`,
		Example: `  # what the webhook would say about a pull request's manifests
  bulkhead check --change deploy/ -f cluster-snapshot.json.gz

  # against the live cluster, with the webhook's configuration, as the CI user
  bulkhead check --change change.yaml --config webhook-config.yaml --as ci-deployer -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return f.run(cmd, streams) },
	}
	fl := cmd.Flags()
	f.source.AddFlags(fl)
	fl.StringArrayVar(&f.change, "change", nil, "manifest file or directory of the change, read as audit --with reads it (a directory with a kustomization.yaml is the resources it lists); repeatable, applied in order")
	fl.StringVar(&f.config, "config", "", "the webhook's configuration file (rules' modes, dry run, exemptions; docs/webhook.md)")
	fl.StringVar(&f.as, "as", "", "user applying the change, as the webhook would see it")
	fl.StringArrayVar(&f.asGroup, "as-group", nil, "group of that user; repeatable (system:authenticated is always one)")
	render.CheckFormats.AddFlag(fl, &f.output)
	return cmd
}

func (f *flags) run(cmd *cobra.Command, streams cli.IOStreams) error {
	if err := render.CheckFormats.Check(f.output); err != nil {
		return err
	}
	if len(f.change) == 0 {
		return fmt.Errorf("--change: name the manifests to check (a file or directory)")
	}
	cfg, err := loadConfig(f.config)
	if err != nil {
		return err
	}
	tc, err := f.source.TenancyConfig()
	if err != nil {
		return err
	}
	tc.Live = true // as the webhook judges the cluster
	change, unknown, err := readChange(f.change, f.source.Namespace)
	if err != nil {
		return err
	}
	if len(unknown) > 0 {
		cli.Notef(streams.ErrOut, "--change: objects of kinds bulkhead does not model are not judged here (the webhook admits them): %s", strings.Join(unknown, ", "))
	}
	snap, err := f.source.Snapshot(cmd.Context(), streams)
	if err != nil {
		return err
	}
	cluster := snap.Source
	results, err := admission.Replay(snapshot.NewStore(snap), change, admission.ReplayOptions{Tenancy: tc, Config: cfg, User: f.user()})
	if err != nil {
		return err
	}
	r := admission.NewReplayReport(cluster, cfg.DryRun, results)
	if err := render.CheckAs(streams.Out, f.output, r, render.TextOptions{Width: cli.Width(streams)}); err != nil {
		return err
	}
	if r.Denied > 0 {
		return cli.ExitError{Code: cli.ExitFindings}
	}
	return nil
}

// user is who applies the change: authenticated, as every user the API
// server lets through is.
func (f *flags) user() admission.User {
	groups := append([]string(nil), f.asGroup...)
	if !slices.Contains(groups, "system:authenticated") {
		groups = append(groups, "system:authenticated")
	}
	return admission.User{Name: f.as, Groups: groups}
}

// loadConfig reads the webhook's configuration as bulkhead serve does;
// no file is the defaults.
func loadConfig(path string) (admission.Config, error) {
	if path == "" {
		return admission.Config{}, nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return admission.Config{}, fmt.Errorf("config: %w", err)
	}
	cfg, err := admission.LoadConfig(data)
	if err != nil {
		return admission.Config{}, fmt.Errorf("%s: %w", path, err)
	}
	return cfg, nil
}
