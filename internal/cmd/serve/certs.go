package serve

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

// Names of the serving certificate and key in a certificate directory, as
// a kubernetes.io/tls Secret mounts them (cert-manager writes these).
const (
	certFile = "tls.crt"
	keyFile  = "tls.key"
)

// pairFile holds a generated serving certificate and its key in one PEM
// file, so that replacing it is one rename and the webhook server's
// certificate watcher never reads a new certificate beside an old key.
const pairFile = "tls.pem"

// lifetimes are how long generated certificates live and when they are
// replaced.
type lifetimes struct {
	// ca is the CA's lifetime: it is the caBundle of the webhook
	// configuration, replaced only at a start-up that finds it unable to
	// sign a serving certificate for its whole lifetime.
	ca time.Duration
	// serving is a serving certificate's lifetime.
	serving time.Duration
	// renewBefore is how long before its expiry a serving certificate is
	// replaced, at start-up or by the running server.
	renewBefore time.Duration
}

// defaultLifetimes: a ten-year CA signing serving certificates of a year,
// renewed 30 days before they expire.
var defaultLifetimes = lifetimes{ca: 10 * 365 * 24 * time.Hour, serving: 365 * 24 * time.Hour, renewBefore: 30 * 24 * time.Hour}

// bundle is a serving certificate and key and the CA that signed them,
// with the CA's key to sign the next, in PEM.
type bundle struct{ ca, caKey, cert, key []byte }

// write puts the certificate and key into dir's pairFile as the webhook
// server reads them, replacing the file whole.
func (b bundle) write(dir string) error {
	tmp, err := os.CreateTemp(dir, pairFile+".*")
	if err != nil {
		return err
	}
	defer func() { _ = os.Remove(tmp.Name()) }() // gone once renamed
	_, err = tmp.Write(append(append([]byte{}, b.cert...), b.key...))
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	return os.Rename(tmp.Name(), filepath.Join(dir, pairFile))
}

// selfSigned creates a CA and a serving certificate it signs for hosts
// (DNS names or IP addresses); the CA's certificate is the caBundle the
// API server must trust.
func selfSigned(hosts []string, now time.Time, lt lifetimes) (bundle, error) {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return bundle{}, fmt.Errorf("ca key: %w", err)
	}
	ca := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{CommonName: "bulkhead webhook CA"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(lt.ca),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, ca, ca, &caKey.PublicKey, caKey)
	if err != nil {
		return bundle{}, fmt.Errorf("ca certificate: %w", err)
	}
	caKeyDER, err := x509.MarshalECPrivateKey(caKey)
	if err != nil {
		return bundle{}, err
	}
	b := bundle{
		ca:    pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}),
		caKey: pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: caKeyDER}),
	}
	return b.issue(hosts, now, lt.serving)
}

// issue returns b with a new serving certificate and key for hosts,
// signed by b's CA, valid for lifetime but never beyond the CA.
func (b bundle) issue(hosts []string, now time.Time, lifetime time.Duration) (bundle, error) {
	ca, caKey, err := b.signer()
	if err != nil {
		return bundle{}, err
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return bundle{}, fmt.Errorf("serving key: %w", err)
	}
	leaf := &x509.Certificate{
		SerialNumber: serial(),
		Subject:      pkix.Name{CommonName: hosts[0]},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(lifetime),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	if leaf.NotAfter.After(ca.NotAfter) {
		leaf.NotAfter = ca.NotAfter
	}
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			leaf.IPAddresses = append(leaf.IPAddresses, ip)
		} else {
			leaf.DNSNames = append(leaf.DNSNames, h)
		}
	}
	leafDER, err := x509.CreateCertificate(rand.Reader, leaf, ca, &key.PublicKey, caKey)
	if err != nil {
		return bundle{}, fmt.Errorf("serving certificate: %w", err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return bundle{}, err
	}
	b.cert = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: leafDER})
	b.key = pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER})
	return b, nil
}

// signer parses b's CA certificate and key, which must match.
func (b bundle) signer() (*x509.Certificate, *ecdsa.PrivateKey, error) {
	ca, err := parseCert(b.ca)
	if err != nil {
		return nil, nil, fmt.Errorf("ca certificate: %w", err)
	}
	block, _ := pem.Decode(b.caKey)
	if block == nil {
		return nil, nil, errors.New("ca key: not PEM")
	}
	key, err := x509.ParseECPrivateKey(block.Bytes)
	if err != nil {
		return nil, nil, fmt.Errorf("ca key: %w", err)
	}
	if !key.PublicKey.Equal(ca.PublicKey) {
		return nil, nil, errors.New("ca key does not match the ca certificate")
	}
	return ca, key, nil
}

// canSign reports whether b's CA can sign a serving certificate that
// lives at least for d from now.
func (b bundle) canSign(now time.Time, d time.Duration) bool {
	ca, _, err := b.signer()
	return err == nil && !now.Add(d).After(ca.NotAfter)
}

// leaf is b's serving certificate.
func (b bundle) leaf() (*x509.Certificate, error) { return parseCert(b.cert) }

// sameServing reports whether b and o hold the same serving certificate.
func (b bundle) sameServing(o bundle) bool {
	return bytes.Equal(b.cert, o.cert) && bytes.Equal(b.key, o.key)
}

func parseCert(data []byte) (*x509.Certificate, error) {
	block, _ := pem.Decode(data)
	if block == nil || block.Type != "CERTIFICATE" {
		return nil, errors.New("not a PEM certificate")
	}
	return x509.ParseCertificate(block.Bytes)
}

func serial() *big.Int {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		panic(fmt.Sprintf("crypto/rand: %v", err)) // the OS has no randomness: nothing can work
	}
	return n
}

// serviceHosts are the names the API server calls a webhook Service by.
func serviceHosts(service, namespace string) []string {
	return []string{
		service + "." + namespace + ".svc",
		service + "." + namespace + ".svc.cluster.local",
		service + "." + namespace,
	}
}
