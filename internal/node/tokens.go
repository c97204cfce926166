package node

import (
	"fmt"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/bulkhead-dev/bulkhead/internal/finding"
	"github.com/bulkhead-dev/bulkhead/internal/rbac"
	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
	"github.com/bulkhead-dev/bulkhead/internal/tenancy"
)

/*
A pod's service-account token is a file on its node
(/var/lib/kubelet/pods/UID/volumes/kubernetes.io~projected/...): whoever
escapes to the node, or execs into the pod, acts as the service account.
The token is mounted unless the pod, or else its ServiceAccount, sets
automountServiceAccountToken: false; a projected serviceAccountToken
volume mounts it regardless.

	spec.automountServiceAccountToken
	ServiceAccount.automountServiceAccountToken
	spec.volumes[*].projected.sources[*].serviceAccountToken

What the account may do comes from the RBAC engine (internal/rbac): the
dangerous-permission catalogue, checked cluster-wide, in the account's
namespace and in every namespace where a RoleBinding names the account or
one of its groups.
*/

// TokenPower is a dangerous permission of the service account whose token
// a pod mounts.
type TokenPower struct {
	Capability string           `json:"capability"`
	Effect     string           `json:"effect"`
	Severity   finding.Severity `json:"severity"`
	// Namespace is where the permission applies; "" means every namespace
	// and the cluster scope.
	Namespace string `json:"namespace,omitempty"`
	// Witness is the binding → role → rule chain that grants it.
	Witness []finding.Step `json:"witness"`
}

// tokens finds the powers of service accounts, once per account.
type tokens struct {
	authz    *rbac.Authorizer
	accounts map[string]*corev1.ServiceAccount // "ns/name"
	// boundIn lists, per subject ("sa:ns/name" or "group:name"), the
	// namespaces of the RoleBindings that name it.
	boundIn map[string][]string
	cache   map[string][]TokenPower
}

// newTokens returns nil when the snapshot holds no bindings: no account
// has any permission then. authz, when not nil, is the snapshot's
// authorizer, built elsewhere.
func newTokens(snap *snapshot.Snapshot, authz *rbac.Authorizer) *tokens {
	if len(snap.RoleBindings) == 0 && len(snap.ClusterRoleBindings) == 0 {
		return nil
	}
	if authz == nil {
		authz = rbac.NewAuthorizer(snap)
	}
	x := &tokens{authz: authz, accounts: map[string]*corev1.ServiceAccount{}, boundIn: map[string][]string{}, cache: map[string][]TokenPower{}}
	for i := range snap.ServiceAccounts {
		sa := &snap.ServiceAccounts[i]
		x.accounts[sa.Namespace+"/"+sa.Name] = sa
	}
	for _, b := range x.authz.Bindings() {
		if b.Namespace == "" {
			continue
		}
		for _, s := range b.Subjects {
			switch s.Kind {
			case "ServiceAccount":
				ns := s.Namespace
				if ns == "" {
					ns = b.Namespace
				}
				x.boundIn["sa:"+ns+"/"+s.Name] = append(x.boundIn["sa:"+ns+"/"+s.Name], b.Namespace)
			case "Group":
				x.boundIn["group:"+s.Name] = append(x.boundIn["group:"+s.Name], b.Namespace)
			}
		}
	}
	return x
}

// serviceAccountName returns the name of the pod's service account.
func serviceAccountName(p *corev1.Pod) string {
	sa := p.Spec.ServiceAccountName
	if sa == "" {
		sa = p.Spec.DeprecatedServiceAccount
	}
	if sa == "" {
		sa = "default"
	}
	return sa
}

// mounted reports whether the pod mounts the token of its service account
// sa.
func (x *tokens) mounted(p *corev1.Pod, sa string) bool {
	return MountsToken(p, x.accounts[p.Namespace+"/"+sa])
}

// MountsToken reports whether a pod has its service account's token
// mounted: a projected serviceAccountToken volume mounts it regardless;
// otherwise the pod's automountServiceAccountToken decides, else its
// ServiceAccount's (sa, which may be nil when the snapshot lacks it), else
// it is mounted.
func MountsToken(p *corev1.Pod, sa *corev1.ServiceAccount) bool {
	for _, v := range p.Spec.Volumes {
		if v.Projected == nil {
			continue
		}
		for _, src := range v.Projected.Sources {
			if src.ServiceAccountToken != nil {
				return true
			}
		}
	}
	if a := p.Spec.AutomountServiceAccountToken; a != nil {
		return *a
	}
	if sa != nil && sa.AutomountServiceAccountToken != nil {
		return *sa.AutomountServiceAccountToken
	}
	return true
}

// powers returns what the service account may do from the catalogue, most
// severe first, each capability in its widest scope.
func (x *tokens) powers(namespace, name string) []TokenPower {
	key := namespace + "/" + name
	if ps, ok := x.cache[key]; ok {
		return ps
	}
	out := x.compute(namespace, name)
	x.cache[key] = out
	return out
}

// prefetch computes the powers of the accounts whose tokens the pods
// that exist mount, on every core: each account's is its own, and a big
// cluster has tens of thousands.
func (x *tokens) prefetch(snap *snapshot.Snapshot, pods []PodFacts) {
	type account struct{ namespace, name string }
	var todo []account
	seen := map[string]bool{}
	for i := range pods {
		f, p := &pods[i], &snap.Pods[i]
		key := p.Namespace + "/" + f.ServiceAccount
		if seen[key] || !f.Exists() || !x.mounted(p, f.ServiceAccount) {
			continue
		}
		seen[key] = true
		if _, ok := x.cache[key]; !ok {
			todo = append(todo, account{p.Namespace, f.ServiceAccount})
		}
	}
	got := make([][]TokenPower, len(todo))
	parallel(len(todo), func(lo, hi int) {
		for i := lo; i < hi; i++ {
			got[i] = x.compute(todo[i].namespace, todo[i].name)
		}
	})
	for i, a := range todo {
		x.cache[a.namespace+"/"+a.name] = got[i]
	}
}

// compute is what powers returns, without the cache: it only reads.
func (x *tokens) compute(namespace, name string) []TokenPower {
	key := namespace + "/" + name
	user := rbac.ServiceAccountUser(namespace, name)
	groups := rbac.ImpersonatedGroups(user, nil)
	scopeSet := map[string]bool{namespace: true}
	for _, ns := range x.boundIn["sa:"+key] {
		scopeSet[ns] = true
	}
	for _, g := range groups {
		for _, ns := range x.boundIn["group:"+g] {
			scopeSet[ns] = true
		}
	}
	scopes := append([]string{""}, sortedKeys(scopeSet)...)
	// The bindings that apply to the account in a scope are found once
	// for every request of the catalogue there.
	scoped := map[string]*rbac.Scoped{}
	in := func(scope string) *rbac.Scoped {
		s := scoped[scope]
		if s == nil {
			s = x.authz.Scoped(user, groups, scope)
			scoped[scope] = s
		}
		return s
	}
	var out []TokenPower
	for ci := range rbac.Catalogue {
		c := &rbac.Catalogue[ci]
		for _, scope := range scopes {
			if c.Cluster && scope != "" {
				break
			}
			w, ok := holds(in, scope, c)
			if !ok {
				continue
			}
			out = append(out, TokenPower{Capability: c.Name, Effect: c.Effect, Severity: c.Severity, Namespace: scope, Witness: w})
			if scope == "" {
				break // cluster-wide covers every namespace
			}
		}
	}
	return rbac.WithoutNodeCertificates(out, func(p TokenPower) string { return p.Capability })
}

// holds reports whether the user holds the capability in the scope, with
// the witness of the first probe allowed. It asks what the catalogue asks
// of one role (rbac.Capabilities), of everything bound to the user: one of
// the With requests beside the probes, approve on the client signer for
// a certificate capability, and the group system:masters by name for
// impersonation.
//
// in gives the user's authorizer in a scope.
func holds(in func(scope string) *rbac.Scoped, scope string, c *rbac.Capability) ([]finding.Step, bool) {
	witness, ok := allowed(in(scope), c.Probes, c.AllOf)
	if !ok && c.Name == "impersonate users or groups" {
		witness, ok = allowed(in(scope), []rbac.Probe{{Verb: "impersonate", Resource: "groups"}}, false, rbac.SystemMasters)
	}
	if !ok {
		return nil, false
	}
	if len(c.With) > 0 && !allowsSome(in(scope), c.With) {
		return nil, false
	}
	if c.Signer != "" {
		p, names := rbac.SignerApproval(c.Signer)
		if _, signer := allowed(in(""), []rbac.Probe{p}, false, names...); !signer {
			return nil, false
		}
	}
	return witness, true
}

// allowsSome reports whether the user may make one of the requests on
// some object: a rule limited to names counts, as a role's With does in
// the catalogue (the holder creates a secret of that name, then reads it).
func allowsSome(a *rbac.Scoped, probes []rbac.Probe) bool {
	if _, ok := allowed(a, probes, false); ok {
		return true
	}
	for _, acc := range a.RulesFor() {
		for _, p := range probes {
			for _, name := range acc.Rule.ResourceNames {
				req := rbac.Request{Verb: p.Verb, APIGroup: p.APIGroup, Resource: p.Resource, Subresource: p.Subresource, Name: name}
				if rbac.RuleAllows(&req, &acc.Rule) {
					return true
				}
			}
		}
	}
	return false
}

// allowed reports whether the user may make the requests, any of them (all
// of them when all is set), on no object in particular or on one of the
// names given, and the witness of the first allowed.
func allowed(a *rbac.Scoped, probes []rbac.Probe, all bool, names ...string) ([]finding.Step, bool) {
	if len(names) == 0 {
		names = []string{""}
	}
	var witness []finding.Step
	for _, p := range probes {
		var d rbac.Decision
		for _, name := range names {
			if d = a.Authorize(rbac.Request{Verb: p.Verb, APIGroup: p.APIGroup, Resource: p.Resource, Subresource: p.Subresource, Name: name}); d.Allowed {
				break
			}
		}
		switch {
		case d.Allowed && !all:
			if d.By != nil {
				return d.By.Witness(), true
			}
			return nil, true
		case !d.Allowed && all:
			return nil, false
		case d.Allowed && witness == nil && d.By != nil:
			witness = d.By.Witness()
		}
	}
	return witness, all
}

// attackers returns the tenants that can start a privileged pod on any
// node, each with a namespace enforcing no Pod Security level it can start
// pods in: the namespace's own tenant when a pod of it runs or would run
// there (someone of the tenant deploys there, whether or not the snapshot
// names them), and whoever RBAC lets create pods or pod controllers in it
// (a RoleBinding there, or a ClusterRoleBinding for every such namespace):
// the tenant of a service account, the home of a user or group (or, bound
// by a RoleBinding of the namespace, the namespace's tenant), every tenant
// for the broad groups. An empty namespace only the cluster deploys to
// makes no tenant an attacker: power, not presence.
func attackers(r *Result, tok *tokens, ten *tenancy.Tenancy) map[string]string {
	out := map[string]string{}
	var open []string // the namespaces enforcing no level, in order
	openAt := map[string]bool{}
	for i := range r.Namespaces {
		ns := &r.Namespaces[i]
		if !ns.Enforces() && ns.InSnapshot && ns.Tenant != tenancy.Cluster {
			open = append(open, ns.Namespace)
			openAt[ns.Namespace] = true
		}
	}
	if len(open) == 0 {
		return out
	}
	tenantOf := func(ns string) string {
		if ten == nil {
			return ns
		}
		return ten.Of(ns)
	}
	add := func(t, ns string) {
		if _, ok := out[t]; !ok && t != "" && t != tenancy.Cluster {
			out[t] = ns
		}
	}
	runs := map[string]bool{}
	for i := range r.Pods {
		if p := &r.Pods[i]; p.Running && p.Exists() {
			runs[p.Namespace] = true
		}
	}
	for _, ns := range open {
		if runs[ns] {
			add(tenantOf(ns), ns)
		}
	}
	if tok == nil || ten == nil {
		return out
	}
	creates := map[*rbac.Role][2]bool{} // by role: [in a RoleBinding, in a ClusterRoleBinding]
	grants := func(role *rbac.Role, cluster bool) bool {
		c, ok := creates[role]
		if !ok {
			for k, scope := range [2]bool{false, true} {
				for _, h := range tok.authz.Held(role, scope) {
					if h.StartsPods() {
						c[k] = true
					}
				}
			}
			creates[role] = c
		}
		if cluster {
			return c[1]
		}
		return c[0]
	}
	whose := tok.authz.SubjectTenants(ten)
	every := map[string]bool{} // every tenant of the namespaces
	for i := range r.Namespaces {
		every[r.Namespaces[i].Tenant] = true
	}
	bindings := tok.authz.Bindings()
	for bi := range bindings {
		b := &bindings[bi]
		if b.Role == nil || (b.Namespace != "" && !openAt[b.Namespace]) || !grants(b.Role, b.Namespace == "") {
			continue
		}
		where := b.Namespace // where the tenants start their pod: here, or the first open namespace
		if where == "" {
			where = open[0]
		}
		for s := range b.Resolved() {
			t, all := whose(s)
			switch {
			case all:
				for _, t := range sortedKeys(every) {
					add(t, where)
				}
			case t == "" && b.Namespace != "":
				add(tenantOf(b.Namespace), where) // a person bound here acts for its tenant
			default:
				add(t, where)
			}
		}
	}
	return out
}

// tokenFindings reports each service account whose dangerous token sits on
// nodes that another tenant can escape to: a tenant that can start a pod
// in a namespace enforcing no Pod Security level reaches every node (see
// attackers), and a tenant with a pod that escapes reaches the nodes it
// shares.
func tokenFindings(r *Result, tok *tokens, ten *tenancy.Tenancy) []finding.Finding {
	unenforced := attackers(r, tok, ten) // tenant -> a namespace enforcing no level it starts pods in
	escapers := map[string][]int{}       // tenant -> its pods that reach their node
	for i := range r.Pods {
		p := &r.Pods[i]
		if p.EscapesToNode() && p.Running && p.Exists() && p.Tenant != tenancy.Cluster {
			escapers[p.Tenant] = append(escapers[p.Tenant], i)
		}
	}
	// Tenants as a set: every tenant a namespace of the result names.
	tenantSeen := map[string]bool{}
	for i := range r.Namespaces {
		tenantSeen[r.Namespaces[i].Tenant] = true
	}
	allTenants := sortedKeys(tenantSeen)
	index := make(map[string]int, len(allTenants))
	for i, t := range allTenants {
		index[t] = i
	}
	anywhere := newTenantSet(len(allTenants))
	for t := range unenforced {
		if i, ok := index[t]; ok {
			anywhere.add(i)
		}
	}
	near := map[int]tenantSet{} // placement -> tenants with an escaping pod beside it
	escapersNear := func(placement int) tenantSet {
		if s, ok := near[placement]; ok {
			return s
		}
		s := newTenantSet(len(allTenants))
		for t := range r.CoLocation.exposedAt(placement) {
			if len(escapers[t]) > 0 {
				s.add(index[t])
			}
		}
		near[placement] = s
		return s
	}
	type account struct {
		ns, name, tenant string
		pods             []*PodFacts
		powers           []TokenPower
	}
	accounts := map[string]*account{}
	var order []string
	for i := range r.Pods {
		p := &r.Pods[i]
		if len(p.TokenPowers) == 0 || !p.Running || !p.Exists() || p.Ref.Kind == "Job" {
			// A Job of the input holds its token only while it runs
			// (snapshot.HoldsTokenBriefly).
			continue
		}
		key := p.Namespace + "/" + p.ServiceAccount
		a := accounts[key]
		if a == nil {
			a = &account{ns: p.Namespace, name: p.ServiceAccount, tenant: p.Tenant, powers: p.TokenPowers}
			accounts[key] = a
			order = append(order, key)
		}
		a.pods = append(a.pods, p)
	}
	var out []finding.Finding
	for _, key := range order {
		a := accounts[key]
		// Who can take the token: tenants that can put a privileged pod on
		// any node, and tenants whose escaping pods share a node with it.
		src := anywhere.clone()
		seen := map[int]bool{}
		for _, p := range a.pods {
			if !seen[p.placement] {
				seen[p.placement] = true
				src.or(escapersNear(p.placement))
			}
		}
		for _, t := range []string{a.tenant, tenancy.Cluster} {
			if i, ok := index[t]; ok {
				src.remove(i)
			}
		}
		n := src.count()
		if n == 0 {
			continue
		}
		sources := src.names(allTenants, maxNamedTenants)
		// The witness prefers a pod that escapes beside the token to a
		// namespace that could start one.
		via := func(t string) finding.Step {
			for _, p := range a.pods {
				for _, ei := range escapers[t] {
					if r.CoLocation.shareAt(p.placement, r.Pods[ei].placement) {
						return finding.Step{Object: r.Pods[ei].Ref, Fact: "escapes to its node, which " + describe(p.Ref) + " may share"}
					}
				}
			}
			ns := unenforced[t]
			return finding.Step{Object: finding.Ref{Kind: "Namespace", Name: ns}, Fact: "enforces no Pod Security level: tenant " + t + " can run a privileged pod on any node"}
		}
		saRef := finding.Ref{Kind: "ServiceAccount", Namespace: a.ns, Name: a.name}
		f := finding.Finding{ID: ruleToken.ID, Category: ruleToken.Category, SourceTenant: targetTenant(sources, n),
			Objects: []finding.Ref{saRef}}
		var caps []string
		targets := map[string]bool{}
		for _, pw := range a.powers {
			if pw.Severity > f.Severity {
				f.Severity = pw.Severity
			}
			scope := "cluster-wide"
			if pw.Namespace != "" {
				scope = "in namespace " + pw.Namespace
				targets[r.tenantOf(pw.Namespace)] = true
			} else {
				targets["*"] = true
			}
			caps = append(caps, pw.Capability+" "+scope)
		}
		if f.SourceTenant == "*" {
			f.SourceTenants = src.names(allTenants, n)
		}
		switch {
		case targets["*"]:
			f.TargetTenant = "*"
		case len(targets) > 1:
			f.TargetTenant = "*"
			for t := range targets {
				f.TargetTenants = append(f.TargetTenants, t)
			}
			slices.Sort(f.TargetTenants)
		default:
			for t := range targets {
				f.TargetTenant = t
			}
		}
		f.Reason = fmt.Sprintf("the token of service account %s/%s (%s) sits on nodes that tenant %s can escape to", a.ns, a.name, strings.Join(caps, ", "), nameList(sources, 3, n))
		if n > 1 {
			f.Reason = strings.Replace(f.Reason, "that tenant ", "that tenants ", 1)
		}
		for i, p := range a.pods {
			if i == maxWitnessPods {
				break
			}
			f.Objects = append(f.Objects, p.Ref)
			f.Witness = append(f.Witness, finding.Step{Object: p.Ref, Fact: "mounts the token of " + saRef.String()})
		}
		for _, pw := range a.powers {
			f.Witness = append(f.Witness, pw.Witness...)
		}
		for i, t := range sources {
			if i == maxWitnessTenants {
				break
			}
			f.Witness = append(f.Witness, via(t))
		}
		var d strings.Builder
		fmt.Fprintf(&d, "%d pod(s) mount the token of %s, which may:\n", len(a.pods), saRef)
		for _, pw := range a.powers {
			scope := "cluster-wide"
			if pw.Namespace != "" {
				scope = "in namespace " + pw.Namespace
			}
			fmt.Fprintf(&d, "- %s %s: %s\n", pw.Capability, scope, pw.Effect)
		}
		fmt.Fprintf(&d, "The token is a file on the node: whoever escapes to the node acts as the account. Tenants that can: %s.", nameList(sources, maxNamedTenants, n))
		f.Detail = d.String()
		f.Remediation = fmt.Sprintf("Enforce Pod Security baseline in the namespaces the tenants escape from (named above): the escape is what reaches the token. Keep the pods that mount it on nodes no tenant's pod shares (a taint, a nodeSelector), and narrow the bindings of %s to what it uses; set automountServiceAccountToken: false only on pods that do not call the API (an operator needs its token).", saRef)
		out = append(out, f)
	}
	return out
}

// tenantOf returns the tenant of a namespace known to the result.
func (r *Result) tenantOf(namespace string) string {
	if ns := r.Namespace(namespace); ns != nil {
		return ns.Tenant
	}
	return namespace
}
