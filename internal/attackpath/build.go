package attackpath

import (
	"fmt"
	"sort"
	"sync"

	corev1 "k8s.io/api/core/v1"

	"github.com/bulkhead-dev/bulkhead/internal/dns"
	"github.com/bulkhead-dev/bulkhead/internal/finding"
	"github.com/bulkhead-dev/bulkhead/internal/netpol"
	"github.com/bulkhead-dev/bulkhead/internal/node"
	"github.com/bulkhead-dev/bulkhead/internal/rbac"
	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
	"github.com/bulkhead-dev/bulkhead/internal/tenancy"
)

// Inputs are the engine facts the graph is built from. Any engine may be
// missing (nil): its edges are then absent, and so are the paths needing
// them.
type Inputs struct {
	Snapshot *snapshot.Snapshot
	Tenancy  *tenancy.Tenancy
	RBAC     *rbac.Authorizer
	Workload *node.Result
	Network  *netpol.Model
	// DNS is what cluster DNS exposes of each tenant: discovery marks the
	// matrix cells toward that tenant; it is no step of a path (resolving
	// a name gives no access by itself). Spoofing (`pods insecure`) reveals
	// nothing of a tenant and marks no cell: its finding is cluster-wide.
	DNS []dns.Exposure
}

// Model is the attack graph of one snapshot, with each tenant's footholds
// (the identities it controls) and assets.
type Model struct {
	g   *Graph
	in  Inputs
	ten *tenancy.Tenancy
	// owner is the tenant each vertex belongs to as an asset ("" for none).
	owner []string
	// sources lists the vertices each tenant controls.
	sources map[string][]int32
	// home is the tenant of each user and group that belongs to one.
	home  map[int32]string
	admin int32
	// namespaces and service accounts by namespace, for fan-out edges.
	namespaces []string
	accounts   map[string][]string
	pods       map[string][]int // namespace -> indexes into Snapshot.Pods
	podIDs     []int32          // Snapshot.Pods index -> vertex, -1 until made
	placed     []int32          // node.PodFacts.PlacementID -> vertex, -1 until made

	relabel *relabelIndex // see relabelIndex

	joinOnce  sync.Once
	joinPeers []joinPeer // see joinable

	orderOnce  sync.Once
	sweepOrder *sweepOrder // see order

	indexOnce sync.Once
	tenants   *tenantIndex // see tenantIndex
}

// Build builds the attack graph.
func Build(in Inputs) *Model {
	m := &Model{
		g:        newGraph(2*len(in.Snapshot.Pods), 4*len(in.Snapshot.Pods)), // about what a cluster's pods make
		in:       in,
		ten:      in.Tenancy,
		sources:  map[string][]int32{},
		accounts: map[string][]string{},
		pods:     map[string][]int{},
		podIDs:   make([]int32, len(in.Snapshot.Pods)),
	}
	for i := range m.podIDs {
		m.podIDs[i] = -1
	}
	m.admin = m.g.Vertex(Vertex{Kind: ClusterAdmin, Name: "cluster-admin"})
	m.index()
	m.podEdges()
	m.nodeEdges()
	m.networkEdges()
	m.apiEdges()
	m.adminEdges()
	m.membership()
	m.assign()
	m.g.seen = nil // edges are only added while building
	return m
}

// Graph returns the graph.
func (m *Model) Graph() *Graph { return m.g }

func (m *Model) index() {
	snap := m.in.Snapshot
	seen := map[string]bool{}
	for _, ns := range snap.Namespaces {
		seen[ns.Name] = true
	}
	for _, ns := range snap.ReferencedNamespaces() {
		seen[ns] = true
	}
	for ns := range seen {
		m.namespaces = append(m.namespaces, ns)
	}
	sort.Strings(m.namespaces)
	for _, sa := range snap.ServiceAccounts {
		m.accounts[sa.Namespace] = append(m.accounts[sa.Namespace], sa.Name)
	}
	for i := range snap.Pods {
		p := &snap.Pods[i]
		if !podExists(m.in.Workload, i) {
			continue
		}
		m.pods[p.Namespace] = append(m.pods[p.Namespace], i)
		// A pod's account exists as far as the pod is concerned, listed or not.
		sa := p.Spec.ServiceAccountName
		if sa != "" && !containsString(m.accounts[p.Namespace], sa) {
			m.accounts[p.Namespace] = append(m.accounts[p.Namespace], sa)
		}
	}
	for ns := range m.accounts {
		sort.Strings(m.accounts[ns])
	}
}

// pod returns the vertex of the snapshot's pod i, adding it when new.
func (m *Model) pod(i int) int32 {
	if id := m.podIDs[i]; id >= 0 {
		return id
	}
	p := &m.in.Snapshot.Pods[i]
	id := m.g.Vertex(Vertex{Kind: Pod, Namespace: p.Namespace, Name: p.Name})
	m.podIDs[i] = id
	return id
}

// podVertex returns the vertex of the snapshot's pod i when it has one.
func (m *Model) podVertex(i int) (int32, bool) {
	if id := m.podIDs[i]; id >= 0 {
		return id, true
	}
	p := &m.in.Snapshot.Pods[i]
	return m.g.Lookup(Vertex{Kind: Pod, Namespace: p.Namespace, Name: p.Name})
}

func (m *Model) account(ns, name string) int32 {
	return m.g.Vertex(Vertex{Kind: ServiceAccount, Namespace: ns, Name: name})
}

// podRef names a pod, or the controller a representative pod stands for.
func podRef(p *corev1.Pod) finding.Ref {
	kind, name := snapshot.Workload(p)
	return finding.Ref{Kind: kind, Namespace: p.Namespace, Name: name}
}

// podEdges: a pod acts as its service account when the token is mounted.
func (m *Model) podEdges() {
	snap := m.in.Snapshot
	accounts := map[string]*corev1.ServiceAccount{}
	for i := range snap.ServiceAccounts {
		sa := &snap.ServiceAccounts[i]
		accounts[sa.Namespace+"/"+sa.Name] = sa
	}
	for i := range snap.Pods {
		p := &snap.Pods[i]
		if !podExists(m.in.Workload, i) {
			continue
		}
		sa := p.Spec.ServiceAccountName
		if !node.MountsToken(p, accounts[p.Namespace+"/"+sa]) || snapshot.HoldsTokenBriefly(p) {
			continue
		}
		m.g.Add(Edge{From: m.pod(i), To: m.account(p.Namespace, sa), Type: MountsToken, Layer: finding.Node, Severity: finding.Medium,
			Evidence: []finding.Step{{Object: podRef(p), Fact: fmt.Sprintf("mounts the token of ServiceAccount %s/%s", p.Namespace, sa)}}})
	}
}

// podExists reports whether a pod runs or would be admitted; without the
// workload engine every pod counts.
func podExists(w *node.Result, i int) bool {
	if w == nil || i >= len(w.Pods) {
		return true
	}
	return w.Pods[i].Exists() && (w.Pods[i].Running || !w.Pods[i].Live)
}

func containsString(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// groupsOf returns the groups a service account authenticates with.
func groupsOf(ns string) []string {
	return []string{rbac.AllServiceAccounts, rbac.ServiceAccountsPrefix + ns, rbac.AllAuthenticated}
}
