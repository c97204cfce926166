package serve

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// Secret keys of the shared certificate: the CA's certificate under
// cert-manager's name, and the CA's key, which signs the serving
// certificates that replace each other while the CA stays.
const (
	caKey        = "ca.crt"
	caPrivateKey = "ca.key"
)

// sharedCertificate returns the serving certificate every replica of the
// webhook uses at start-up, kept in a Secret: the one there while it is
// usable, else a new one, stored. The new one is signed by the stored CA
// while that CA can sign a certificate for its whole lifetime; otherwise
// (no Secret, no CA key, a CA near its end) a new CA is made, which
// changes the caBundle.
func sharedCertificate(ctx context.Context, c client.Client, key client.ObjectKey, hosts []string, now time.Time, lt lifetimes) (bundle, error) {
	return syncShared(ctx, c, key, hosts, now, lt, func(stored bundle, _ bool) (bundle, error) {
		if stored.canSign(now, lt.serving) {
			return stored.issue(hosts, now, lt.serving)
		}
		return selfSigned(hosts, now, lt)
	})
}

// errNoSecret is renewShared's answer when the Secret is gone.
var errNoSecret = errors.New("no shared certificate secret")

// renewShared is the running server's check of the Secret against own,
// the certificate it serves: the stored one while usable, else a new
// serving certificate signed by the stored CA, or by own's when the
// Secret has none that can sign. It never makes a new CA, so the
// caBundle stays, nor a Secret that was deleted (errNoSecret): the next
// replica to start makes a new CA then.
func renewShared(ctx context.Context, c client.Client, key client.ObjectKey, hosts []string, now time.Time, lt lifetimes, own bundle) (bundle, error) {
	return syncShared(ctx, c, key, hosts, now, lt, func(stored bundle, exists bool) (bundle, error) {
		if !exists {
			return bundle{}, fmt.Errorf("secret %s: %w", key, errNoSecret)
		}
		for _, b := range []bundle{stored, own} {
			if b.canSign(now, lt.renewBefore) {
				return b.issue(hosts, now, lt.serving)
			}
		}
		return bundle{}, fmt.Errorf("no CA in secret %s can sign a certificate for more than %s: delete the secret and restart every replica to make a new CA", key, lt.renewBefore)
	})
}

// syncShared reads the Secret's bundle and returns it while usable, or
// stores the one next makes from it (or from nothing, when the Secret
// does not exist). Replicas renewing together race to
// store theirs; the loser reads the winner's, so that the API server's
// caBundle trusts every replica.
func syncShared(ctx context.Context, c client.Client, key client.ObjectKey, hosts []string, now time.Time, lt lifetimes, next func(stored bundle, exists bool) (bundle, error)) (bundle, error) {
	for range 3 {
		var s corev1.Secret
		err := c.Get(ctx, key, &s)
		exists := err == nil
		if err != nil && !apierrors.IsNotFound(err) {
			return bundle{}, fmt.Errorf("read secret %s: %w", key, err)
		}
		var stored bundle
		if exists {
			stored = bundle{ca: s.Data[caKey], caKey: s.Data[caPrivateKey], cert: s.Data[corev1.TLSCertKey], key: s.Data[corev1.TLSPrivateKeyKey]}
			if usable(stored, hosts, now, lt.renewBefore) {
				return stored, nil
			}
		}
		b, err := next(stored, exists)
		if err != nil {
			return bundle{}, err
		}
		s.Name, s.Namespace, s.Type = key.Name, key.Namespace, corev1.SecretTypeTLS
		s.Data = map[string][]byte{caKey: b.ca, caPrivateKey: b.caKey, corev1.TLSCertKey: b.cert, corev1.TLSPrivateKeyKey: b.key}
		if exists {
			err = c.Update(ctx, &s) // fails on a conflict if another replica wrote since the read
		} else {
			err = c.Create(ctx, &s)
		}
		switch {
		case err == nil:
			return b, nil
		case apierrors.IsAlreadyExists(err) || apierrors.IsConflict(err):
			continue // another replica stored one first: use it
		default:
			return bundle{}, fmt.Errorf("store secret %s: %w", key, err)
		}
	}
	return bundle{}, fmt.Errorf("secret %s: replicas kept replacing each other's certificate", key)
}

// usable reports whether a bundle is complete (with the CA's key, to
// renew it), its serving certificate signed by its CA, names every host
// and stays valid beyond renewBefore.
func usable(b bundle, hosts []string, now time.Time, renewBefore time.Duration) bool {
	ca, _, err := b.signer()
	if err != nil {
		return false
	}
	if _, err := tls.X509KeyPair(b.cert, b.key); err != nil {
		return false
	}
	cert, err := b.leaf()
	if err != nil || now.Add(renewBefore).After(cert.NotAfter) {
		return false
	}
	if _, err := cert.Verify(x509.VerifyOptions{Roots: poolOf(ca), CurrentTime: now}); err != nil {
		return false
	}
	for _, h := range hosts {
		if cert.VerifyHostname(h) != nil {
			return false
		}
	}
	return true
}

func poolOf(ca *x509.Certificate) *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(ca)
	return p
}
