package scalegen

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
)

// The shape of one tenant, as issue 11 describes the production cluster.
const (
	NamespacesPerTenant     = 5
	DeploymentsPerNamespace = 5
	Replicas                = 4
	// PodsPerTenant is the number of tenant pods each tenant adds.
	PodsPerTenant = NamespacesPerTenant * DeploymentsPerNamespace * Replicas
	// PodsPerNode is the average number of tenant pods a node runs.
	PodsPerNode = 80
	// ClusterRoles is the number of custom ClusterRoles tenants bind.
	ClusterRoles = 300
	// AdminNetworkPolicies is the number of AdminNetworkPolicies.
	AdminNetworkPolicies = 50
	// platformNamespaces are default, kube-system, kube-public,
	// kube-node-lease, ingress-nginx, monitoring and cert-manager.
	platformNamespaces = 7
)

// Format is how the cluster is written.
type Format int

const (
	// YAML is one document per object, separated by "---".
	YAML Format = iota
	// JSON is one v1 List holding every object.
	JSON
)

// String returns the format's file extension without the dot.
func (f Format) String() string {
	if f == JSON {
		return "json"
	}
	return "yaml"
}

// Config says which cluster to write.
type Config struct {
	// Tenants is the number of tenants; each has NamespacesPerTenant
	// namespaces and PodsPerTenant pods. At least 1.
	Tenants int
	// Seed drives every random choice: one Config, one output.
	Seed uint64
	// Format is YAML (the default) or JSON.
	Format Format
	// CrossTenantAllows is the number of namespace pairs of different
	// tenants that NetworkPolicies open to each other (egress in the
	// source, ingress in the destination). Zero means the issue's
	// proportion: 500 at 1,000 tenants, so Tenants/2 (at least 1 when
	// there are two tenants).
	CrossTenantAllows int
}

// Stats counts what Write wrote.
type Stats struct {
	Objects    int
	Bytes      int64
	Namespaces int
	Nodes      int
	// Pods counts every pod, the platform's included.
	Pods int
	// TenantPods counts the pods of tenant namespaces.
	TenantPods int
	// Workloads counts Deployments and DaemonSets.
	Workloads       int
	NetworkPolicies int
	RoleBindings    int
	ClusterRoles    int
}

// Tenants returns the tenant count whose cluster has about pods tenant
// pods.
func Tenants(pods int) int {
	return max(1, (pods+PodsPerTenant/2)/PodsPerTenant)
}

// TenantName returns the name of tenant i (0-based): the value of the
// tenant label of its namespaces.
func TenantName(i int) string { return fmt.Sprintf("team-%04d", i+1) }

// Write writes the cluster cfg describes to w and says what it wrote.
func Write(w io.Writer, cfg Config) (Stats, error) {
	if cfg.Tenants < 1 {
		return Stats{}, fmt.Errorf("scalegen: tenants must be at least 1, got %d", cfg.Tenants)
	}
	if cfg.CrossTenantAllows == 0 && cfg.Tenants > 1 {
		cfg.CrossTenantAllows = max(1, cfg.Tenants/2)
	}
	if cfg.Tenants < 2 {
		cfg.CrossTenantAllows = 0
	}
	e := newEmitter(w, cfg.Format)
	g := newGenerator(cfg, e)
	g.run()
	if err := e.close(); err != nil {
		return Stats{}, fmt.Errorf("scalegen: write: %w", err)
	}
	g.stats.Objects = e.objects
	g.stats.Bytes = e.bytes
	return g.stats, nil
}

// emitter streams objects as YAML documents or items of a JSON List.
type emitter struct {
	w       *bufio.Writer
	format  Format
	objects int
	bytes   int64
	err     error
	buf     []byte // the YAML of the last object
}

func newEmitter(w io.Writer, f Format) *emitter {
	e := &emitter{w: bufio.NewWriterSize(w, 1<<20), format: f}
	if f == JSON {
		e.write([]byte(`{"apiVersion":"v1","kind":"List","metadata":{},"items":[` + "\n"))
	}
	return e
}

func (e *emitter) write(b []byte) {
	if e.err != nil {
		return
	}
	n, err := e.w.Write(b)
	e.bytes += int64(n)
	e.err = err
}

// emit writes one object, which must carry its apiVersion and kind.
func (e *emitter) emit(obj any) {
	if e.err != nil {
		return
	}
	js, err := json.Marshal(obj)
	if err != nil {
		e.err = err
		return
	}
	switch e.format {
	case JSON:
		if e.objects > 0 {
			e.write([]byte(",\n"))
		}
		e.write(js)
	default:
		e.buf, e.err = appendYAML(append(e.buf[:0], "---\n"...), js)
		e.write(e.buf)
	}
	e.objects++
}

func (e *emitter) close() error {
	if e.format == JSON {
		e.write([]byte("\n]}\n"))
	}
	if e.err != nil {
		return e.err
	}
	return e.w.Flush()
}

// generator holds what the sections share: the random source of each, the
// node plan and the addresses handed out.
type generator struct {
	cfg   Config
	e     *emitter
	stats Stats
	nodes []node
	// general and batch index the untainted and tainted nodes.
	general, batch []int
	// nextServiceIP counts the ClusterIPs handed out.
	nextServiceIP int
	// crossIn and crossOut list, by tenant namespace index, the namespaces
	// a cross-tenant allow admits from and sends to.
	crossIn, crossOut map[int][]int
	uids              *rand.Rand
}

func newGenerator(cfg Config, e *emitter) *generator {
	return &generator{cfg: cfg, e: e, uids: section(cfg.Seed, "uids")}
}

// section returns the random source of one part of the cluster, so that
// each part's choices do not depend on how many draws another made.
func section(seed uint64, name string) *rand.Rand {
	var h uint64 = 14695981039346656037
	for i := 0; i < len(name); i++ {
		h ^= uint64(name[i])
		h *= 1099511628211
	}
	return rand.New(rand.NewPCG(seed, h))
}

func (g *generator) run() {
	g.planNodes()
	g.planCrossTenant()
	g.writeNodes()
	g.writeClusterRBAC()
	g.writeAdminNetworkPolicies()
	g.writePlatform()
	g.writeTenants()
}
