package admission

import (
	"fmt"
	"sync"

	"github.com/bulkhead-dev/bulkhead/internal/node"
	"github.com/bulkhead-dev/bulkhead/internal/rbac"
	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
	"github.com/bulkhead-dev/bulkhead/internal/tenancy"
)

// Admission decides requests against one snapshot of the cluster. It only
// reads what it was made from and is safe for concurrent use; when the
// cluster changes, make a new one.
type Admission struct {
	cfg    Config
	snap   *snapshot.Snapshot
	tenCfg tenancy.Config
	ten    *tenancy.Tenancy
	judge  *node.Judge
	authz  *rbac.Authorizer
	known  map[string]bool // namespaces the snapshot holds
	index  tenantIndex

	// pods finds pods by IP (WithPods); without it, snapPods indexes the
	// snapshot's pods on first use.
	pods     PodIndex
	podsOnce sync.Once
	snapPods PodIndex
	// rbacStore holds the snapshot's RBAC objects, made on the first Role
	// or ClusterRole judged; each is judged on a clone of it.
	rbacOnce  sync.Once
	rbacStore *snapshot.Store
	// podPeers are the NetworkPolicy peers a pod's labels can join,
	// compiled on the first pod judged (podJoins).
	npPeersOnce sync.Once
	npPeers     []npPodPeer
	npIndex     selectorIndex // of npPeers' pod selectors
	// nsPeers are the NetworkPolicy peers a namespace's labels can join,
	// compiled on the first namespace judged (selectorJoins).
	nsPeersOnce sync.Once
	nsPeers     []nsPeer
	nsIndex     selectorIndex // of nsPeers' selectors
	// adminPods are the admin network policies a pod's labels can join,
	// compiled on the first pod judged (adminPodJoins).
	adminPodsOnce sync.Once
	adminPods     []adminPods
	// adminNS are the admin network policies a namespace's labels can
	// join, compiled on the first namespace judged (adminJoins).
	adminNSOnce sync.Once
	adminNS     []adminNamespaces
}

// New prepares the decisions over a normalised snapshot (a Store's View),
// grouped into tenants by tc, with the rules' modes of cfg. The snapshot
// must not change afterwards.
func New(snap *snapshot.Snapshot, tc tenancy.Config, cfg Config, opts ...Option) (*Admission, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("webhook configuration: %w", err)
	}
	ten, err := tenancy.Resolve(snap, tc)
	if err != nil {
		return nil, fmt.Errorf("tenancy: %w", err)
	}
	a := &Admission{
		cfg:    cfg,
		snap:   snap,
		tenCfg: tc,
		ten:    ten,
		judge:  node.NewJudge(snap, ten),
		authz:  rbac.NewAuthorizer(snap),
		known:  make(map[string]bool, len(snap.Namespaces)),
		index:  newTenantIndex(snap, ten, tc.Label),
	}
	for i := range snap.Namespaces {
		a.known[snap.Namespaces[i].Name] = true
	}
	for _, o := range opts {
		o(a)
	}
	a.compileJoins()
	return a, nil
}

// Config returns the configuration the decisions follow.
func (a *Admission) Config() Config { return a.cfg }

// Tenancy returns the tenants the decisions are made between.
func (a *Admission) Tenancy() *tenancy.Tenancy { return a.ten }
