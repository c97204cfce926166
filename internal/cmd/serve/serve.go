// Package serve is the `bulkhead serve` command: a validating admission
// webhook that denies the objects which would break the isolation between
// tenants, decided object by object by package admission over a snapshot
// its informers keep.
package serve

import (
	"fmt"
	"log/slog"
	"os"
	"slices"
	"text/tabwriter"

	"github.com/go-logr/logr"
	"github.com/spf13/cobra"
	"sigs.k8s.io/controller-runtime/pkg/client"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/bulkhead-dev/bulkhead/internal/admission"
	"github.com/bulkhead-dev/bulkhead/internal/cli"
	"github.com/bulkhead-dev/bulkhead/internal/kube"
	"github.com/bulkhead-dev/bulkhead/internal/tenancy"
)

type flags struct {
	kubeconfig, context string
	host                string
	port                int
	certDir             string
	service, namespace  string
	injectCABundle      string
	certSecret          string
	config              string
	tenancy             cli.Source // its tenancy flags only
	probeAddr           string
	metricsAddr         string
	listRules           bool
	controller          bool
}

// NewCommand returns the serve command.
func NewCommand(streams cli.IOStreams) *cobra.Command {
	f := &flags{}
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the admission webhook that keeps tenants isolated",
		Long: `Serve runs bulkhead's validating admission webhook (docs/webhook.md). The API
server sends it the pods, workload controllers, PersistentVolumeClaims, Roles, RoleBindings,
ServiceAccounts, Services, Endpoints, NetworkPolicies, Ingresses and namespaces
of tenant namespaces, and the ClusterRoles, ClusterRoleBindings and admin
network policies of the cluster; it denies those that would open a path from one
tenant to another or to the node, with a message naming the rule, the tenants,
the fields and the fix (serve --list-rules lists the rules).

The tenancy flags must be those the audit and bulkhead check run with: the
platform's namespaces (--platform-namespaces) are not tenants, and a policy
admitting them is no breach.

It reads namespaces, pods (their addresses), volumes, claims, RBAC, Ingresses,
NetworkPolicies and admin network policies (when the cluster serves them)
through informers and never calls the API server per request; it is ready once
they have synced. Without --cert-dir it creates its own CA and serving
certificate, renews the certificate under the same CA while it runs, and with
--inject-ca-bundle it writes that CA into the webhook configuration.
deploy/webhook.yaml installs it.`,
		Example: `  # in the cluster, as deploy/webhook.yaml runs it
  bulkhead serve --inject-ca-bundle bulkhead --config /etc/bulkhead/config.yaml

  # the rules it judges and their default modes
  bulkhead serve --list-rules`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if f.listRules {
				return listRules(streams)
			}
			return f.run(cmd, streams)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.kubeconfig, "kubeconfig", "", "kubeconfig file (default: $KUBECONFIG, ~/.kube/config, then the in-cluster service account)")
	fl.StringVar(&f.context, "context", "", "kubeconfig context")
	fl.StringVar(&f.host, "host", "", "address the webhook listens on (default: all)")
	fl.IntVar(&f.port, "port", 9443, "port the webhook listens on (TLS)")
	fl.StringVar(&f.certDir, "cert-dir", "", "directory of tls.crt and tls.key (default: generate a CA and a certificate in-process)")
	fl.StringVar(&f.service, "service", "bulkhead-webhook", "Service name the generated certificate is valid for")
	fl.StringVar(&f.namespace, "namespace", "bulkhead-system", "namespace of that Service")
	fl.StringVar(&f.certSecret, "cert-secret", "", "Secret of --namespace sharing the generated certificate between replicas (created by the first)")
	fl.StringVar(&f.injectCABundle, "inject-ca-bundle", "", "ValidatingWebhookConfiguration whose caBundle is set to the generated CA once ready")
	fl.StringVar(&f.config, "config", "", "webhook configuration file (rules' modes, dry run, exemptions; docs/webhook.md)")
	f.tenancy.AddTenancyFlags(fl)
	fl.StringVar(&f.probeAddr, "health-probe-bind-address", ":8081", "address of /healthz and /readyz (0 disables them)")
	fl.StringVar(&f.metricsAddr, "metrics-bind-address", "0", "address of the Prometheus metrics (0 disables them)")
	fl.BoolVar(&f.controller, "controller", false, "also keep every tenant namespace's harden baseline (NetworkPolicies, Pod Security labels) and repair drift, on the replica holding the leader lease in --namespace (docs/controller.md; needs deploy/controller-rbac.yaml bound to the server's service account)")
	fl.BoolVar(&f.listRules, "list-rules", false, "list the rules the webhook judges and their default modes, and exit")
	return cmd
}

func (f *flags) run(cmd *cobra.Command, streams cli.IOStreams) error {
	var cfg admission.Config
	if f.config != "" {
		data, err := os.ReadFile(f.config)
		if err != nil {
			return fmt.Errorf("config: %w", err)
		}
		if cfg, err = admission.LoadConfig(data); err != nil {
			return fmt.Errorf("%s: %w", f.config, err)
		}
	}
	tc, err := f.tenancyConfig()
	if err != nil {
		return err
	}
	rc, _, err := kube.Config(f.kubeconfig, f.context)
	if err != nil {
		return err
	}
	log := logr.FromSlogHandler(slog.NewTextHandler(streams.ErrOut, nil))
	ctrllog.SetLogger(log)
	s, err := New(rc, Options{
		Host: f.host, Port: f.port, CertDir: f.certDir,
		Hosts:          serviceHosts(f.service, f.namespace),
		InjectCABundle: f.injectCABundle,
		CertSecret:     client.ObjectKey{Namespace: f.namespace, Name: f.certSecret},
		ProbeAddr:      f.probeAddr, MetricsAddr: f.metricsAddr,
		Tenancy:    tc,
		Config:     cfg,
		Log:        log,
		Controller: f.controller,
		Namespace:  f.namespace,
	})
	if err != nil {
		return err
	}
	return s.Start(cmd.Context())
}

// tenancyConfig is the tenancy the flags ask for, with the webhook's own
// namespace (--namespace) the cluster's, wherever it is installed: its
// account's grants are the platform's machinery, not a tenant's reach.
func (f *flags) tenancyConfig() (tenancy.Config, error) {
	tc, err := f.tenancy.TenancyConfig()
	if err != nil {
		return tc, err
	}
	if !slices.Contains(tc.ExtraSystemNamespaces, f.namespace) {
		tc.ExtraSystemNamespaces = append(tc.ExtraSystemNamespaces, f.namespace)
	}
	return tc, nil
}

func listRules(streams cli.IOStreams) error {
	w := tabwriter.NewWriter(streams.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "RULE\tDEFAULT\tTITLE")
	for _, r := range admission.Rules() {
		fmt.Fprintf(w, "%s\t%s\t%s\n", r.ID, r.Default, r.Title)
	}
	return w.Flush()
}
