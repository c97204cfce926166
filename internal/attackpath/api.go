package attackpath

import (
	"fmt"
	"slices"
	"strings"

	rbacv1 "k8s.io/api/rbac/v1"

	"github.com/bulkhead-dev/bulkhead/internal/finding"
	"github.com/bulkhead-dev/bulkhead/internal/rbac"
)

// subjectVertex is the vertex of an RBAC subject.
func (m *Model) subjectVertex(s rbac.Subject) int32 {
	switch s.Kind {
	case rbacv1.ServiceAccountKind:
		return m.account(s.Namespace, s.Name)
	case rbacv1.GroupKind:
		return m.g.Vertex(Vertex{Kind: Group, Name: s.Name})
	}
	if ns, name, ok := rbac.SplitServiceAccountUser(s.Name); ok {
		return m.account(ns, name)
	}
	return m.g.Vertex(Vertex{Kind: User, Name: s.Name})
}

// grant is one capability a binding gives a subject in some namespaces.
type grant struct {
	from int32
	// subject is who acts: the binding's subject; none (zero) for a
	// Grant, whose edges are its role's alone.
	subject rbac.Subject
	access  rbac.Access
	held    rbac.Held
	cluster bool
	role    *rbac.Role
	// evidence makes the steps that prove the grant: only for the edges
	// shown, most of a big cluster's never are.
	evidence func() []finding.Step
}

// apiEdges turns every binding's dangerous capabilities, and its read
// access to pods, into edges from the binding's subjects; then the roles
// that subjects holding bind or escalate may hand themselves (bind.go).
func (m *Model) apiEdges() {
	a := m.in.RBAC
	if a == nil {
		return
	}
	var granting []scopedSubject
	seen := map[scopedSubject]bool{}
	parts := grantParts{}
	bindings := a.Bindings()
	for bi := range bindings {
		b := &bindings[bi]
		if b.Role == nil {
			continue
		}
		cluster := b.Namespace == ""
		parts.collect(m, b)
		held := a.Held(b.Role, cluster)
		if len(held) == 0 && readsPods(b.Role) < 0 && (!cluster || len(rbac.NamedImpersonation(b.Role)) == 0) {
			continue
		}
		for s := range b.Resolved() {
			from := m.subjectVertex(s)
			m.roleEdges(from, s, b.Role, b.Ref, b.Namespace, held, nil)
			for _, h := range held {
				k := scopedSubject{s, b.Namespace}
				if (h.Capability.Name == "bind" || h.Capability.Name == "escalate") && !seen[k] {
					seen[k] = true
					granting = append(granting, k)
				}
			}
		}
	}
	for _, k := range granting {
		m.grantEdges(m.subjectVertex(k.s), k.s, k.ns)
	}
	m.partEdges(parts)
}

type scopedSubject struct {
	s  rbac.Subject
	ns string
}

// roleEdges adds the edges of what a role gives subject s (vertex from) in
// a namespace ("" for cluster-wide) through binding: held are its
// capabilities there. prefix, when set, is the evidence of how the subject
// came to hold the role (bind.go).
func (m *Model) roleEdges(from int32, s rbac.Subject, role *rbac.Role, binding finding.Ref, ns string, held []rbac.Held, prefix []finding.Step) {
	cluster := ns == ""
	evidence := func(rule int) []finding.Step {
		acc := rbac.Access{Subject: s, Binding: binding, Role: role.Ref, Namespace: ns, RuleIndex: rule, Rule: role.Rules[rule]}
		if prefix != nil {
			return append(append([]finding.Step(nil), prefix...), finding.Step{Object: role.Ref, Fact: fmt.Sprintf("rule %d: %s", rule, rbac.RuleString(role.Rules[rule]))})
		}
		return acc.Witness()
	}
	for _, h := range held {
		g := grant{from: from, subject: s, held: h, cluster: cluster, role: role,
			access: rbac.Access{Subject: s, Binding: binding, Role: role.Ref, Namespace: ns, RuleIndex: h.RuleIndex, Rule: role.Rules[h.RuleIndex]}}
		g.evidence = func() []finding.Step {
			steps := evidence(h.RuleIndex)
			for _, i := range h.Rules(role)[1:] { // the rules the capability needs beside it
				steps = append(steps, finding.Step{Object: role.Ref, Fact: fmt.Sprintf("rule %d: %s", i, rbac.RuleString(role.Rules[i]))})
			}
			return steps
		}
		// Impersonation held at all is of anyone (system:masters named
		// among groups counts): cluster-admin.
		if names, all := objectsGranted(role, h.Capability.Probes); all || h.Capability.Name == "impersonate users or groups" {
			m.capabilityEdges(&g)
		} else {
			m.namedEdges(&g, names)
		}
	}
	if cluster {
		// Users and groups impersonated by name lend their permissions.
		for _, im := range rbac.NamedImpersonation(role) {
			rule := im.Rule
			m.g.Add(Edge{From: from, To: m.subjectVertex(im.Subject), Type: Impersonates, Layer: finding.API, Severity: finding.High,
				Detail: "impersonate " + strings.ToLower(im.Subject.Kind) + " " + im.Subject.Name, explain: func() []finding.Step { return evidence(rule) }})
		}
	}
	if readRule := readsPods(role); readRule >= 0 {
		m.g.Add(Edge{From: from, To: m.hub(hubRead, ns), Type: ReadsObjects, Layer: finding.API,
			Severity: finding.Medium, Detail: "get/list pods", Final: ns != "", explain: func() []finding.Step { return evidence(readRule) }})
	}
}

// readsPods returns the first rule of a role that lets its holder read pods
// (get or list), or -1.
func readsPods(r *rbac.Role) int {
	for _, verb := range []string{"list", "get"} {
		req := rbac.Request{Verb: verb, Resource: "pods"}
		for i := range r.Rules {
			if rbac.RuleAllows(&req, &r.Rules[i]) {
				return i
			}
		}
	}
	return -1
}

// podsCreateDetail names the capability "pods create" as the rule grants
// it: through the pod controllers it names when it does not name pods
// (a StatefulSet's pods run as any account of the namespace too).
func podsCreateDetail(g *grant) string {
	if g.role == nil || g.held.RuleIndex < 0 || g.held.RuleIndex >= len(g.role.Rules) {
		return "pods create"
	}
	rule := &g.role.Rules[g.held.RuleIndex]
	if slices.Contains(rule.Resources, "pods") || slices.Contains(rule.Resources, "*") {
		return "pods create"
	}
	var through []string // the capability's controllers the rule names
	for _, r := range rule.Resources {
		if slices.ContainsFunc(g.held.Capability.Probes, func(p rbac.Probe) bool { return p.Resource == r }) {
			through = append(through, r)
		}
	}
	if len(through) == 0 {
		return "pods create"
	}
	return "pods create, through " + strings.Join(through, ", ")
}

// capabilityEdges adds the edges of one capability of the catalogue. A
// grant in one namespace leads to that namespace's assets; a cluster-wide
// grant leads to a hub that fans out to every namespace's.
func (m *Model) capabilityEdges(g *grant) {
	c := g.held.Capability
	detail := c.Name
	add := func(to int32, typ EdgeType, sev finding.Severity) {
		m.g.Add(Edge{From: g.from, To: to, Type: typ, Layer: finding.API, Severity: sev, Detail: detail, explain: g.evidence})
	}
	ns := g.access.Namespace // "" for a ClusterRoleBinding
	switch c.Name {
	case "*/*/*":
		if g.cluster {
			add(m.admin, IsClusterAdmin, finding.Critical)
			return
		}
		add(m.hub(hubWorkloads, ns), CreatesPods, finding.High)
		add(m.hub(hubSecrets, ns), ReadsSecrets, finding.High)
		add(m.hub(hubExec, ns), ExecsInto, finding.High)
		m.relabelEdges(g, nil)
	case "impersonate users or groups":
		// Users and groups, system:masters among them, are cluster-scoped:
		// only a ClusterRoleBinding grants them.
		add(m.admin, IsClusterAdmin, finding.Critical)
	case "impersonate every serviceaccount", "impersonate serviceaccounts":
		add(m.hub(hubAccounts, ns), Impersonates, c.Severity)
	case "csr create+approve", "mutating admission write":
		add(m.admin, IsClusterAdmin, finding.Critical)
	case "node csr create+approve":
		// Any node's identity: the tokens of every pod bound to a node.
		add(m.hub(hubPodUsers, ""), MintsToken, finding.High)
	case "nodes/proxy":
		add(m.hub(hubNodes, ""), KubeletProxy, finding.Critical)
	case "pods create":
		detail = podsCreateDetail(g)
		add(m.hub(hubWorkloads, ns), CreatesPods, finding.High)
	case "pods exec", "pods update":
		add(m.hub(hubExec, ns), ExecsInto, finding.High)
	case "secrets create+read":
		// Through a ClusterRoleBinding (a certificate controller's),
		// every account of the cluster: the controller manager's
		// accounts among them.
		add(m.hub(hubAccounts, ns), MintsToken, finding.High)
	case "secrets read":
		add(m.hub(hubSecrets, ns), ReadsSecrets, finding.High)
	case "serviceaccounts/token create":
		add(m.hub(hubAccounts, ns), MintsToken, finding.High)
	case "services/proxy":
		add(m.hub(hubProxy, ns), ProxiesTo, finding.Medium)
	case "namespaces write":
		m.relabelEdges(g, nil)
	}
	// bind and escalate lead to the roles they hand out (bind.go).
	// validating admission write, customresourcedefinitions write and
	// persistentvolumes create give no step of their own in the graph: the
	// API engine reports them (see docs/attack-graph.md).
}

// objectsGranted says whether some rule of the role allows one of the
// probes on every object (all), or else which object names the rules that
// allow one of them are limited to.
func objectsGranted(r *rbac.Role, probes []rbac.Probe) (names []string, all bool) {
	for _, p := range probes {
		req := rbac.Request{Verb: p.Verb, APIGroup: p.APIGroup, Resource: p.Resource, Subresource: p.Subresource}
		for i := range r.Rules {
			rule := &r.Rules[i]
			if len(rule.ResourceNames) == 0 {
				if rbac.RuleAllows(&req, rule) {
					return nil, true
				}
				continue
			}
			for _, n := range rule.ResourceNames {
				req.Name = n
				if rbac.RuleAllows(&req, rule) && !containsString(names, n) {
					names = append(names, n)
				}
			}
			req.Name = ""
		}
	}
	return names, false
}

// namedEdges adds the edges of a capability limited to named objects: the
// named pods to exec into, service accounts to mint tokens for, and token
// secrets to read. Other capabilities limited to names (bind or escalate
// of named roles, impersonation of named users) give no edge.
func (m *Model) namedEdges(g *grant, names []string) {
	c := g.held.Capability
	if c.Name == "namespaces write" {
		m.relabelEdges(g, names)
		return
	}
	namespaces := []string{g.access.Namespace}
	if g.cluster {
		namespaces = m.namespaces
	}
	add := func(to int32, typ EdgeType, sev finding.Severity, detail string) {
		m.g.Add(Edge{From: g.from, To: to, Type: typ, Layer: finding.API, Severity: sev, Detail: detail, explain: g.evidence})
	}
	for _, ns := range namespaces {
		for _, name := range names {
			switch c.Name {
			case "pods exec", "pods update":
				for _, i := range m.pods[ns] {
					if m.in.Snapshot.Pods[i].Name == name {
						add(m.pod(i), ExecsInto, finding.High, c.Name+" "+name)
					}
				}
			case "serviceaccounts/token create":
				if containsString(m.accounts[ns], name) {
					add(m.account(ns, name), MintsToken, finding.High, c.Name+" "+name)
				}
			case "impersonate serviceaccounts", "impersonate every serviceaccount":
				if containsString(m.accounts[ns], name) {
					add(m.account(ns, name), Impersonates, finding.High, "impersonate "+name)
				}
			case "secrets read":
				if sa := m.tokenOwner(ns, name); sa != "" {
					add(m.account(ns, sa), ReadsSecrets, finding.High, "secret "+name+" holds its token")
				}
			}
		}
	}
}

// tokenOwner returns the service account whose token a secret holds, or "".
func (m *Model) tokenOwner(ns, name string) string {
	for i := range m.in.Snapshot.Secrets {
		s := &m.in.Snapshot.Secrets[i]
		if s.Namespace == ns && s.Name == name {
			return s.Annotations[serviceAccountNameAnnotation]
		}
	}
	return ""
}

const serviceAccountNameAnnotation = "kubernetes.io/service-account.name"

// Hub kinds: what a grant fans out to.
const (
	hubWorkloads = "workloads" // Workloads of the namespace
	hubSecrets   = "secrets"   // Secrets of the namespace
	hubExec      = "exec"      // every pod of the namespace
	hubAccounts  = "accounts"  // every service account of the namespace
	hubPodUsers  = "pod-users" // the service accounts the namespace's pods run as
	hubProxy     = "proxy"     // every pod of the namespace, final
	hubRead      = "read"      // the Namespace, final
	hubNodes     = "nodes"     // every node
	hubLabels    = "labels"    // the Labels of the namespace (relabel.go)
)

// hub returns the fan-out vertex of a kind in a namespace ("" for every
// namespace), wiring it to its targets when new. Hubs of one namespace for
// Workloads, Secrets and Namespace are those vertices themselves.
func (m *Model) hub(kind, ns string) int32 {
	if ns != "" {
		switch kind {
		case hubLabels:
			return m.labels(ns)
		case hubWorkloads:
			return m.workloads(ns)
		case hubSecrets:
			return m.secrets(ns)
		case hubRead:
			return m.g.Vertex(Vertex{Kind: Namespace, Name: ns})
		}
	}
	name := kind + ":" + ns
	if ns == "" {
		name = kind + ":*"
	}
	if id, ok := m.g.Lookup(Vertex{Kind: Hub, Name: name}); ok {
		return id
	}
	h := m.g.Vertex(Vertex{Kind: Hub, Name: name})
	fan := func(to int32, final bool) {
		m.g.addNew(Edge{From: h, To: to, Type: hubEdge[kind], Layer: finding.API, Severity: hubSeverity[kind], Hidden: true, Final: final})
	}
	switch {
	case kind == hubNodes:
		for _, node := range m.allNodes() {
			fan(m.g.Vertex(Vertex{Kind: Node, Name: node}), false)
		}
	case ns == "":
		for _, n := range m.namespaces {
			fan(m.hub(kind, n), kind == hubRead)
		}
	case kind == hubExec || kind == hubProxy:
		for _, i := range m.pods[ns] {
			fan(m.pod(i), kind == hubProxy)
		}
	case kind == hubAccounts:
		for _, sa := range m.accounts[ns] {
			fan(m.account(ns, sa), false)
		}
	case kind == hubPodUsers:
		seen := map[string]bool{}
		for _, i := range m.pods[ns] {
			if sa := m.in.Snapshot.Pods[i].Spec.ServiceAccountName; sa != "" && !seen[sa] {
				seen[sa] = true
				fan(m.account(ns, sa), false)
			}
		}
	}
	return h
}

var hubEdge = map[string]EdgeType{
	hubWorkloads: CreatesPods, hubSecrets: ReadsSecrets, hubExec: ExecsInto, hubAccounts: MintsToken, hubPodUsers: MintsToken,
	hubProxy: ProxiesTo, hubRead: ReadsObjects, hubNodes: KubeletProxy, hubLabels: Relabels,
}

var hubSeverity = map[string]finding.Severity{
	hubWorkloads: finding.High, hubSecrets: finding.High, hubExec: finding.High, hubAccounts: finding.High, hubPodUsers: finding.High,
	hubProxy: finding.Medium, hubRead: finding.Medium, hubNodes: finding.Critical, hubLabels: finding.High,
}

func (m *Model) workloads(ns string) int32 {
	return m.g.Vertex(Vertex{Kind: Workloads, Namespace: ns, Name: ns})
}

func (m *Model) secrets(ns string) int32 {
	return m.g.Vertex(Vertex{Kind: Secrets, Namespace: ns, Name: ns})
}

func (m *Model) allNodes() []string {
	if len(m.in.Snapshot.Nodes) == 0 {
		return []string{AnyNode}
	}
	out := make([]string, len(m.in.Snapshot.Nodes))
	for i := range m.in.Snapshot.Nodes {
		out[i] = m.in.Snapshot.Nodes[i].Name
	}
	return out
}

// membership adds the edges every namespace's fan-out needs once the
// subjects are known: service accounts and users into their implicit
// groups, new pods into their accounts, secrets into the accounts whose
// tokens they hold, and system:masters into cluster-admin.
func (m *Model) membership() {
	snap := m.in.Snapshot
	// Token secrets first: they may add service accounts, which need
	// their group edges below.
	for i := range snap.Secrets {
		s := &snap.Secrets[i]
		sa := s.Annotations[serviceAccountNameAnnotation]
		if sa == "" {
			continue
		}
		sv, ok := m.g.Lookup(Vertex{Kind: Secrets, Namespace: s.Namespace, Name: s.Namespace})
		if !ok {
			continue
		}
		m.g.Add(Edge{From: sv, To: m.account(s.Namespace, sa), Type: HoldsToken, Layer: finding.API, Severity: finding.High,
			Evidence: []finding.Step{{Object: finding.Ref{Kind: "Secret", Namespace: s.Namespace, Name: s.Name}, Fact: fmt.Sprintf("holds a token of ServiceAccount %s/%s", s.Namespace, sa)}}})
	}
	for v := int32(0); v < int32(m.g.Len()); v++ {
		x := m.g.At(v)
		switch x.Kind {
		case ServiceAccount, User, Group:
			for _, grp := range impliedGroups(x) {
				// Grants to the unauthenticated lead nowhere: no
				// tenant's identity is in that group.
				if gv, ok := m.g.Lookup(Vertex{Kind: Group, Name: grp}); ok && grp != rbac.AllUnauthenticated {
					fact := "authenticates in group " + grp
					if x.Kind == Group {
						fact = "its members authenticate, so are also in group " + grp
					}
					m.g.Add(Edge{From: v, To: gv, Type: MemberOf, Layer: finding.API, Severity: finding.Info,
						Evidence: []finding.Step{{Object: x.Ref(), Fact: fact}}})
				}
			}
		case Workloads:
			for _, sa := range m.accounts[x.Namespace] {
				m.g.Add(Edge{From: v, To: m.account(x.Namespace, sa), Type: RunsPodsAs, Layer: finding.API, Severity: finding.High,
					Evidence: []finding.Step{{Object: finding.Ref{Kind: "ServiceAccount", Namespace: x.Namespace, Name: sa},
						Fact: "a pod in " + x.Namespace + " may name this account and gets its token"}}})
			}
		}
	}
	if gv, ok := m.g.Lookup(Vertex{Kind: Group, Name: rbac.SystemMasters}); ok {
		m.g.Add(Edge{From: gv, To: m.admin, Type: IsClusterAdmin, Layer: finding.API, Severity: finding.Critical,
			Evidence: []finding.Step{{Object: finding.Ref{Kind: "Group", Name: rbac.SystemMasters}, Fact: "bypasses RBAC: the API server allows its members everything"}}})
	}
}

// adminEdges: cluster-admin runs pods anywhere, execs into every pod and
// reads every secret and object.
func (m *Model) adminEdges() {
	for _, kind := range []string{hubWorkloads, hubExec, hubSecrets, hubRead} {
		m.g.Add(Edge{From: m.admin, To: m.hub(kind, ""), Type: AdminControls, Layer: finding.API, Severity: finding.Critical,
			Evidence: []finding.Step{{Object: finding.Ref{Kind: "ClusterRole", Name: "cluster-admin"}, Fact: "may do anything to any object in every namespace"}}})
	}
}
