package tenancy

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
)

// check finds the mistakes of a configuration against the namespaces it
// groups: errors where the configuration cannot mean what it says, and
// warnings (kept in t.warnings) where it probably does not.
func (t *Tenancy) check(snap *snapshot.Snapshot, nss []*corev1.Namespace) error {
	var errs []error
	errs = append(errs, t.checkSystemPlatform()...)
	if t.cfg.Label != "" && !t.cfg.Live {
		errs = append(errs, t.checkLabel(snap))
	}
	if t.cfg.File != nil {
		errs = append(errs, t.checkListed()...)
		errs = append(errs, t.checkClaims(nss)...)
		t.warnUnmatched(nss)
	}
	t.warnPlatformUnmatched(nss)
	return errors.Join(errs...)
}

// checkSystemPlatform: a namespace is either system or platform, not both.
func (t *Tenancy) checkSystemPlatform() []error {
	var errs []error
	for _, n := range slices.Sorted(maps.Keys(t.system)) {
		if matchAny(t.platform, n) {
			errs = append(errs, fmt.Errorf("namespace %q is declared both system and platform", n))
		}
	}
	return errs
}

// checkLabel: a tenant label that no namespace carries groups nothing, so
// it is a typo or the wrong cluster.
func (t *Tenancy) checkLabel(snap *snapshot.Snapshot) error {
	for i := range snap.Namespaces {
		if _, ok := snap.Namespaces[i].Labels[t.cfg.Label]; ok {
			return nil
		}
	}
	return fmt.Errorf("tenant label %q: no namespace carries it (%d namespaces in the input)", t.cfg.Label, len(snap.Namespaces))
}

// checkListed: a tenant that lists a system or platform namespace by name
// asks for what cannot be: that namespace belongs to the cluster or the
// platform tenant.
func (t *Tenancy) checkListed() []error {
	var errs []error
	for _, ts := range t.cfg.File.Tenants {
		for _, n := range ts.Namespaces {
			switch {
			case isGlob(n):
			case t.system[n]:
				errs = append(errs, fmt.Errorf("tenant %q lists namespace %q, which is a system namespace (tenant %q)", ts.Name, n, Cluster))
			case matchAny(t.platform, n):
				errs = append(errs, fmt.Errorf("tenant %q lists namespace %q, which is a platform namespace (tenant %q)", ts.Name, n, Platform))
			}
		}
	}
	return errs
}

// checkClaims: a namespace claimed by two tenants of the file has no
// tenant. A glob or selector reaching a system or platform namespace is
// only a warning: the namespace stays where it was declared.
func (t *Tenancy) checkClaims(nss []*corev1.Namespace) []error {
	var errs []error
	for _, ns := range nss {
		var by []string
		for i := range t.cfg.File.Tenants {
			ts := &t.cfg.File.Tenants[i]
			if ts.claims(ns) {
				by = append(by, fmt.Sprintf("%q (%s)", ts.Name, ts.how(ns)))
			}
		}
		switch {
		case len(by) == 0:
		case t.system[ns.Name] || matchAny(t.platform, ns.Name):
			owner := Cluster
			if !t.system[ns.Name] {
				owner = Platform
			}
			t.warnings = append(t.warnings, fmt.Sprintf("tenant %s matches namespace %q, which stays in tenant %q", strings.Join(by, " and tenant "), ns.Name, owner))
		case len(by) > 1:
			claims := "tenants " + strings.Join(by, " and ")
			if !t.cfg.Live {
				errs = append(errs, fmt.Errorf("namespace %q is claimed by %s", ns.Name, claims))
				break
			}
			if t.contested == nil {
				t.contested = map[string]string{}
			}
			t.contested[ns.Name] = claims
			t.warnings = append(t.warnings, fmt.Sprintf("namespace %q is claimed by %s", ns.Name, claims))
		}
	}
	return errs
}

// warnUnmatched warns of every namespace entry and selector of the file
// that matches no namespace of the input.
func (t *Tenancy) warnUnmatched(nss []*corev1.Namespace) {
	for i := range t.cfg.File.Tenants {
		ts := &t.cfg.File.Tenants[i]
		for _, g := range ts.Namespaces {
			if !anyNamespace(nss, func(ns *corev1.Namespace) bool { return matchAny([]string{g}, ns.Name) }) {
				t.warnings = append(t.warnings, fmt.Sprintf("tenants file: tenant %q: namespace %q matches no namespace", ts.Name, g))
			}
		}
		if ts.selector != nil && !anyNamespace(nss, ts.selects) {
			t.warnings = append(t.warnings, fmt.Sprintf("tenants file: tenant %q: selector %s matches no namespace", ts.Name, ts.selector))
		}
	}
}

// warnPlatformUnmatched warns of every platform entry that matches no
// namespace of the input.
func (t *Tenancy) warnPlatformUnmatched(nss []*corev1.Namespace) {
	for _, g := range t.platform {
		if !anyNamespace(nss, func(ns *corev1.Namespace) bool { return matchAny([]string{g}, ns.Name) }) {
			t.warnings = append(t.warnings, fmt.Sprintf("platform namespace %q matches no namespace", g))
		}
	}
}

func anyNamespace(nss []*corev1.Namespace, f func(*corev1.Namespace) bool) bool {
	for _, ns := range nss {
		if f(ns) {
			return true
		}
	}
	return false
}
