package serve

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/go-logr/logr"
	"github.com/prometheus/client_golang/prometheus"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/metrics"
)

// defaultCertCheckInterval is how often a running server checks its
// generated serving certificate.
const defaultCertCheckInterval = time.Hour

var (
	certificateExpiry = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "bulkhead_webhook_certificate_expiry_timestamp_seconds",
		Help: "When the generated serving certificate the webhook serves expires (Unix time); 0 with --cert-dir.",
	})
	certificateRotations = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "bulkhead_webhook_certificate_rotations_total",
		Help: "Serving certificates the running webhook replaced, by one it signed or one another replica stored in the shared Secret.",
	})
	certificateRenewalErrors = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "bulkhead_webhook_certificate_renewal_errors_total",
		Help: "Checks of the serving certificate that failed (the Secret unreadable, no CA to sign); retried at the next check.",
	})
)

func init() {
	metrics.Registry.MustRegister(certificateExpiry, certificateRotations, certificateRenewalErrors)
}

// rotator keeps a generated serving certificate valid while the server
// runs: every interval it renews the certificate renewBefore its expiry,
// signed by the same CA so that the caBundle stays, and writes it into
// the directory whose file the webhook server's certificate watcher
// reloads. With a shared Secret it also takes up the certificate another
// replica stored there. A failure is logged and retried at the next tick.
type rotator struct {
	// client reads and writes secret; nil when the certificate is this
	// replica's alone.
	client   client.Client
	secret   client.ObjectKey
	hosts    []string
	dir      string
	lt       lifetimes
	interval time.Duration
	now      func() time.Time
	log      logr.Logger

	current atomic.Pointer[bundle] // the bundle served
}

// newRotator returns the rotator of the bundle b already written into dir.
func newRotator(c client.Client, secret client.ObjectKey, hosts []string, dir string, lt lifetimes, interval time.Duration, log logr.Logger, b bundle) *rotator {
	if interval <= 0 {
		interval = defaultCertCheckInterval
	}
	r := &rotator{client: c, secret: secret, hosts: hosts, dir: dir, lt: lt, interval: interval, now: time.Now, log: log}
	r.current.Store(&b)
	return r
}

// Start checks the certificate every interval until ctx is done.
func (r *rotator) Start(ctx context.Context) error {
	if leaf, err := r.current.Load().leaf(); err == nil {
		r.log.Info("serving certificate", "serial", leaf.SerialNumber.Text(16), "notAfter", leaf.NotAfter, "checkInterval", r.interval)
	}
	r.observe(*r.current.Load())
	t := time.NewTicker(r.interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
			if err := r.check(ctx); err != nil {
				certificateRenewalErrors.Inc()
				r.log.Error(err, "serving certificate not renewed: retrying at the next check", "interval", r.interval)
			}
		}
	}
}

// NeedLeaderElection is false: every replica serves, so every replica
// keeps its certificate.
func (r *rotator) NeedLeaderElection() bool { return false }

// check renews the served certificate when it is due, or takes up the one
// another replica stored, and writes it for the webhook server.
func (r *rotator) check(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	own, now := *r.current.Load(), r.now()
	var next bundle
	var err error
	if r.client != nil {
		next, err = renewShared(ctx, r.client, r.secret, r.hosts, now, r.lt, own)
		if errors.Is(err, errNoSecret) {
			// Deleted to make a new CA at the next start: until then
			// this replica renews its own certificate, which the CA
			// of the caBundle still signs.
			r.log.Info("the shared certificate's secret is gone: renewing this replica's own until a replica starts and makes a new CA", "secret", r.secret.String())
			next, err = r.renewOwn(own, now)
		}
	} else {
		next, err = r.renewOwn(own, now)
	}
	if err != nil {
		return err
	}
	if next.sameServing(own) {
		return nil
	}
	if err := next.write(r.dir); err != nil {
		return fmt.Errorf("write serving certificate: %w", err)
	}
	r.current.Store(&next)
	certificateRotations.Inc()
	r.observe(next)
	if leaf, err := next.leaf(); err == nil {
		r.log.Info("serving certificate rotated", "serial", leaf.SerialNumber.Text(16), "notAfter", leaf.NotAfter, "sameCA", string(next.ca) == string(own.ca))
	}
	return nil
}

// renewOwn returns own while usable, else a new certificate signed by
// its CA.
func (r *rotator) renewOwn(own bundle, now time.Time) (bundle, error) {
	switch {
	case usable(own, r.hosts, now, r.lt.renewBefore):
		return own, nil
	case own.canSign(now, r.lt.renewBefore):
		return own.issue(r.hosts, now, r.lt.serving)
	default:
		return bundle{}, fmt.Errorf("the CA cannot sign a certificate for more than %s: restart to make a new CA", r.lt.renewBefore)
	}
}

// observe sets the expiry metric to b's.
func (r *rotator) observe(b bundle) {
	if leaf, err := b.leaf(); err == nil {
		certificateExpiry.Set(float64(leaf.NotAfter.Unix()))
	}
}
