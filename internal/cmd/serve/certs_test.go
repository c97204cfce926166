package serve

import (
	"crypto/tls"
	"crypto/x509"
	"testing"
	"time"
)

// A generated certificate verifies against its CA for its hosts; a
// stored one is reused only while complete, valid for every host and
// beyond renewBefore.
func TestCertificates(t *testing.T) {
	now := time.Now()
	hosts := serviceHosts("bulkhead-webhook", "bulkhead-system")
	b, err := selfSigned(append(hosts, "127.0.0.1"), now)
	if err != nil {
		t.Fatal(err)
	}
	pair, err := tls.X509KeyPair(b.cert, b.key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(pair.Certificate[0])
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(b.ca) {
		t.Fatal("CA bundle is not PEM")
	}
	for _, h := range append(hosts, "127.0.0.1") {
		if _, err := leaf.Verify(x509.VerifyOptions{Roots: roots, DNSName: h}); err != nil {
			t.Errorf("%s: %v", h, err)
		}
	}
	for _, c := range []struct {
		name  string
		b     bundle
		hosts []string
		at    time.Time
		want  bool
	}{
		{"fresh", b, hosts, now, true},
		{"another host", b, []string{"other.svc"}, now, false},
		{"about to expire", b, hosts, now.Add(certLifetime - renewBefore/2), false},
		{"no key", bundle{ca: b.ca, cert: b.cert}, hosts, now, false},
		{"not PEM", bundle{ca: b.ca, cert: []byte("x"), key: b.key}, hosts, now, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := usable(c.b, c.hosts, c.at); got != c.want {
				t.Errorf("usable = %v, want %v", got, c.want)
			}
		})
	}
}
