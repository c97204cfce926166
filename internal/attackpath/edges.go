package attackpath

// The edge types. docs/attack-graph.md says what each means and which engine
// fact proves it; TestEdgeTypesDocumented keeps the two in step.
const (
	// node layer (internal/workload)
	MountsToken   EdgeType = "mounts-token-of"        // Pod → ServiceAccount
	EscapesToNode EdgeType = "escapes-to-node"        // Pod → Node
	PrivilegedPod EdgeType = "runs-privileged-pod-on" // Workloads → Node
	NodeRunsPod   EdgeType = "node-runs-pod"          // Node → Pod
	MayBeNode     EdgeType = "may-be"                 // Node/(any node) → Node
	ControlPlane  EdgeType = "root-on-control-plane"  // Pod, Workloads → ClusterAdmin

	// api layer (internal/rbac)
	MemberOf       EdgeType = "member-of"          // User, ServiceAccount → Group
	CreatesPods    EdgeType = "creates-pods-in"    // subject → Workloads
	RunsPodsAs     EdgeType = "runs-pods-as"       // Workloads → ServiceAccount
	ExecsInto      EdgeType = "execs-into"         // subject → Pod
	ReadsSecrets   EdgeType = "reads-secrets-of"   // subject → Secrets
	HoldsToken     EdgeType = "holds-token-of"     // Secrets → ServiceAccount
	MintsToken     EdgeType = "mints-token-of"     // subject → ServiceAccount
	Impersonates   EdgeType = "impersonates"       // subject → ServiceAccount, User or Group
	ReadsObjects   EdgeType = "reads-objects-in"   // subject → Namespace
	ProxiesTo      EdgeType = "proxies-to"         // subject → Pod (services/proxy)
	KubeletProxy   EdgeType = "kubelet-proxy-to"   // subject → Node (nodes/proxy)
	IsClusterAdmin EdgeType = "is-cluster-admin"   // subject → ClusterAdmin
	AdminControls  EdgeType = "cluster-admin-runs" // ClusterAdmin → Workloads
	BindsRole      EdgeType = "binds-role"         // subject → Grant (bind.go)
	EscalatesRole  EdgeType = "escalates-role"     // subject → Grant (bind.go)
	Relabels       EdgeType = "relabels"           // subject → Labels (relabel.go)
	LiftsPSA       EdgeType = "lifts-pod-security" // subject → Node (relabel.go)
	JoinsSelector  EdgeType = "joins-selector"     // Labels → Pod (relabel.go)

	// network layer (internal/netpol)
	NetworkSource   EdgeType = "network-source"      // Pod → NetClass (hidden)
	Reaches         EdgeType = "reaches"             // NetClass → NetClass
	NetworkDest     EdgeType = "network-destination" // NetClass → Pod (hidden)
	ReachesFromNode EdgeType = "reaches-from-node"   // Pod (host network) → Pod on its node
)

// EdgeTypes lists every edge type, in documentation order.
var EdgeTypes = []EdgeType{
	MountsToken, EscapesToNode, PrivilegedPod, NodeRunsPod, MayBeNode, ControlPlane,
	MemberOf, CreatesPods, RunsPodsAs, ExecsInto, ReadsSecrets, HoldsToken, MintsToken, Impersonates,
	ReadsObjects, ProxiesTo, KubeletProxy, IsClusterAdmin, AdminControls,
	BindsRole, EscalatesRole, Relabels, LiftsPSA, JoinsSelector,
	NetworkSource, Reaches, NetworkDest, ReachesFromNode,
}
