// Package tenancy decides which tenant each namespace belongs to. By default
// every non-system namespace is a tenant of its own; a label key can group
// namespaces by the label's value, and a tenants file can name tenants by
// namespace names, globs or label selectors. System namespaces form the
// "cluster" tenant.
package tenancy
