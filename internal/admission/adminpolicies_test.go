package admission

import (
	"fmt"
	"testing"
)

// adminPolicy is an AdminNetworkPolicy with a subject and rules as YAML
// indented by two spaces.
func adminPolicyOf(name, subject, rules string) string {
	return fmt.Sprintf("apiVersion: policy.networking.k8s.io/v1alpha1\nkind: AdminNetworkPolicy\nmetadata: {name: %s}\nspec:\n  priority: 10\n  subject: %s\n%s", name, subject, rules)
}

func baselinePolicyOf(subject, rules string) string {
	return fmt.Sprintf("apiVersion: policy.networking.k8s.io/v1alpha1\nkind: BaselineAdminNetworkPolicy\nmetadata: {name: default}\nspec:\n  subject: %s\n%s", subject, rules)
}

const (
	tenantA      = `{namespaces: {matchLabels: {bulkhead.dev/tenant: a}}}`
	everyNS      = `{namespaces: {}}`
	fromTenantBA = `  ingress:
  - {name: b-in, action: Allow, from: [{namespaces: {matchLabels: {bulkhead.dev/tenant: b}}}]}
`
	fromAll = `  ingress:
  - {name: all, action: Allow, from: [{namespaces: {}}]}
`
	denyAll = `  ingress:
  - {name: none, action: Deny, from: [{namespaces: {}}]}
  egress:
  - {name: pass, action: Pass, to: [{namespaces: {}}]}
`
	fromOwn = `  ingress:
  - {name: own, action: Allow, from: [{namespaces: {matchLabels: {bulkhead.dev/tenant: a}}}]}
`
	fromPlatformNS = `  ingress:
  - {name: ingress, action: Allow, from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: ingress-nginx}}}]}
`
	toTenantBPods = `  egress:
  - {name: db, action: Allow, to: [{pods: {namespaceSelector: {matchLabels: {bulkhead.dev/tenant: b}}, podSelector: {matchLabels: {app: db}}}}], ports: [{portNumber: {protocol: TCP, port: 5432}}]}
  - {name: net, action: Allow, to: [{networks: [10.0.0.0/8]}]}
`
)

// TestAdminPolicies: an Allow rule of an AdminNetworkPolicy or
// BaselineAdminNetworkPolicy between different tenants' namespaces is
// denied by default, warned about when the configuration says so; Deny,
// Pass, and Allow within a tenant or from the platform pass.
func TestAdminPolicies(t *testing.T) {
	a := grantsFixture(t, Config{})
	cases := []decideCase{
		{"ANP allowing tenant b into tenant a", request(Create, decode(t, adminPolicyOf("b-into-a", tenantA, fromTenantBA)), nil), false, []string{IDAdminAllow}},
		{"ANP allowing every namespace into every namespace", request(Create, decode(t, adminPolicyOf("open", everyNS, fromAll)), nil), false, []string{IDAdminAllow}},
		{"ANP allowing tenant a's pods to tenant b's", request(Create, decode(t, adminPolicyOf("a-to-b-db", `{pods: {namespaceSelector: {matchLabels: {bulkhead.dev/tenant: a}}, podSelector: {}}}`, toTenantBPods)), nil), false, []string{IDAdminAllow}},
		{"BANP allowing every namespace into tenant a", request(Create, decode(t, baselinePolicyOf(tenantA, fromAll)), nil), false, []string{IDAdminAllow}},
		{"ANP denying and passing", request(Create, decode(t, adminPolicyOf("deny", everyNS, denyAll)), nil), true, nil},
		{"ANP allowing within tenant a", request(Create, decode(t, adminPolicyOf("own", tenantA, fromOwn)), nil), true, nil},
		{"ANP allowing the platform into every namespace", request(Create, decode(t, adminPolicyOf("platform", everyNS, fromPlatformNS)), nil), true, nil},
		{"update of an ANP that allowed already", request(Update, decode(t, adminPolicyOf("open", everyNS, fromAll)), decode(t, adminPolicyOf("open", everyNS, fromAll))), true, nil},
	}
	decideAll(t, a, "adminpolicies.txt", cases)

	warn := grantsFixture(t, Config{Rules: map[string]Mode{IDAdminAllow: Warn}})
	d := warn.Decide(request(Create, decode(t, adminPolicyOf("open", everyNS, fromAll)), nil))
	if !d.Allowed || len(d.Warnings) != 1 {
		t.Errorf("in warn mode: allowed %v, warnings %q; want admitted with one warning", d.Allowed, d.Warnings)
	}
}
