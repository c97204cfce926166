// Package tenancy decides which tenant each namespace belongs to. By default
// every non-system namespace is a tenant of its own; a label key can group
// namespaces by the label's value, and a tenants file can name tenants by
// namespace names, globs or label selectors. System namespaces form the
// "cluster" tenant; platform namespaces (monitoring, ingress controllers,
// cert-manager, Argo CD, declared by the user) form the "platform" tenant,
// whose power is expected and is reported as platform exposure rather than
// as a breach between tenants.
//
// Mistakes in the configuration are never silent: a namespace claimed by
// two tenants, a tenant listing a system or platform namespace, and a
// tenant label no namespace carries are errors; an entry of the tenants
// file that matches no namespace is a warning.
package tenancy
