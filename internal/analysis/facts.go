package analysis

import (
	"sync"
	"sync/atomic"

	corev1 "k8s.io/api/core/v1"

	"github.com/bulkhead-dev/bulkhead/internal/attackpath"
	"github.com/bulkhead-dev/bulkhead/internal/dns"
	"github.com/bulkhead-dev/bulkhead/internal/finding"
	"github.com/bulkhead-dev/bulkhead/internal/netpol"
	"github.com/bulkhead-dev/bulkhead/internal/node"
	"github.com/bulkhead-dev/bulkhead/internal/rbac"
	"github.com/bulkhead-dev/bulkhead/internal/service"
	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
	"github.com/bulkhead-dev/bulkhead/internal/tenancy"
)

// Facts holds each engine's model of one snapshot, built once on first use
// and shared by the analyses and the attack graph.
type Facts struct {
	Snapshot *snapshot.Snapshot
	Tenancy  *tenancy.Tenancy
	// Network are the semantics the network model is compiled with.
	Network netpol.Options

	rbacOnce, netOnce, nodeOnce, dnsOnce, svcOnce, graphOnce sync.Once
	apiOnce, netFindOnce                                     sync.Once
	authz                                                    *rbac.Authorizer
	net                                                      *netpol.Model
	node                                                     *node.Result
	// judged is the node result of facts before a change that leaves
	// the judgement of the pods it has not changed as it was (see
	// Update): Workload keeps those.
	judged *node.Result
	// rejudgeNamespaces names the namespaces whose labels changed, whose pods
	// are judged again all the same, as are those rejudge reports: the
	// pods the change touched.
	rejudgeNamespaces               []string
	rejudge                         func(*corev1.Pod) bool
	dns, services, api, netFindings []finding.Finding
	// apiFrom and netFindFrom are facts before a change that leaves
	// their API or network findings as they are (see Update): the getters
	// take them from there, once there are.
	apiFrom, netFindFrom *Facts
	// graph is the attack graph once built: Update reads it, and may run
	// while another goroutine builds it.
	graph atomic.Pointer[attackpath.Model]
	// ranFrom is facts before a change that leaves every finding, the
	// graph and the owners of pods as they were (see Update): Run takes
	// what it made of them from there. ran is what Run made of these
	// facts, by runKey. ranMu guards both.
	ranFrom *Facts
	ranMu   sync.Mutex
	ran     map[string]*ran
}

// ran is what Run made of facts' findings and graph: the findings sorted,
// their owners set and fingerprinted, and the isolation matrix with the
// findings' cells and its summary. The reports Run makes from it share
// its slices (their own top level aside): nothing writes into them once
// made, as no caller of Run writes into a report's findings or matrix.
type ran struct {
	findings  []finding.Finding
	isolation *attackpath.Matrix
}

// ranOf returns what Run made of the findings and graph of f, or of the
// facts f keeps them from, with the engines and options of key; nil when
// it made nothing yet.
func (f *Facts) ranOf(key string) *ran {
	for f != nil {
		f.ranMu.Lock()
		r, from := f.ran[key], f.ranFrom
		f.ranMu.Unlock()
		if r != nil {
			return r
		}
		f = from
	}
	return nil
}

// ranBefore returns what Run made of the findings and graph of the facts
// f keeps them from, when it made it, with the engines and options of
// key; f keeps it and lets those facts go.
func (f *Facts) ranBefore(key string) *ran {
	f.ranMu.Lock()
	from := f.ranFrom
	f.ranMu.Unlock()
	r := from.ranOf(key)
	if r != nil {
		f.keepRan(key, r)
		f.ranMu.Lock()
		f.ranFrom = nil
		f.ranMu.Unlock()
	}
	return r
}

// ranSource is the facts whose report a report of f would be taken from:
// f, unless Run made none of f yet and f takes its own from other facts.
func (f *Facts) ranSource() *Facts {
	f.ranMu.Lock()
	defer f.ranMu.Unlock()
	if len(f.ran) == 0 && f.ranFrom != nil {
		return f.ranFrom
	}
	return f
}

// keepRan records what Run made of f's findings and graph.
func (f *Facts) keepRan(key string, r *ran) {
	f.ranMu.Lock()
	defer f.ranMu.Unlock()
	if f.ran == nil {
		f.ran = map[string]*ran{}
	}
	f.ran[key] = r
}

// NewFacts prepares the facts of a normalised snapshot.
func NewFacts(snap *snapshot.Snapshot, ten *tenancy.Tenancy) *Facts {
	return &Facts{Snapshot: snap, Tenancy: ten, Network: netpol.DefaultOptions()}
}

// Prepare builds every engine's facts at once, the network model beside
// the others (they share nothing but the snapshot, which they only read),
// for a caller that needs them all: the attack graph does.
func (f *Facts) Prepare() {
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		f.NetworkModel()
	}()
	f.Workload() // and RBAC, which it uses
	f.DNS()
	f.Services()
	wg.Wait()
}

// RBAC is the API engine's authorizer.
func (f *Facts) RBAC() *rbac.Authorizer {
	f.rbacOnce.Do(func() { f.authz = rbac.NewAuthorizer(f.Snapshot) })
	return f.authz
}

// APIFindings is the API engine's findings, found once: the audit and
// the generators of harden read the same. Callers must not change them.
func (f *Facts) APIFindings() []finding.Finding {
	f.apiOnce.Do(func() {
		if from := f.apiFrom; from != nil {
			f.api, f.apiFrom = from.APIFindings(), nil
			return
		}
		f.api = f.RBAC().Analyze(f.Tenancy)
	})
	return f.api
}

// NetworkFindings is the network model's findings (the Service checks'
// apart), found once. Callers must not change them.
func (f *Facts) NetworkFindings() []finding.Finding {
	f.netFindOnce.Do(func() {
		if from := f.netFindFrom; from != nil {
			f.netFindings, f.netFindFrom = from.NetworkFindings(), nil
			return
		}
		f.netFindings = f.NetworkModel().Findings(f.Snapshot, f.Tenancy)
	})
	return f.netFindings
}

// NetworkModel is the network engine's compiled reachability.
func (f *Facts) NetworkModel() *netpol.Model {
	f.netOnce.Do(func() { f.net = netpol.Compile(f.Snapshot, f.Network) })
	return f.net
}

// Workload is the node engine's result.
func (f *Facts) Workload() *node.Result {
	f.nodeOnce.Do(func() {
		if f.judged != nil {
			f.node, f.judged = node.Rejudge(f.judged, f.Snapshot, f.Tenancy, f.RBAC(), f.rejudgeNamespaces, f.rejudge), nil
			return
		}
		f.node = node.AnalyzeWith(f.Snapshot, f.Tenancy, f.RBAC())
	})
	return f.node
}

// DNS is the DNS engine's findings.
func (f *Facts) DNS() []finding.Finding {
	f.dnsOnce.Do(func() { f.dns = dns.Analyze(f.Snapshot, f.Tenancy) })
	return f.dns
}

// Services is the findings of the Service and Ingress checks, which the
// network engine reports beside NetworkPolicy's.
func (f *Facts) Services() []finding.Finding {
	f.svcOnce.Do(func() {
		// Never nil once made, none found or not: Update keeps them by
		// that (keepsServices).
		if f.services = service.Analyze(f.Snapshot, f.Tenancy); f.services == nil {
			f.services = []finding.Finding{}
		}
	})
	return f.services
}

// Graph is the attack graph joining every engine's facts.
func (f *Facts) Graph() *attackpath.Model {
	f.graphOnce.Do(func() {
		exposed := dns.Exposures(f.Snapshot, f.Tenancy)
		f.graph.Store(attackpath.Build(attackpath.Inputs{
			Snapshot: f.Snapshot, Tenancy: f.Tenancy,
			RBAC: f.RBAC(), Workload: f.Workload(), Network: f.NetworkModel(), DNS: exposed,
		}))
	})
	return f.graph.Load()
}
