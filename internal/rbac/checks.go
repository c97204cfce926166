package rbac

import "github.com/bulkhead-dev/bulkhead/internal/finding"

// Check is one API isolation check: its ID, the range of severities its
// findings take, and what it means in a line. docs/checks/api.md documents
// each; TestChecksMatchDocs holds the two, and the findings emitted, in
// step.
type Check struct {
	ID       string
	Min, Max finding.Severity
	Title    string
}

// Checks are the API isolation checks, by ID.
var Checks = []Check{
	{IDCrossTenant, finding.Medium, finding.Critical, "a tenant's subject is granted access in another tenant's namespace"},
	{IDEveryTenant, finding.Medium, finding.Critical, "a ClusterRoleBinding grants namespaced access in every tenant's namespaces"},
	{IDBroadGroup, finding.High, finding.Critical, "a grant to a group every identity of a kind is in"},
	{IDDangerous, finding.Medium, finding.Critical, "a dangerous permission of the catalogue held by a non-system subject"},
	{IDLatentBinding, finding.Low, finding.Low, "a binding to a role that does not exist"},
	{IDBindEscalation, finding.High, finding.Critical, "bind or escalate lets a subject grant itself permissions it lacks"},
	{IDSharedIdentity, finding.Medium, finding.Medium, "a user or group bound in the namespaces of several tenants"},
}
