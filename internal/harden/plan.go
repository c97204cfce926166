package harden

import (
	"k8s.io/apimachinery/pkg/runtime"
	"slices"
)

// Labels and annotations on every object harden writes.
const (
	// ManagedByLabel marks objects harden wrote, with value ManagedBy.
	ManagedByLabel = "app.kubernetes.io/managed-by"
	ManagedBy      = "bulkhead"
	// ClosesAnnotation lists, comma-separated, the IDs of the findings
	// (BH-NET-001, ...) an object closes.
	ClosesAnnotation = "bulkhead.dev/closes"
	// ReasonAnnotation says in one line why the object is there.
	ReasonAnnotation = "bulkhead.dev/reason"
)

// Layer is one isolation layer harden can close.
type Layer string

// The layers, in the order harden works through them.
const (
	Network     Layer = "network"
	PodSecurity Layer = "pod-security"
	DNS         Layer = "dns"
	RBAC        Layer = "rbac"
	Quota       Layer = "quota"
	Node        Layer = "node"
)

// Layers is every layer, in order.
var Layers = []Layer{Network, PodSecurity, DNS, RBAC, Quota, Node}

// Egress says what tenants may reach outside the cluster.
type Egress string

const (
	// EgressInternet keeps egress to addresses outside the cluster (never
	// the metadata service, the pod or the service ranges).
	EgressInternet Egress = "internet"
	// EgressNone allows no egress outside the cluster.
	EgressNone Egress = "none"
)

// Options are the choices a user makes about a plan.
type Options struct {
	// Layers are the layers to close; all when empty.
	Layers []Layer
	// Egress is what tenants may reach outside the cluster.
	Egress Egress
	// AdminNetwork emits AdminNetworkPolicies and a
	// BaselineAdminNetworkPolicy, which tenants cannot delete, instead of
	// NetworkPolicies (only when the cluster serves them).
	AdminNetwork bool
	// AllowFlows are intentional cross-tenant flows to keep.
	AllowFlows []Flow
	// AllowPrivileged names the namespaces whose Pod Security level may
	// stay below baseline.
	AllowPrivileged []string
	// Quota adds a LimitRange to the ResourceQuota of each tenant
	// namespace and allows LoadBalancer Services.
	Quota bool
}

// Flow is one intentional cross-tenant flow, kept by the plan: from the
// pods of a namespace (all when From.Pods is nil) to those of another, on
// some ports (all when empty).
type Flow struct {
	// Name says what the flow is for; it is written on the objects that
	// keep it.
	Name string `json:"name"`
	From Peer   `json:"from"`
	To   Peer   `json:"to"`
	// Ports are "PROTO/PORT" or "PORT" (TCP) or a named port; all when
	// empty.
	Ports []string `json:"ports,omitempty"`
}

// Peer is one side of a Flow.
type Peer struct {
	Namespace string            `json:"namespace"`
	Pods      map[string]string `json:"pods,omitempty"`
}

// Object is one object harden proposes to apply as it is: a
// NetworkPolicy, a Namespace whose labels are to be merged, a
// ResourceQuota. What harden creates carries ManagedByLabel; a Namespace
// it only labels stays its owner's. All carry ClosesAnnotation.
type Object struct {
	Layer Layer
	// Namespace is where the object goes ("" for cluster-scoped ones);
	// the output groups objects by it.
	Namespace string
	Obj       runtime.Object
	// Closes are the finding IDs it closes, sorted.
	Closes []string
	// Why says in one line what it does.
	Why string
}

// Proposal is a change harden cannot make safely on its own: narrower
// RBAC, a Corefile edit, moving pods to dedicated nodes, a Service to
// delete. It is written apart from the Objects, for a human to review.
type Proposal struct {
	Layer Layer
	// Title says what to change, in one line.
	Title string
	// Detail says why, and what breaks if it is applied blindly.
	Detail string
	// Closes are the finding IDs it closes, sorted.
	Closes []string
	// Apply are the objects to apply (replacing those of the same
	// identity) and Delete those to delete, when the proposal is adopted;
	// the proof applies them apart from the Objects to show their effect.
	Apply  []runtime.Object
	Delete []runtime.Object
	// Diff shows the change as a unified diff of YAML, when the proposal
	// changes existing objects. A proposal to move pods to dedicated nodes
	// has it made when the review files are written (FillDiffs): a big
	// cluster has hundreds, and -o json or text shows none.
	Diff string

	// before are the objects Apply replaces, for FillDiffs.
	before []runtime.Object
}

// Work is something harden found that only a workload's owner can fix:
// a pod a proposed Pod Security level would refuse.
type Work struct {
	Namespace string
	// Object is the pod or controller: "Deployment/web".
	Object string
	// Problem is what is wrong, in the admission plugin's words.
	Problem string
}

// Plan is what harden proposes for a snapshot.
type Plan struct {
	Objects   []Object
	Proposals []Proposal
	Work      []Work
	// Notes say what was not done and why (a layer the cluster does not
	// allow closing, a flow that cannot be expressed).
	Notes []string
	// Layers are the layers the plan was made for (all when none was
	// asked for), so that a residual says it was left for a layer not
	// asked for.
	Layers []Layer `json:"-"`
}

// made reports whether the plan was made for layer l; a plan built by
// hand, with no layers said, counts as made for all.
func (p Plan) made(l Layer) bool { return len(p.Layers) == 0 || slices.Contains(p.Layers, l) }
