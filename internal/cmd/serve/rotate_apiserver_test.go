package serve

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"math/big"
	"testing"
	"time"

	"github.com/go-logr/logr/testr"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"sigs.k8s.io/controller-runtime/pkg/client"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/bulkhead-dev/bulkhead/internal/admission"
	"github.com/bulkhead-dev/bulkhead/internal/tenancy"
	"github.com/bulkhead-dev/bulkhead/internal/testenv"
)

// TestCertificateRotationAPIServer runs the webhook with serving
// certificates of 20 s renewed 15 s before their expiry: while it runs,
// its certificate is replaced by one of the same CA, the caBundle the
// API server holds stays, the API server keeps calling the webhook over
// TLS past the first certificate's expiry, and a TLS dial sees the new
// certificate.
func TestCertificateRotationAPIServer(t *testing.T) {
	ctrllog.SetLogger(testr.New(t))
	cfg := testenv.Start(t)
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := cs.CoreV1().Namespaces().Create(ctx, namespace("team-a", "a"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	port := freePort(t)
	vwc := WebhookConfiguration(Endpoint{URL: fmt.Sprintf("https://127.0.0.1:%d", port)}, nil)
	if _, err := cs.AdmissionregistrationV1().ValidatingWebhookConfigurations().Create(ctx, vwc, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	s, err := New(cfg, Options{
		Host: "127.0.0.1", Port: port, Hosts: []string{"127.0.0.1"},
		InjectCABundle:    ConfigurationName,
		CertSecret:        client.ObjectKey{Namespace: "kube-system", Name: "bulkhead-webhook-tls"},
		CertCheckInterval: 100 * time.Millisecond,
		certLifetimes:     lifetimes{ca: time.Hour, serving: 20 * time.Second, renewBefore: 15 * time.Second},
		Tenancy:           tenancy.Config{Label: tenantLabel},
		Config:            admission.Config{},
		Log:               testr.NewWithOptions(t, testr.Options{Verbosity: 1}),
	})
	if err != nil {
		t.Fatal(err)
	}
	runServer(t, s)
	ca := s.CABundle()
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(ca) {
		t.Fatal("CA bundle is not PEM")
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	first, err := peerCertificate(addr, roots)
	if err != nil {
		t.Fatal(err)
	}
	dry := metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}}
	call := func() error {
		_, err := cs.CoreV1().Pods("team-a").Create(ctx, seedBusybox(t, "team-a"), dry)
		return deniedWith(err, "BH-NODE-001")
	}
	eventually(t, "the API server calls the webhook", call)

	// Until the first certificate has expired, and a new one is served,
	// every call the API server makes reaches the webhook.
	var last *x509.Certificate
	seen := map[string]bool{first.SerialNumber.String(): true}
	for deadline := time.Now().Add(60 * time.Second); ; {
		if err := call(); err != nil {
			t.Fatalf("the API server's call failed while the certificate rotated: %v", err)
		}
		if last, err = peerCertificate(addr, roots); err != nil {
			t.Fatalf("the webhook serves a certificate its caBundle does not verify: %v", err)
		}
		seen[last.SerialNumber.String()] = true
		if time.Now().After(first.NotAfter.Add(time.Second)) && last.SerialNumber.Cmp(first.SerialNumber) != 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the webhook still serves certificate %s after 60 s", first.SerialNumber)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if len(seen) < 2 || sameSerial(last.SerialNumber, first.SerialNumber) {
		t.Errorf("served serials %v: no rotation", seen)
	}
	got, err := cs.AdmissionregistrationV1().ValidatingWebhookConfigurations().Get(ctx, ConfigurationName, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range got.Webhooks {
		if !bytes.Equal(w.ClientConfig.CABundle, ca) {
			t.Errorf("webhook %s: the caBundle changed during rotation", w.Name)
		}
	}
	if err := call(); err != nil {
		t.Errorf("after the rotation: %v", err)
	}
	t.Logf("served %d certificates, the last %s until %s", len(seen), last.SerialNumber.Text(16), last.NotAfter)
}

// peerCertificate dials addr over TLS, verifying the server against
// roots as the API server does with the caBundle, and returns the
// certificate it served.
func peerCertificate(addr string, roots *x509.CertPool) (*x509.Certificate, error) {
	d := &tls.Dialer{Config: &tls.Config{RootCAs: roots, ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12}}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	defer func() { _ = conn.Close() }()
	return conn.(*tls.Conn).ConnectionState().PeerCertificates[0], nil
}

func sameSerial(a, b *big.Int) bool { return a.Cmp(b) == 0 }
