package serve

import (
	"crypto/tls"
	"crypto/x509"
	"testing"
	"time"
)

// A generated certificate verifies against its CA for its hosts; a
// stored one is reused only while complete (with the CA's key), signed by
// its CA, valid for every host and beyond renewBefore.
func TestCertificates(t *testing.T) {
	now := time.Now()
	lt := defaultLifetimes
	hosts := serviceHosts("bulkhead-webhook", "bulkhead-system")
	b, err := selfSigned(append(hosts, "127.0.0.1"), now, lt)
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range append(hosts, "127.0.0.1") {
		if err := verifies(b.cert, b.key, b.ca, h, now); err != nil {
			t.Errorf("%s: %v", h, err)
		}
	}
	other, err := selfSigned(hosts, now, lt)
	if err != nil {
		t.Fatal(err)
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
		{"about to expire", b, hosts, now.Add(lt.serving - lt.renewBefore/2), false},
		{"no key", bundle{ca: b.ca, caKey: b.caKey, cert: b.cert}, hosts, now, false},
		{"another certificate's key", bundle{ca: b.ca, caKey: b.caKey, cert: b.cert, key: other.key}, hosts, now, false},
		{"no CA key: it could not be renewed", bundle{ca: b.ca, cert: b.cert, key: b.key}, hosts, now, false},
		{"signed by another CA", bundle{ca: other.ca, caKey: other.caKey, cert: b.cert, key: b.key}, hosts, now, false},
		{"not PEM", bundle{ca: b.ca, caKey: b.caKey, cert: []byte("x"), key: b.key}, hosts, now, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := usable(c.b, c.hosts, c.at, lt.renewBefore); got != c.want {
				t.Errorf("usable = %v, want %v", got, c.want)
			}
		})
	}
}

// The CA outlives its serving certificates many times; a certificate it
// issues later keeps the CA and verifies against it, and never outlives
// it.
func TestIssue(t *testing.T) {
	now := time.Now()
	lt := lifetimes{ca: 100 * time.Hour, serving: 10 * time.Hour, renewBefore: 2 * time.Hour}
	b, err := selfSigned([]string{"127.0.0.1"}, now, lt)
	if err != nil {
		t.Fatal(err)
	}
	ca, err := parseCert(b.ca)
	if err != nil {
		t.Fatal(err)
	}
	if want := now.Add(lt.ca).Truncate(time.Second); !ca.NotAfter.Equal(want) {
		t.Errorf("CA expires %s, want %s", ca.NotAfter, want)
	}
	later := now.Add(50 * time.Hour)
	next, err := b.issue([]string{"127.0.0.1"}, later, lt.serving)
	if err != nil {
		t.Fatal(err)
	}
	if string(next.ca) != string(b.ca) || string(next.caKey) != string(b.caKey) {
		t.Error("issuing a serving certificate changed the CA")
	}
	if next.sameServing(b) {
		t.Error("the issued certificate is the old one")
	}
	leaf, err := next.leaf()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := leaf.Verify(x509.VerifyOptions{Roots: poolOf(ca), DNSName: "127.0.0.1", CurrentTime: later}); err != nil {
		t.Errorf("the new certificate does not verify against the same CA: %v", err)
	}
	end, err := b.issue([]string{"127.0.0.1"}, now.Add(95*time.Hour), lt.serving)
	if err != nil {
		t.Fatal(err)
	}
	if leaf, _ := end.leaf(); leaf.NotAfter.After(ca.NotAfter) {
		t.Errorf("certificate expires %s, after its CA %s", leaf.NotAfter, ca.NotAfter)
	}
	for _, c := range []struct {
		name string
		at   time.Time
		d    time.Duration
		want bool
	}{
		{"young CA", now, lt.serving, true},
		{"CA ending within a serving lifetime", now.Add(95 * time.Hour), lt.serving, false},
		{"which still signs beyond renewBefore", now.Add(95 * time.Hour), lt.renewBefore, true},
		{"expired CA", now.Add(101 * time.Hour), 0, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := b.canSign(c.at, c.d); got != c.want {
				t.Errorf("canSign = %v, want %v", got, c.want)
			}
		})
	}
	if (bundle{ca: b.ca}).canSign(now, 0) {
		t.Error("a CA without its key signs")
	}
}

// verifies checks that the pair cert/key is a TLS key pair whose leaf
// verifies against ca for host at a time.
func verifies(cert, key, ca []byte, host string, at time.Time) error {
	pair, err := tls.X509KeyPair(cert, key)
	if err != nil {
		return err
	}
	leaf, err := x509.ParseCertificate(pair.Certificate[0])
	if err != nil {
		return err
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(ca)
	_, err = leaf.Verify(x509.VerifyOptions{Roots: roots, DNSName: host, CurrentTime: at})
	return err
}
