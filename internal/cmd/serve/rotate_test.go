package serve

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-logr/logr"
	"github.com/go-logr/logr/testr"
	"github.com/prometheus/client_golang/prometheus/testutil"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"
)

// testLifetimes are short enough to pass in a test's clock.
var testLifetimes = lifetimes{ca: 100 * time.Hour, serving: 10 * time.Hour, renewBefore: 2 * time.Hour}

var (
	testHosts  = []string{"127.0.0.1"}
	testSecret = client.ObjectKey{Namespace: "bulkhead-system", Name: "bulkhead-webhook-tls"}
)

// clock is a settable test clock.
type clock struct{ t atomic.Pointer[time.Time] }

func newClock(t time.Time) *clock { c := &clock{}; c.set(t); return c }
func (c *clock) set(t time.Time)  { c.t.Store(&t) }
func (c *clock) now() time.Time   { return *c.t.Load() }

// replica starts a rotator as New does: the start-up certificate from
// the Secret, written into a directory of its own.
func replica(t *testing.T, c client.Client, clk *clock) *rotator {
	t.Helper()
	b, err := sharedCertificate(context.Background(), c, testSecret, testHosts, clk.now(), testLifetimes)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := b.write(dir); err != nil {
		t.Fatal(err)
	}
	r := newRotator(c, testSecret, testHosts, dir, testLifetimes, time.Millisecond, testr.New(t), b)
	r.now = clk.now
	return r
}

// served is the serving certificate in r's directory, as the webhook
// server reads it, which must be r's current one.
func served(t *testing.T, r *rotator) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(r.dir, pairFile))
	if err != nil {
		t.Fatal(err)
	}
	cur := r.current.Load()
	if want := string(cur.cert) + string(cur.key); string(data) != want {
		t.Fatal("the file served is not the rotator's current certificate")
	}
	if err := verifies(data, data, cur.ca, testHosts[0], r.now()); err != nil {
		t.Fatalf("the file served does not verify: %v", err)
	}
	return cur.cert
}

func stored(t *testing.T, c client.Client) bundle {
	t.Helper()
	var s corev1.Secret
	if err := c.Get(context.Background(), testSecret, &s); err != nil {
		t.Fatal(err)
	}
	return bundle{ca: s.Data[caKey], caKey: s.Data[caPrivateKey], cert: s.Data[corev1.TLSCertKey], key: s.Data[corev1.TLSPrivateKeyKey]}
}

// The running server renews its certificate once renewBefore its expiry,
// not before, signed by the same CA, stores it and serves it.
func TestRotationWhenDue(t *testing.T) {
	start := time.Now()
	clk := newClock(start)
	c := fake.NewClientBuilder().Build()
	r := replica(t, c, clk)
	first := *r.current.Load()
	rotations := testutil.ToFloat64(certificateRotations)

	clk.set(start.Add(testLifetimes.serving - testLifetimes.renewBefore - time.Minute))
	if err := r.check(context.Background()); err != nil {
		t.Fatal(err)
	}
	if string(served(t, r)) != string(first.cert) {
		t.Fatal("renewed before renewBefore")
	}

	due := start.Add(testLifetimes.serving - testLifetimes.renewBefore + time.Minute)
	clk.set(due)
	if err := r.check(context.Background()); err != nil {
		t.Fatal(err)
	}
	now := served(t, r)
	if string(now) == string(first.cert) {
		t.Fatal("not renewed when due")
	}
	if cur := r.current.Load(); string(cur.ca) != string(first.ca) || string(cur.caKey) != string(first.caKey) {
		t.Error("the CA changed: the caBundle would have to")
	}
	if s := stored(t, c); string(s.cert) != string(now) || string(s.ca) != string(first.ca) {
		t.Error("the Secret does not hold the renewed certificate with the same CA")
	}
	leaf, _ := r.current.Load().leaf()
	if want := due.Add(testLifetimes.serving).Truncate(time.Second); !leaf.NotAfter.Equal(want) {
		t.Errorf("renewed certificate expires %s, want %s", leaf.NotAfter, want)
	}
	if got := testutil.ToFloat64(certificateRotations) - rotations; got != 1 {
		t.Errorf("rotations metric grew by %v, want 1", got)
	}
	if got := testutil.ToFloat64(certificateExpiry); got != float64(leaf.NotAfter.Unix()) {
		t.Errorf("expiry metric %v, want %v", got, leaf.NotAfter.Unix())
	}
	if err := r.check(context.Background()); err != nil {
		t.Fatal(err)
	}
	if string(served(t, r)) != string(now) {
		t.Error("renewed again right after renewing")
	}
}

// Two replicas due at once: the one whose update lands second loses the
// race on the Secret's resourceVersion, reads the winner's certificate
// and serves it, so one caBundle and one certificate serve both.
func TestRotationRace(t *testing.T) {
	start := time.Now()
	clk := newClock(start)
	base := fake.NewClientBuilder().Build()
	winner := replica(t, base, clk)
	raced := false
	c := interceptor.NewClient(base, interceptor.Funcs{
		Update: func(ctx context.Context, cl client.WithWatch, obj client.Object, opts ...client.UpdateOption) error {
			if !raced {
				raced = true
				if err := winner.check(ctx); err != nil { // it renews between the loser's read and write
					return err
				}
			}
			return cl.Update(ctx, obj, opts...)
		},
	})
	loser := newRotator(c, testSecret, testHosts, t.TempDir(), testLifetimes, time.Millisecond, testr.New(t), *winner.current.Load())
	loser.now = clk.now
	first := *winner.current.Load()

	clk.set(start.Add(testLifetimes.serving - testLifetimes.renewBefore + time.Minute))
	if err := loser.check(context.Background()); err != nil {
		t.Fatal(err)
	}
	if !raced {
		t.Fatal("the loser never wrote the Secret: no race")
	}
	w := served(t, winner)
	if string(w) == string(first.cert) {
		t.Fatal("the winner did not renew")
	}
	if l := served(t, loser); string(l) != string(w) {
		t.Error("the loser serves its own certificate, not the winner's")
	}
	if s := stored(t, base); string(s.cert) != string(w) || string(s.ca) != string(first.ca) {
		t.Error("the Secret does not hold the winner's certificate under the same CA")
	}
}

// A replica takes up a certificate another stored, even when its own is
// not due; a deleted Secret is not stored again, so that the next start
// makes a new CA; a certificate of its own alone (no Secret) is renewed
// too.
func TestRotationFollowsSecret(t *testing.T) {
	start := time.Now()
	clk := newClock(start)
	c := fake.NewClientBuilder().Build()
	a, b := replica(t, c, clk), replica(t, c, clk)
	first := *a.current.Load()
	if string(served(t, b)) != string(first.cert) {
		t.Fatal("replicas started with different certificates")
	}
	clk.set(start.Add(testLifetimes.serving - testLifetimes.renewBefore + time.Minute))
	if err := a.check(context.Background()); err != nil {
		t.Fatal(err)
	}
	clk.set(clk.now().Add(time.Minute))
	if err := b.check(context.Background()); err != nil {
		t.Fatal(err)
	}
	if string(served(t, b)) != string(served(t, a)) {
		t.Error("b does not serve the certificate a stored")
	}

	// Deleted to force a new CA: the running replicas do not store it
	// again but renew their own under the old CA until a replica starts,
	// makes a new CA and stores it; then they take it up.
	if err := c.Delete(context.Background(), &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: testSecret.Namespace, Name: testSecret.Name}}); err != nil {
		t.Fatal(err)
	}
	before := *a.current.Load()
	leaf, _ := before.leaf()
	clk.set(leaf.NotAfter.Add(-testLifetimes.renewBefore + time.Minute))
	if err := a.check(context.Background()); err != nil {
		t.Fatal(err)
	}
	if cur := a.current.Load(); cur.sameServing(before) || string(cur.ca) != string(first.ca) {
		t.Error("with the Secret gone, a due certificate is not renewed under the same CA")
	}
	served(t, a)
	if err := c.Get(context.Background(), testSecret, &corev1.Secret{}); !apierrors.IsNotFound(err) {
		t.Errorf("the deleted Secret was stored again (%v): a restart would not make a new CA", err)
	}
	restarted := replica(t, c, clk)
	fresh := *restarted.current.Load()
	if string(fresh.ca) == string(first.ca) {
		t.Fatal("a replica starting without the Secret kept the old CA")
	}
	if err := b.check(context.Background()); err != nil {
		t.Fatal(err)
	}
	if cur := b.current.Load(); !cur.sameServing(fresh) || string(cur.ca) != string(fresh.ca) {
		t.Error("a running replica does not take up the new CA's certificate")
	}

	own, err := selfSigned(testHosts, start, testLifetimes)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := own.write(dir); err != nil {
		t.Fatal(err)
	}
	alone := newRotator(nil, client.ObjectKey{}, testHosts, dir, testLifetimes, time.Millisecond, logr.Discard(), own)
	alone.now = clk.now
	if err := alone.check(context.Background()); err != nil {
		t.Fatal(err)
	}
	if cur := alone.current.Load(); cur.sameServing(own) || string(cur.ca) != string(own.ca) {
		t.Error("a certificate of its own is not renewed under the same CA")
	}
	served(t, alone)
}

// The running server never makes a new CA: a CA that cannot sign beyond
// renewBefore is an error, logged and retried, the certificate left as
// is. At start-up a CA that cannot sign a whole serving lifetime, or a
// Secret without the CA's key (written before it was kept), is replaced.
func TestRotationCA(t *testing.T) {
	start := time.Now()
	clk := newClock(start)
	c := fake.NewClientBuilder().Build()
	r := replica(t, c, clk)
	first := *r.current.Load()

	end := start.Add(testLifetimes.ca - testLifetimes.renewBefore/2)
	clk.set(end)
	if err := r.check(context.Background()); err == nil {
		t.Error("renewed with a CA at its end")
	}
	if cur := r.current.Load(); !cur.sameServing(first) {
		t.Error("the certificate changed after a failed renewal")
	}
	restarted, err := sharedCertificate(context.Background(), c, testSecret, testHosts, end, testLifetimes)
	if err != nil {
		t.Fatal(err)
	}
	if string(restarted.ca) == string(first.ca) {
		t.Error("a start-up kept a CA at its end")
	}

	half := start.Add(testLifetimes.serving - testLifetimes.renewBefore/2)
	renewed, err := sharedCertificate(context.Background(), fakeWith(first), testSecret, testHosts, half, testLifetimes)
	if err != nil {
		t.Fatal(err)
	}
	if string(renewed.ca) != string(first.ca) || renewed.sameServing(first) {
		t.Error("a start-up with a due certificate did not renew it under the same CA")
	}
	old := first
	old.caKey = nil
	replaced, err := sharedCertificate(context.Background(), fakeWith(old), testSecret, testHosts, start, testLifetimes)
	if err != nil {
		t.Fatal(err)
	}
	if string(replaced.ca) == string(first.ca) || len(replaced.caKey) == 0 {
		t.Error("a Secret without the CA's key was not replaced by a CA that can renew")
	}
}

func fakeWith(b bundle) client.Client {
	s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: testSecret.Namespace, Name: testSecret.Name}, Type: corev1.SecretTypeTLS,
		Data: map[string][]byte{caKey: b.ca, corev1.TLSCertKey: b.cert, corev1.TLSPrivateKeyKey: b.key}}
	if b.caKey != nil {
		s.Data[caPrivateKey] = b.caKey
	}
	return fake.NewClientBuilder().WithObjects(s).Build()
}

// A failing check is counted and retried at the next tick; the loop runs
// until its context ends and never stops the server with an error.
func TestRotationRetries(t *testing.T) {
	clk := newClock(time.Now())
	c := fake.NewClientBuilder().Build()
	r := replica(t, c, clk)
	var calls atomic.Int32
	r.client = interceptor.NewClient(c, interceptor.Funcs{
		Get: func(context.Context, client.WithWatch, client.ObjectKey, client.Object, ...client.GetOption) error {
			calls.Add(1)
			return apierrors.NewServiceUnavailable("etcd is gone")
		},
	})
	errs := testutil.ToFloat64(certificateRenewalErrors)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Start(ctx) }()
	deadline := time.Now().Add(10 * time.Second)
	for calls.Load() < 3 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Start = %v, want nil", err)
	}
	if calls.Load() < 3 {
		t.Fatalf("%d checks, want retries", calls.Load())
	}
	if got := testutil.ToFloat64(certificateRenewalErrors) - errs; got < 2 {
		t.Errorf("renewal errors metric grew by %v, want every failure", got)
	}
	if err := r.check(context.Background()); !apierrors.IsServiceUnavailable(errors.Unwrap(err)) {
		t.Errorf("check = %v, want the failed read", err)
	}
}
