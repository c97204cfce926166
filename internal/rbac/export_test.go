package rbac

import rbacv1 "k8s.io/api/rbac/v1"

// Covers exposes covers to the external tests.
var Covers = covers

// CoversIndexed is covers with the owner rules indexed however few they
// are: empty rules, which cover nothing, pad them to the index threshold.
func CoversIndexed(owner, servant []rbacv1.PolicyRule) bool {
	padded := append(append([]rbacv1.PolicyRule(nil), owner...), make([]rbacv1.PolicyRule, indexFrom)...)
	return newCoverer(padded).covers(servant)
}

// CoversSplit is covers with the owner rules split in two parts at cut.
func CoversSplit(owner, servant []rbacv1.PolicyRule, cut int) bool {
	return coverage{newCoverer(owner[:cut]), newCoverer(owner[cut:])}.covers(servant)
}
