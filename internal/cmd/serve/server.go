package serve

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/client/apiutil"
	anpv1alpha1 "sigs.k8s.io/network-policy-api/apis/v1alpha1"

	"github.com/go-logr/logr"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
	"sigs.k8s.io/controller-runtime/pkg/webhook"

	"github.com/bulkhead-dev/bulkhead/internal/admission"
	"github.com/bulkhead-dev/bulkhead/internal/controller"
	"github.com/bulkhead-dev/bulkhead/internal/tenancy"
)

// Options configure the webhook server.
type Options struct {
	// Host and Port the webhook listens on (TLS).
	Host string
	Port int
	// CertDir holds tls.crt and tls.key (a mounted Secret, or
	// cert-manager's). Empty: a CA and a serving certificate for Hosts
	// are generated in-process into a temporary directory.
	CertDir string
	// Hosts are the names the generated certificate is valid for.
	Hosts []string
	// CertSecret, when its Name is set, keeps the generated certificate
	// in a Secret that every replica shares (the first to start creates
	// it, the others read it), so that one caBundle trusts them all.
	CertSecret client.ObjectKey
	// CertCheckInterval is how often the running server checks a
	// generated certificate (default an hour): it renews it 30 days
	// before its expiry, signed by the same CA, or takes up the one
	// another replica stored in CertSecret.
	CertCheckInterval time.Duration
	// certLifetimes, when set, replace defaultLifetimes (tests).
	certLifetimes lifetimes
	// InjectCABundle names a ValidatingWebhookConfiguration whose webhooks
	// get the generated CA as caBundle once the webhook is ready.
	InjectCABundle string
	// ProbeAddr serves /healthz and /readyz ("0" disables them);
	// MetricsAddr the Prometheus metrics ("0" disables them).
	ProbeAddr, MetricsAddr string

	Tenancy tenancy.Config
	Config  admission.Config
	Log     logr.Logger

	// Controller also runs the controller that keeps every tenant
	// namespace's harden baseline (internal/controller), on the replica
	// that holds the leader lease in Namespace; the webhook runs on
	// every replica.
	Controller bool
	// Namespace is bulkhead's own: the lease's, and one the controller
	// never writes into.
	Namespace string
}

// Server is the manager running the webhook and the informers feeding
// its snapshot.
type Server struct {
	opts     Options
	rest     *rest.Config
	mgr      manager.Manager
	state    *state
	caBundle []byte
	certDir  string
	rotator  *rotator // nil with Options.CertDir
	ready    chan struct{}
}

// New prepares a server against the API server of cfg; Start runs it.
func New(cfg *rest.Config, o Options) (*Server, error) {
	s := &Server{opts: o, rest: cfg, state: newState(o.Tenancy, o.Config), ready: make(chan struct{}), certDir: o.CertDir}
	if s.certDir == "" {
		if len(o.Hosts) == 0 {
			return nil, errors.New("no certificate directory and no host names to generate a certificate for")
		}
		dir, err := os.MkdirTemp("", "bulkhead-webhook-")
		if err != nil {
			return nil, err
		}
		r, err := generatedCertificate(cfg, o, dir)
		if err != nil {
			return nil, fmt.Errorf("serving certificate: %w", err)
		}
		s.caBundle, s.certDir, s.rotator = r.current.Load().ca, dir, r
	}
	certName, keyName := certFile, keyFile
	if o.CertDir == "" {
		certName, keyName = pairFile, pairFile
	}
	scheme := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(scheme); err != nil {
		return nil, err
	}
	if err := anpv1alpha1.AddToScheme(scheme); err != nil {
		return nil, err
	}
	probe, metrics := o.ProbeAddr, o.MetricsAddr
	if probe == "" {
		probe = "0"
	}
	if metrics == "" {
		metrics = "0"
	}
	mgr, err := ctrl.NewManager(cfg, manager.Options{
		Scheme:                  scheme,
		LeaderElection:          o.Controller,
		LeaderElectionID:        "bulkhead-controller",
		LeaderElectionNamespace: o.Namespace,
		Logger:                  o.Log,
		Metrics:                 metricsserver.Options{BindAddress: metrics},
		HealthProbeBindAddress:  probe,
		Cache:                   cacheOptions(o.Controller),
		WebhookServer: webhook.NewServer(webhook.Options{
			Host: o.Host, Port: o.Port, CertDir: s.certDir, CertName: certName, KeyName: keyName,
		}),
	})
	if err != nil {
		return nil, fmt.Errorf("manager: %w", err)
	}
	s.mgr = mgr
	if o.Controller {
		if err := controller.Setup(mgr, controller.Options{Tenancy: o.Tenancy, Namespace: o.Namespace}); err != nil {
			return nil, fmt.Errorf("controller: %w", err)
		}
	}
	if s.rotator != nil {
		if err := mgr.Add(s.rotator); err != nil {
			return nil, err
		}
	}
	h := &Handler{decisions: s.state.decisions, config: &s.state.config, log: o.Log.WithName("admission")}
	mgr.GetWebhookServer().Register(Path, &webhook.Admission{Handler: h})
	if err := mgr.AddHealthzCheck("ping", healthz.Ping); err != nil {
		return nil, err
	}
	if err := mgr.AddReadyzCheck("snapshot", func(*http.Request) error {
		if !s.state.synced.Load() {
			return errNotSynced
		}
		return nil
	}); err != nil {
		return nil, err
	}
	if err := mgr.AddReadyzCheck("webhook", mgr.GetWebhookServer().StartedChecker()); err != nil {
		return nil, err
	}
	return s, nil
}

// cacheOptions are the informers' caches: managed fields stripped from
// everything, and pods slimmed to what the decisions read (slimPod) so
// that the webhook's memory grows by tens of bytes a pod. The controller
// plans from whole pods (their ports, their security context), so with
// it the Pod informer it shares keeps them whole; the webhook's pod index
// slims its own copies either way.
func cacheOptions(withController bool) cache.Options {
	o := cache.Options{DefaultTransform: cache.TransformStripManagedFields()}
	if !withController {
		o.ByObject = map[client.Object]cache.ByObject{&corev1.Pod{}: {Transform: slimPod}}
	} else {
		o.ByObject = controller.CacheByObject()
	}
	return o
}

// generatedCertificate generates the serving certificate, or shares it
// through o.CertSecret, writes it into dir and returns the rotator that
// keeps it valid.
func generatedCertificate(cfg *rest.Config, o Options, dir string) (*rotator, error) {
	lt := o.certLifetimes
	if lt == (lifetimes{}) {
		lt = defaultLifetimes
	}
	var c client.Client
	var b bundle
	var err error
	if o.CertSecret.Name == "" {
		b, err = selfSigned(o.Hosts, time.Now(), lt)
	} else {
		if c, err = client.New(cfg, client.Options{}); err != nil {
			return nil, err
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		b, err = sharedCertificate(ctx, c, o.CertSecret, o.Hosts, time.Now(), lt)
	}
	if err != nil {
		return nil, err
	}
	if err := b.write(dir); err != nil {
		return nil, err
	}
	return newRotator(c, o.CertSecret, o.Hosts, dir, lt, o.CertCheckInterval, o.Log.WithName("certificate"), b), nil
}

// Manager is the server's controller-runtime manager, for registering
// more runnables (the isolation controller, controller.Setup) before
// Start. Its scheme is client-go's; it elects a leader only when the
// controller runs (Options.Controller).
func (s *Server) Manager() manager.Manager { return s.mgr }

// CABundle is the PEM of the generated CA, nil when certificates were
// given.
func (s *Server) CABundle() []byte { return s.caBundle }

// Ready is closed once the caches have synced, the first snapshot is
// built and the webhook serves.
func (s *Server) Ready() <-chan struct{} { return s.ready }

// Start runs the informers and the webhook until ctx is done.
func (s *Server) Start(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if s.opts.CertDir == "" {
		defer func() { _ = os.RemoveAll(s.certDir) }() // a temporary directory
	}
	kinds := watched()
	for _, obj := range servedOnly() {
		if s.served(obj) {
			kinds = append(kinds, obj)
		}
	}
	for _, obj := range kinds {
		inf, err := s.mgr.GetCache().GetInformer(ctx, obj)
		if err != nil {
			return fmt.Errorf("informer for %T: %w", obj, err)
		}
		if _, err := inf.AddEventHandler(s.state.handlers()); err != nil {
			return fmt.Errorf("informer for %T: %w", obj, err)
		}
	}
	stopped := make(chan struct{})
	var mgrErr error
	go func() {
		defer close(stopped)
		mgrErr = s.mgr.Start(ctx)
	}()
	// The wait ends when the manager does: a webhook server that cannot
	// listen (a port taken, no certificates) stops it, and serve exits
	// saying why rather than waiting for ever.
	waitCtx, stopWait := context.WithCancel(ctx)
	go func() {
		select {
		case <-stopped:
			stopWait()
		case <-waitCtx.Done():
		}
	}()
	err := s.waitReady(waitCtx)
	stopWait()
	if err != nil {
		select {
		case <-stopped:
			if mgrErr != nil {
				return fmt.Errorf("the webhook stopped before it was ready: %w", mgrErr)
			}
		default:
			cancel()
			<-stopped
			if mgrErr != nil {
				s.opts.Log.V(1).Info("manager stopped", "error", mgrErr)
			}
		}
		return err
	}
	close(s.ready)
	<-stopped
	return mgrErr
}

// served reports whether the API server serves obj's kind; the webhook
// logs those it does not (their objects are then never in its snapshot,
// nor sent to it).
func (s *Server) served(obj client.Object) bool {
	gvk, err := apiutil.GVKForObject(obj, s.mgr.GetScheme())
	if err == nil {
		_, err = s.mgr.GetRESTMapper().RESTMapping(gvk.GroupKind(), gvk.Version)
	}
	if err != nil {
		s.opts.Log.Info("kind not served: its objects are not in the webhook's snapshot (restart bulkhead serve once it is installed)", "kind", fmt.Sprintf("%T", obj), "reason", err.Error())
		return false
	}
	return true
}

// cacheSyncNotice is how often serve logs that it is still waiting for
// the caches to sync.
const cacheSyncNotice = 15 * time.Second

// waitReady waits for the caches, builds the first snapshot, waits for
// the webhook server to listen and injects the CA bundle.
func (s *Server) waitReady(ctx context.Context) error {
	start, done := time.Now(), make(chan struct{})
	go func() {
		tick := time.NewTicker(cacheSyncNotice)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				s.opts.Log.Info("still waiting for the informer caches to sync: is the API server reachable, and may the service account list what deploy/rbac.yaml grants?", "waited", time.Since(start).Round(time.Second).String())
			}
		}
	}()
	synced := s.mgr.GetCache().WaitForCacheSync(ctx)
	close(done)
	if !synced {
		return errors.New("the informer caches did not sync")
	}
	s.state.markSynced()
	if _, err := s.state.decisions(); err != nil {
		s.opts.Log.Error(err, "no decisions over the first snapshot: tenant requests are denied until it builds")
	}
	check := s.mgr.GetWebhookServer().StartedChecker()
	for check(nil) != nil {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
	if s.opts.InjectCABundle != "" && s.caBundle != nil {
		if err := injectCABundle(ctx, s.rest, s.opts.InjectCABundle, s.caBundle); err != nil {
			return err
		}
	}
	return nil
}

// injectCABundle sets the caBundle of every webhook of a
// ValidatingWebhookConfiguration.
func injectCABundle(ctx context.Context, cfg *rest.Config, name string, ca []byte) error {
	c, err := client.New(cfg, client.Options{})
	if err != nil {
		return err
	}
	var vwc admissionregistrationv1.ValidatingWebhookConfiguration
	if err := c.Get(ctx, client.ObjectKey{Name: name}, &vwc); err != nil {
		return fmt.Errorf("inject CA bundle into %s: %w", name, err)
	}
	for i := range vwc.Webhooks {
		vwc.Webhooks[i].ClientConfig.CABundle = ca
	}
	if err := c.Update(ctx, &vwc); err != nil {
		return fmt.Errorf("inject CA bundle into %s: %w", name, err)
	}
	return nil
}
