package rbac

import (
	"slices"
	"strings"
	"sync"

	rbacv1 "k8s.io/api/rbac/v1"

	"github.com/bulkhead-dev/bulkhead/internal/finding"
)

// Capability is one dangerous permission of the catalogue in DESIGN.md
// ("Dangerous verbs"), with what it lets its holder do.
type Capability struct {
	// Name is short and stable: "impersonate", "nodes/proxy", ...
	Name string
	// Effect says what the holder can do with it, in the scope it holds it.
	Effect   string
	Severity finding.Severity
	// Boundary is true when the permission breaks tenant isolation even
	// inside the holder's own tenant (relabelling its namespace, reaching
	// nodes, granting itself more); false when it is dangerous only where
	// the holder is not supposed to act (reading secrets of another tenant).
	Boundary bool
	// Cluster is true for cluster-scoped permissions, which only a
	// ClusterRoleBinding grants.
	Cluster bool
	// Probes are requests (verb, group, resource, subresource) any of which
	// holding grants the capability; AllOf, when set, must all be held.
	Probes []Probe
	AllOf  bool
	// AnyName is set when the danger is acting as any identity of a kind:
	// a rule limited to named objects does not hold the capability (it
	// lends only the named identities' permissions, which the attack
	// graph follows; see NamedImpersonation).
	AnyName bool
	// With, when set, are requests one of which must be held beside the
	// Probes: "create secrets" mints tokens only with a way to read them.
	With []Probe
	// Signer, when set, is the certificate signer whose approval must be
	// held beside (ApprovesSigner).
	Signer string
}

// Probe is a request shape without a name or namespace.
type Probe struct {
	Verb, APIGroup, Resource, Subresource string
}

func probes(verbs []string, group string, resources ...string) []Probe {
	var out []Probe
	for _, r := range resources {
		res, sub := r, ""
		if i := strings.IndexByte(r, '/'); i >= 0 {
			res, sub = r[:i], r[i+1:]
		}
		for _, v := range verbs {
			out = append(out, Probe{Verb: v, APIGroup: group, Resource: res, Subresource: sub})
		}
	}
	return out
}

var writeVerbs = []string{"create", "update", "patch"}

// Catalogue is the dangerous-permission catalogue, most severe first.
var Catalogue = []Capability{
	{Name: "*/*/*", Effect: "do anything to any resource (cluster-admin in its scope)", Severity: finding.Critical, Boundary: true,
		Probes: []Probe{{Verb: "*", APIGroup: "*", Resource: "*"}}},
	{Name: "impersonate users or groups", Effect: "act as any user or group, system:masters included, and so do anything (cluster-admin)", Severity: finding.Critical, Boundary: true, Cluster: true,
		Probes: probes([]string{"impersonate"}, "", "users", "groups"), AnyName: true},
	{Name: "impersonate every serviceaccount", Effect: "act as every service account of every namespace, the control plane's controllers in the system namespaces included, and so hold their permissions", Severity: finding.Critical, Boundary: true, Cluster: true,
		Probes: probes([]string{"impersonate"}, "", "serviceaccounts"), AnyName: true},
	{Name: "nodes/proxy", Effect: "run commands in every pod of every node through the kubelet API (get alone is enough)", Severity: finding.Critical, Boundary: true, Cluster: true,
		Probes: probes([]string{"get", "create"}, "", "nodes/proxy")},
	{Name: "csr create+approve", Effect: "issue itself client certificates (signer kubernetes.io/kube-apiserver-client, whose approval it holds) for any user and group but system:masters, which the CertificateSubjectRestriction admission plugin refuses: the names and groups of the cluster's administrators among them", Severity: finding.Critical, Boundary: true, Cluster: true,
		Probes: probes([]string{"create"}, "certificates.k8s.io", "certificatesigningrequests"),
		With:   probes([]string{"update", "patch"}, "certificates.k8s.io", "certificatesigningrequests/approval"), Signer: ClientSigner},
	{Name: "node csr create+approve", Effect: "issue itself client certificates as any node (signer kubernetes.io/kube-apiserver-client-kubelet, whose approval it holds: user system:node:NAME in group system:nodes), so that the Node authorizer hands it the service-account tokens and secrets of the pods bound to whichever node it names", Severity: finding.High, Boundary: true, Cluster: true,
		Probes: probes([]string{"create"}, "certificates.k8s.io", "certificatesigningrequests"),
		With:   probes([]string{"update", "patch"}, "certificates.k8s.io", "certificatesigningrequests/approval"), Signer: NodeClientSigner},
	{Name: "mutating admission write", Effect: "register mutating webhooks or policies that rewrite any object sent to the API server, such as injecting a privileged container into another tenant's pods (as good as cluster-admin)", Severity: finding.Critical, Boundary: true, Cluster: true,
		Probes: probes(writeVerbs, "admissionregistration.k8s.io", "mutatingwebhookconfigurations", "mutatingadmissionpolicies", "mutatingadmissionpolicybindings")},
	{Name: "validating admission write", Effect: "register validating webhooks that are sent every admitted object (other tenants' secrets included) and may deny any request, or change and delete the validating webhooks and policies that keep tenants apart; it cannot rewrite objects", Severity: finding.High, Boundary: true, Cluster: true,
		Probes: probes([]string{"create", "update", "patch", "delete"}, "admissionregistration.k8s.io", "validatingwebhookconfigurations", "validatingadmissionpolicies", "validatingadmissionpolicybindings")},
	{Name: "bind", Effect: "bind roles it does not hold, granting itself their permissions", Severity: finding.High, Boundary: true,
		Probes: probes([]string{"bind"}, "rbac.authorization.k8s.io", "roles", "clusterroles")},
	{Name: "escalate", Effect: "write roles with permissions it does not hold", Severity: finding.High, Boundary: true,
		Probes: probes([]string{"escalate"}, "rbac.authorization.k8s.io", "roles", "clusterroles")},
	{Name: "namespaces write", Effect: "relabel the namespace, defeating Pod Security admission and every namespaceSelector that trusts its labels", Severity: finding.High, Boundary: true,
		Probes: probes([]string{"patch", "update"}, "", "namespaces")},
	{Name: "customresourcedefinitions write", Effect: "change or delete the schema of every tenant's custom resources", Severity: finding.High, Boundary: true, Cluster: true,
		Probes: probes([]string{"create", "update", "patch", "delete"}, "apiextensions.k8s.io", "customresourcedefinitions")},
	{Name: "persistentvolumes create", Effect: "mount any host path of a node through a hostPath PersistentVolume", Severity: finding.High, Boundary: true, Cluster: true,
		Probes: probes([]string{"create"}, "", "persistentvolumes")},
	{Name: "serviceaccounts/token create", Effect: "mint tokens of the service accounts and act as them", Severity: finding.High,
		Probes: probes([]string{"create"}, "", "serviceaccounts/token")},
	{Name: "impersonate serviceaccounts", Effect: "act as the service accounts of the namespace (a RoleBinding grants no other impersonation), and so hold their permissions", Severity: finding.High,
		Probes: probes([]string{"impersonate"}, "", "serviceaccounts")},
	{Name: "secrets create+read", Effect: "mint a token of any service account of the namespace, by creating a Secret of type kubernetes.io/service-account-token for it and reading the token the control plane writes in, and so act as it", Severity: finding.High,
		Probes: probes([]string{"create"}, "", "secrets"), With: probes([]string{"get", "list", "watch"}, "", "secrets")},
	{Name: "secrets read", Effect: "read secrets, service-account tokens and credentials included", Severity: finding.High,
		Probes: probes([]string{"get", "list", "watch"}, "", "secrets")},
	{Name: "pods create", Effect: "run pods as any service account of the namespace, and so hold its permissions and mount its secrets", Severity: finding.High,
		Probes: append(append(probes([]string{"create"}, "", "pods"), probes(writeVerbs, "", "replicationcontrollers")...),
			append(probes(writeVerbs, "apps", "deployments", "daemonsets", "statefulsets", "replicasets"), probes(writeVerbs, "batch", "jobs", "cronjobs")...)...)},
	{Name: "pods exec", Effect: "run commands in, attach to, forward ports of or add debug containers to running pods", Severity: finding.High,
		Probes: append(probes([]string{"create", "get"}, "", "pods/exec", "pods/attach", "pods/portforward", "pods/proxy"),
			probes([]string{"update", "patch"}, "", "pods/ephemeralcontainers")...)},
	{Name: "pods update", Effect: "replace the image of a running pod's container (a field the API server lets change, and Pod Security does not judge), and so run code as the pod, with its service account's token", Severity: finding.High,
		Probes: probes([]string{"update", "patch"}, "", "pods")},
	{Name: "services/proxy", Effect: "reach the pods behind any service through the API server, bypassing NetworkPolicy", Severity: finding.Medium,
		Probes: probes([]string{"get", "create"}, "", "services/proxy")},
}

// Held is a capability held through one rule of a role.
type Held struct {
	Capability *Capability
	RuleIndex  int
}

// Rules lists the rules of the role a held capability stands on: the rule
// of its probe, then that of a request it needs beside it (With) and of
// the client signer's approval, each once.
func (h Held) Rules(r *Role) []int {
	out := []int{h.RuleIndex}
	add := func(i int) {
		if i >= 0 && !slices.Contains(out, i) {
			out = append(out, i)
		}
	}
	for _, p := range h.Capability.With {
		if i := firstRule(r, p, h.Capability.AnyName); i >= 0 {
			add(i)
			break
		}
	}
	if h.Capability.Signer != "" {
		add(ApprovesSigner(r, h.Capability.Signer))
	}
	return out
}

// StartsPods reports whether the capability lets its holder start pods of
// its choice: pods create (pods or any pod controller), or everything.
func (h Held) StartsPods() bool {
	return h.Capability.Name == "pods create" || h.Capability.Name == "*/*/*"
}

// roleFact is what is found of one role in one scope, each part once.
type roleFact struct {
	held, summary sync.Once
	h             []Held
	s             string
}

// fact returns the memo of a role in a scope.
func (a *Authorizer) fact(r *Role, cluster bool) *roleFact {
	a.roleFacts.Lock()
	defer a.roleFacts.Unlock()
	if a.roleFacts.m == nil {
		a.roleFacts.m = map[capKey]*roleFact{}
	}
	k := capKey{r, cluster}
	f := a.roleFacts.m[k]
	if f == nil {
		f = &roleFact{}
		a.roleFacts.m[k] = f
	}
	return f
}

// Held is Capabilities, found once per role and scope for the
// authorizer: roles do not change once indexed. Callers must not change
// the result.
func (a *Authorizer) Held(r *Role, cluster bool) []Held {
	f := a.fact(r, cluster)
	f.held.Do(func() { f.h = Capabilities(r, cluster) })
	return f.h
}

// summary is summarise of a role's rules, found once per role and scope.
func (a *Authorizer) summary(r *Role, cluster bool) string {
	f := a.fact(r, cluster)
	f.summary.Do(func() { f.s = summarise(r.Rules, cluster) })
	return f.s
}

// Capabilities returns the capabilities a role's rules give in a scope:
// cluster is true for a ClusterRoleBinding, false for a RoleBinding (which
// grants no cluster-scoped permission). Names are ignored but for the
// capabilities of acting as anyone (AnyName): a rule limited to some
// objects still grants the capability on them.
func Capabilities(r *Role, cluster bool) []Held {
	var out []Held
	for ci := range Catalogue {
		c := &Catalogue[ci]
		if c.Cluster && !cluster {
			continue
		}
		held, rule := false, -1
		switch {
		case c.Name == "impersonate users or groups":
			rule = impersonatesAnyone(r)
			held = rule >= 0
		case c.AllOf:
			held = true
			for _, p := range c.Probes {
				i := firstRule(r, p, c.AnyName)
				if i < 0 {
					held = false
					break
				}
				if rule < 0 {
					rule = i
				}
			}
		default:
			for _, p := range c.Probes {
				if i := firstRule(r, p, c.AnyName); i >= 0 {
					held, rule = true, i
					break
				}
			}
		}
		if held && c.Signer != "" {
			// The CertificateApproval admission plugin wants approve on
			// the signer too: a role approving kubelet-serving
			// certificates only issues no client certificate.
			held = ApprovesSigner(r, c.Signer) >= 0
		}
		if held && len(c.With) > 0 {
			held = slices.ContainsFunc(c.With, func(p Probe) bool { return firstRule(r, p, c.AnyName) >= 0 })
		}
		if held {
			out = append(out, Held{Capability: c, RuleIndex: rule})
		}
	}
	// "*/*/*" already says everything: drop the rest.
	if len(out) > 1 && out[0].Capability.Name == "*/*/*" {
		out = out[:1]
	}
	out = WithoutNodeCertificates(out, func(h Held) string { return h.Capability.Name })
	// Impersonating every service account says more than impersonating
	// those of one namespace.
	if hasCapability(out, "impersonate every serviceaccount") {
		out = slices.DeleteFunc(out, func(h Held) bool { return h.Capability.Name == "impersonate serviceaccounts" })
	}
	return out
}

// WithoutNodeCertificates drops "node csr create+approve" from capabilities
// held together, named by name, when "csr create+approve" is among them:
// client certificates for anyone say more than a node's. A role's
// capabilities (Capabilities) and an account's token powers, held across
// its bindings, are both told so.
func WithoutNodeCertificates[T any](held []T, name func(T) string) []T {
	if !slices.ContainsFunc(held, func(x T) bool { return name(x) == "csr create+approve" }) {
		return held
	}
	return slices.DeleteFunc(held, func(x T) bool { return name(x) == "node csr create+approve" })
}

// CapabilityNamed returns the capability of the catalogue of a name, nil
// for none.
func CapabilityNamed(name string) *Capability {
	for i := range Catalogue {
		if Catalogue[i].Name == name {
			return &Catalogue[i]
		}
	}
	return nil
}

// FirstRule returns the first rule of the role that allows the probe on
// some object (on every object when every is set), or -1; a create of an
// object is never allowed by name.
func FirstRule(r *Role, p Probe, every bool) int { return firstRule(r, p, every) }

// firstRule returns the first rule of the role that allows the probe on
// some object (on every object when every is set), or -1. A create of an
// object (not of a subresource) names none when it is authorized: a rule
// limited to names never allows it.
func firstRule(r *Role, p Probe, every bool) int {
	req := Request{Verb: p.Verb, APIGroup: p.APIGroup, Resource: p.Resource, Subresource: p.Subresource}
	every = every || (p.Verb == "create" && p.Subresource == "")
	for i := range r.Rules {
		rule := &r.Rules[i]
		if len(rule.ResourceNames) > 0 {
			if every {
				continue
			}
			req.Name = rule.ResourceNames[0]
		} else {
			req.Name = ""
		}
		if RuleAllows(&req, rule) {
			return i
		}
	}
	return -1
}

// The signers of client certificates the controller manager signs what is
// approved for: ClientSigner for any user and group (system:masters
// aside), NodeClientSigner for nodes (system:node:NAME in system:nodes).
const (
	ClientSigner     = "kubernetes.io/kube-apiserver-client"
	NodeClientSigner = "kubernetes.io/kube-apiserver-client-kubelet"
)

// SignerApproval is what the CertificateApproval admission plugin asks of
// whoever approves a certificate request for a signer: approve on
// signers, named by the signer's name or its domain's wildcard
// ("kubernetes.io/*"), either.
func SignerApproval(signer string) (Probe, []string) {
	domain, _, _ := strings.Cut(signer, "/")
	return Probe{Verb: "approve", APIGroup: "certificates.k8s.io", Resource: "signers"}, []string{signer, domain + "/*"}
}

// ApprovesSigner returns the first rule of the role that lets its holder
// approve certificate requests for a signer (SignerApproval); -1 for
// none.
func ApprovesSigner(r *Role, signer string) int {
	p, names := SignerApproval(signer)
	for _, name := range names {
		req := Request{Verb: p.Verb, APIGroup: p.APIGroup, Resource: p.Resource, Name: name}
		for i := range r.Rules {
			if RuleAllows(&req, &r.Rules[i]) {
				return i
			}
		}
	}
	return -1
}

// impersonatesAnyone returns the rule through which a role's holder may
// act as cluster-admin by impersonation, or -1: impersonating any user (a
// controller's user among them), or the group system:masters (any group,
// or that one named). The API server takes a group only beside an
// impersonated user (or service account), which the holder may have
// through any of its bindings: a group alone counts.
func impersonatesAnyone(r *Role) int {
	if i := firstRule(r, Probe{Verb: "impersonate", Resource: "users"}, true); i >= 0 {
		return i
	}
	for i := range r.Rules {
		req := Request{Verb: "impersonate", Resource: "groups", Name: SystemMasters}
		if RuleAllows(&req, &r.Rules[i]) {
			return i
		}
	}
	return -1
}

// Impersonated is an identity a role lets its holder impersonate by name,
// and the rule that does.
type Impersonated struct {
	Subject Subject
	Rule    int
}

// NamedImpersonation lists the users and groups (service accounts as
// their users) a role lets its holder impersonate by name, in rule order:
// a ClusterRoleBinding's holder acts with their permissions. A group
// counts although the API server takes it only beside an impersonated
// user: the holder may have one through another binding. Impersonation
// of anyone (unnamed rules) is the catalogue's.
func NamedImpersonation(r *Role) []Impersonated {
	var out []Impersonated
	for i := range r.Rules {
		rule := &r.Rules[i]
		for _, name := range rule.ResourceNames {
			for _, k := range []struct{ resource, kind string }{{"users", rbacv1.UserKind}, {"groups", rbacv1.GroupKind}} {
				if _, _, sa := SplitServiceAccountUser(name); sa && k.kind == rbacv1.UserKind {
					// The API server authorizes impersonating such a user
					// as a service account, against serviceaccounts: a
					// users rule grants nothing there.
					continue
				}
				req := Request{Verb: "impersonate", Resource: k.resource, Name: name}
				s := Subject{Kind: k.kind, Name: name}
				if RuleAllows(&req, rule) &&
					!slices.ContainsFunc(out, func(x Impersonated) bool { return x.Subject == s }) {
					out = append(out, Impersonated{Subject: s, Rule: i})
				}
			}
		}
	}
	return out
}
