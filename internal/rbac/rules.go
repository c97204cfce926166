package rbac

import "github.com/bulkhead-dev/bulkhead/internal/finding"

// Finding IDs of the API isolation checks (docs/checks/api.md).
const (
	IDCrossTenant    = "BH-API-001"
	IDEveryTenant    = "BH-API-002"
	IDBroadGroup     = "BH-API-003"
	IDDangerous      = "BH-API-004"
	IDLatentBinding  = "BH-API-005"
	IDBindEscalation = "BH-API-006"
	IDSharedIdentity = "BH-API-007"
)

const apiDoc = "docs/checks/api.md"

// The rules of the API isolation checks. Every rule but BH-API-005 and
// BH-API-007 grades its findings: a finding takes the severity of the most
// dangerous permission it grants (catalogue.go) when that is above the
// rule's, up to its Check's Max.
var (
	ruleCrossTenant = finding.Rule{ID: IDCrossTenant, Category: finding.API, Severity: finding.Medium, Graded: true, Doc: apiDoc,
		Title: "A tenant's subject is granted access in another tenant's namespace"}
	ruleEveryTenant = finding.Rule{ID: IDEveryTenant, Category: finding.API, Severity: finding.Medium, Graded: true, Doc: apiDoc,
		Title: "A ClusterRoleBinding grants namespaced access in every tenant's namespaces"}
	// ruleBroadGroup is critical for system:unauthenticated and
	// system:anonymous.
	ruleBroadGroup = finding.Rule{ID: IDBroadGroup, Category: finding.API, Severity: finding.High, Graded: true, Doc: apiDoc,
		Title: "A grant to a group every identity of a kind is in"}
	ruleDangerous = finding.Rule{ID: IDDangerous, Category: finding.API, Severity: finding.Medium, Graded: true, Doc: apiDoc,
		Title: "A dangerous permission of the catalogue held by a non-system subject"}
	ruleLatentBinding = finding.Rule{ID: IDLatentBinding, Category: finding.API, Severity: finding.Low, Doc: apiDoc,
		Title: "A binding to a role that does not exist"}
	// ruleBindEscalation is critical cluster-wide (through a
	// ClusterRoleBinding).
	ruleBindEscalation = finding.Rule{ID: IDBindEscalation, Category: finding.API, Severity: finding.High, Graded: true, Doc: apiDoc,
		Title: "Bind or escalate lets a subject grant itself permissions it lacks"}
	ruleSharedIdentity = finding.Rule{ID: IDSharedIdentity, Category: finding.API, Severity: finding.Medium, Doc: apiDoc,
		Title: "A user or group bound in the namespaces of several tenants"}
)

// Check is one API isolation check: its rule, the lowest severity its
// findings take, and the highest. docs/checks/api.md gives each as
// "min–max"; TestChecksMatchDocs holds the two, and the findings emitted,
// in step.
type Check struct {
	finding.Rule
	Min, Max finding.Severity
}

// Checks are the API isolation checks, by ID. BH-API-001 is low below its
// usual medium for a grant of events and leader-election leases alone
// (coordinationOnly).
var Checks = []Check{
	{ruleCrossTenant, finding.Low, finding.Critical},
	{ruleEveryTenant, ruleEveryTenant.Severity, finding.Critical},
	{ruleBroadGroup, ruleBroadGroup.Severity, finding.Critical},
	{ruleDangerous, ruleDangerous.Severity, finding.Critical},
	{ruleLatentBinding, ruleLatentBinding.Severity, finding.Low},
	{ruleBindEscalation, ruleBindEscalation.Severity, finding.Critical},
	{ruleSharedIdentity, ruleSharedIdentity.Severity, finding.Medium},
}

func init() {
	for _, c := range Checks {
		finding.Register(c.Rule)
	}
}
