package analysis

import (
	"sync"

	"github.com/bulkhead-dev/bulkhead/internal/attackpath"
	"github.com/bulkhead-dev/bulkhead/internal/exposure"
	"github.com/bulkhead-dev/bulkhead/internal/finding"
	"github.com/bulkhead-dev/bulkhead/internal/netpol"
	"github.com/bulkhead-dev/bulkhead/internal/rbac"
	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
	"github.com/bulkhead-dev/bulkhead/internal/tenancy"
	"github.com/bulkhead-dev/bulkhead/internal/workload"
)

// Facts holds each engine's model of one snapshot, built once on first use
// and shared by the analyses and the attack graph.
type Facts struct {
	Snapshot *snapshot.Snapshot
	Tenancy  *tenancy.Tenancy
	// Network are the semantics the network model is compiled with.
	Network netpol.Options

	rbacOnce, netOnce, nodeOnce, expOnce, graphOnce sync.Once
	authz                                           *rbac.Authorizer
	net                                             *netpol.Model
	node                                            *workload.Result
	exposure                                        []finding.Finding
	graph                                           *attackpath.Model
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
	f.Exposure()
	wg.Wait()
}

// RBAC is the API engine's authorizer.
func (f *Facts) RBAC() *rbac.Authorizer {
	f.rbacOnce.Do(func() { f.authz = rbac.NewAuthorizer(f.Snapshot) })
	return f.authz
}

// NetworkModel is the network engine's compiled reachability.
func (f *Facts) NetworkModel() *netpol.Model {
	f.netOnce.Do(func() { f.net = netpol.Compile(f.Snapshot, f.Network) })
	return f.net
}

// Workload is the node engine's result.
func (f *Facts) Workload() *workload.Result {
	f.nodeOnce.Do(func() { f.node = workload.AnalyzeWith(f.Snapshot, f.Tenancy, f.RBAC()) })
	return f.node
}

// Exposure is the DNS, Service and Ingress findings.
func (f *Facts) Exposure() []finding.Finding {
	f.expOnce.Do(func() { f.exposure = exposure.Analyze(f.Snapshot, f.Tenancy) })
	return f.exposure
}

// Graph is the attack graph joining every engine's facts.
func (f *Facts) Graph() *attackpath.Model {
	f.graphOnce.Do(func() {
		dns := exposure.DNSExposures(f.Snapshot, f.Tenancy)
		f.graph = attackpath.Build(attackpath.Inputs{
			Snapshot: f.Snapshot, Tenancy: f.Tenancy,
			RBAC: f.RBAC(), Workload: f.Workload(), Network: f.NetworkModel(), DNS: dns,
		})
	})
	return f.graph
}
