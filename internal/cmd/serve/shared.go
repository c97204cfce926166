package serve

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// caKey is the Secret key of the CA's certificate (cert-manager's name).
const caKey = "ca.crt"

// renewBefore is how long before its expiry a shared certificate is
// replaced at start-up.
const renewBefore = 30 * 24 * time.Hour

// sharedCertificate returns the serving certificate every replica of the
// webhook uses, kept in a Secret: the one there while it is valid for
// hosts and for more than renewBefore, else a new one, stored. Replicas
// starting together race to store theirs; the loser reads the winner's,
// so that the API server's caBundle trusts every replica.
func sharedCertificate(ctx context.Context, c client.Client, key client.ObjectKey, hosts []string, now time.Time) (bundle, error) {
	for range 3 {
		var s corev1.Secret
		err := c.Get(ctx, key, &s)
		exists := err == nil
		if err != nil && !apierrors.IsNotFound(err) {
			return bundle{}, fmt.Errorf("read secret %s: %w", key, err)
		}
		if exists {
			b := bundle{ca: s.Data[caKey], cert: s.Data[corev1.TLSCertKey], key: s.Data[corev1.TLSPrivateKeyKey]}
			if usable(b, hosts, now) {
				return b, nil
			}
		}
		b, err := selfSigned(hosts, now)
		if err != nil {
			return bundle{}, err
		}
		s.Name, s.Namespace, s.Type = key.Name, key.Namespace, corev1.SecretTypeTLS
		s.Data = map[string][]byte{caKey: b.ca, corev1.TLSCertKey: b.cert, corev1.TLSPrivateKeyKey: b.key}
		if exists {
			err = c.Update(ctx, &s)
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

// usable reports whether a stored bundle is complete, names every host
// and stays valid beyond renewBefore.
func usable(b bundle, hosts []string, now time.Time) bool {
	if len(b.ca) == 0 || len(b.key) == 0 {
		return false
	}
	block, _ := pem.Decode(b.cert)
	if block == nil {
		return false
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil || now.Add(renewBefore).After(cert.NotAfter) {
		return false
	}
	for _, h := range hosts {
		if cert.VerifyHostname(h) != nil {
			return false
		}
	}
	return true
}
