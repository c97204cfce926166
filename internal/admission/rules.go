package admission

import (
	"github.com/bulkhead-dev/bulkhead/internal/finding"
	"github.com/bulkhead-dev/bulkhead/internal/netpol"
	"github.com/bulkhead-dev/bulkhead/internal/node"
	"github.com/bulkhead-dev/bulkhead/internal/rbac"
	"github.com/bulkhead-dev/bulkhead/internal/service"
)

// IDs of the rules only admission judges: they are about a change, not
// about a state of the cluster, so the audit never reports them
// (docs/webhook.md).
const (
	// IDTenantChange: a Namespace is moved from one tenant to another by
	// a label change (or created into a tenant other than its creator's).
	IDTenantChange = "BH-ADM-001"
	// IDUnresolved: the tenant of the request's namespace cannot be
	// resolved; the request is denied, never waved through
	// (CVE-2025-55205 fell through to allow).
	IDUnresolved = "BH-ADM-002"
	// IDAdminAllow: an AdminNetworkPolicy or BaselineAdminNetworkPolicy
	// allows traffic between namespaces of different tenants, over their
	// NetworkPolicies.
	IDAdminAllow = "BH-ADM-003"
)

// Rule is a rule the webhook judges: its ID, title and the mode it has
// when the configuration does not set one.
type Rule struct {
	ID    string
	Title string
	// Default is the rule's mode without configuration.
	Default Mode
	// Fixed rules cannot be set below enforce: a safety property, not a
	// policy.
	Fixed bool
}

// admissionRules are the rules of admission alone, documented in
// docs/webhook.md.
var admissionRules = []Rule{
	{ID: IDTenantChange, Title: "A namespace is moved into another tenant", Default: Enforce},
	{ID: IDUnresolved, Title: "The tenant of a namespace cannot be resolved", Default: Enforce, Fixed: true},
	{ID: IDAdminAllow, Title: "An admin network policy allows traffic between tenants", Default: Enforce},
}

// defaults are the modes of the engines' rules that the webhook judges.
// Rules whose findings a tenant's ordinary work raises warn (a tenant's
// own service account allowed to create pods, node ports) or, when nearly
// every pod raises them (NET_RAW kept, which only weakens isolation), are
// audited; those that open a path to another tenant or to the node deny.
var defaults = map[string]Mode{
	node.IDNodeEscape:          Enforce,
	node.IDHostAccess:          Enforce,
	node.IDWeakened:            Audit,
	node.IDRelabel:             Enforce,
	rbac.IDCrossTenant:         Enforce,
	rbac.IDEveryTenant:         Enforce,
	rbac.IDBroadGroup:          Enforce,
	rbac.IDDangerous:           Warn,
	rbac.IDLatentBinding:       Warn,
	service.IDExternalIPs:      Enforce,
	service.IDExternalName:     Enforce,
	service.IDNodePort:         Warn,
	netpol.IDCrossTenant:       Enforce,
	netpol.IDAllNamespaces:     Enforce,
	service.IDIngressHost:      Enforce,
	service.IDForeignEndpoints: Enforce,
}

// Rules lists every rule the webhook judges, by ID: the engines' rules
// with their registered titles, and admission's own.
func Rules() []Rule {
	out := append([]Rule(nil), admissionRules...)
	for id, m := range defaults {
		r, ok := finding.RuleOf(id)
		if !ok {
			continue // a test holds defaults to the registry
		}
		out = append(out, Rule{ID: id, Title: r.Title, Default: m})
	}
	sortRules(out)
	return out
}

// ruleOf returns the webhook rule of an ID.
func ruleOf(id string) (Rule, bool) {
	for _, r := range admissionRules {
		if r.ID == id {
			return r, true
		}
	}
	if m, ok := defaults[id]; ok {
		r, _ := finding.RuleOf(id)
		return Rule{ID: id, Title: r.Title, Default: m}, true
	}
	return Rule{}, false
}
