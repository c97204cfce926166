package node

import (
	"encoding/json"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	corev1helpers "k8s.io/component-helpers/scheduling/corev1"
	"k8s.io/component-helpers/scheduling/corev1/nodeaffinity"

	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
)

// Placement is where a pod runs, or may run.
type Placement struct {
	// Nodes lists the nodes, sorted. It is empty when Anywhere is set, or
	// when no node of the snapshot fits the pod.
	Nodes []string `json:"nodes,omitempty"`
	// Anywhere is set when the snapshot has no nodes to judge by: the pod
	// may be scheduled beside any other pod.
	Anywhere bool `json:"anywhere,omitempty"`
	// Pinned is set when Nodes comes from spec.nodeName (the scheduler's
	// choice on a live cluster, or the author's in a manifest).
	Pinned bool `json:"pinned,omitempty"`
}

// placer computes placements, once per distinct set of scheduling
// constraints.
type placer struct {
	nodes []corev1.Node
	cache map[string]int
	all   []Placement
}

func newPlacer(nodes []corev1.Node) *placer {
	return &placer{nodes: nodes, cache: map[string]int{}}
}

// place returns the index of the pod's placement in p.all.
func (p *placer) place(pod *corev1.Pod) int {
	if snapshot.IsSynthetic(pod) && strings.HasPrefix(pod.Annotations[snapshot.SyntheticAnnotation], "DaemonSet/") {
		pod = withDaemonSetTolerations(pod)
	}
	key := placementKey(pod, len(p.nodes) == 0)
	if id, ok := p.cache[key]; ok {
		return id
	}
	var pl Placement
	switch {
	case pod.Spec.NodeName != "":
		pl = Placement{Nodes: []string{pod.Spec.NodeName}, Pinned: true}
	case len(p.nodes) == 0:
		pl = Placement{Anywhere: true}
	default:
		pl = Placement{Nodes: p.fitting(pod)}
	}
	p.all = append(p.all, pl)
	p.cache[key] = len(p.all) - 1
	return len(p.all) - 1
}

// fitting lists the nodes whose labels satisfy the pod's nodeSelector and
// required node affinity and whose NoSchedule and NoExecute taints the pod
// tolerates: the scheduler's filters that depend on the pod's spec and the
// node alone. Resources, ports and inter-pod affinity change with load and
// are not judged.
func (p *placer) fitting(pod *corev1.Pod) []string {
	required := nodeaffinity.GetRequiredNodeAffinity(pod)
	var out []string
	for i := range p.nodes {
		n := &p.nodes[i]
		if ok, err := required.Match(n); err != nil || !ok {
			continue
		}
		if _, untolerated := corev1helpers.FindMatchingUntoleratedTaint(n.Spec.Taints, pod.Spec.Tolerations, schedulingTaint); untolerated {
			continue
		}
		out = append(out, n.Name)
	}
	sort.Strings(out)
	return out
}

// daemonSetTolerations are the tolerations the DaemonSet controller adds
// to every pod it creates (k8s.io/kubernetes/pkg/controller/daemon/util),
// so that its pods run on cordoned and pressured nodes too.
var daemonSetTolerations = []corev1.Toleration{
	{Key: "node.kubernetes.io/not-ready", Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute},
	{Key: "node.kubernetes.io/unreachable", Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute},
	{Key: "node.kubernetes.io/disk-pressure", Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule},
	{Key: "node.kubernetes.io/memory-pressure", Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule},
	{Key: "node.kubernetes.io/pid-pressure", Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule},
	{Key: "node.kubernetes.io/unschedulable", Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule},
}

// withDaemonSetTolerations returns a copy of a DaemonSet's representative
// pod with the controller's tolerations (and, for hostNetwork pods,
// network-unavailable).
func withDaemonSetTolerations(pod *corev1.Pod) *corev1.Pod {
	out := *pod
	out.Spec.Tolerations = append(append([]corev1.Toleration(nil), pod.Spec.Tolerations...), daemonSetTolerations...)
	if pod.Spec.HostNetwork {
		out.Spec.Tolerations = append(out.Spec.Tolerations, corev1.Toleration{Key: "node.kubernetes.io/network-unavailable", Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule})
	}
	return &out
}

func schedulingTaint(t *corev1.Taint) bool {
	return t.Effect == corev1.TaintEffectNoSchedule || t.Effect == corev1.TaintEffectNoExecute
}

// placementKey is equal for pods whose placement is equal.
func placementKey(pod *corev1.Pod, noNodes bool) string {
	if pod.Spec.NodeName != "" {
		return "node:" + pod.Spec.NodeName
	}
	if noNodes {
		return "anywhere"
	}
	var b strings.Builder
	keys := make([]string, 0, len(pod.Spec.NodeSelector))
	for k := range pod.Spec.NodeSelector {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		b.WriteString(k + "=" + pod.Spec.NodeSelector[k] + ",")
	}
	b.WriteByte('|')
	if a := pod.Spec.Affinity; a != nil && a.NodeAffinity != nil && a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution != nil {
		js, _ := json.Marshal(a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution)
		b.Write(js)
	}
	b.WriteByte('|')
	if len(pod.Spec.Tolerations) > 0 {
		js, _ := json.Marshal(pod.Spec.Tolerations)
		b.Write(js)
	}
	return b.String()
}

// CoLocation says which tenants run, or may run, on which nodes. It is
// kept per placement (pods with the same constraints land on the same
// nodes), so its size follows distinct placements, not pods.
type CoLocation struct {
	// Anywhere is set when the snapshot has no nodes: every pod without a
	// nodeName may share a node with every other pod.
	Anywhere bool

	placements []*Placement           // by placement id
	tenantsAt  []map[string]int       // placement id -> tenant -> a witness pod (index into Result.Pods)
	onNode     map[string][]int       // node -> ids of the placements that include it
	free       []int                  // ids of Anywhere placements
	byTenant   map[string][]int       // tenant -> its placement ids
	tenants    map[string]int         // tenants with running pods -> a witness pod
	near       []map[string]neighbour // placement id -> exposure, computed on demand

	nodes, tenantList []string
}

func newCoLocation(anywhere bool) *CoLocation {
	return &CoLocation{Anywhere: anywhere, onNode: map[string][]int{}, byTenant: map[string][]int{}, tenants: map[string]int{}}
}

// add records that a running pod of tenant sits at placement id.
func (c *CoLocation) add(tenant string, id int, pl *Placement, pod int) {
	for len(c.placements) <= id {
		c.placements = append(c.placements, nil)
		c.tenantsAt = append(c.tenantsAt, nil)
		c.near = append(c.near, nil)
	}
	if c.placements[id] == nil {
		c.placements[id] = pl
		c.tenantsAt[id] = map[string]int{}
		if pl.Anywhere {
			c.free = append(c.free, id)
		}
		for _, n := range pl.Nodes {
			if c.onNode[n] == nil {
				c.nodes = append(c.nodes, n)
			}
			c.onNode[n] = append(c.onNode[n], id)
		}
	}
	if _, ok := c.tenantsAt[id][tenant]; !ok {
		c.tenantsAt[id][tenant] = pod
		c.byTenant[tenant] = append(c.byTenant[tenant], id)
	}
	if _, ok := c.tenants[tenant]; !ok {
		c.tenants[tenant] = pod
	}
}

func (c *CoLocation) finish() {
	sort.Strings(c.nodes)
	c.tenantList = sortedKeys(boolSet(c.tenants))
}

// sortedTenants lists the tenants with running pods, sorted.
func (c *CoLocation) sortedTenants() []string { return c.tenantList }

// Nodes lists the nodes some pod runs or may run on, sorted.
func (c *CoLocation) Nodes() []string { return c.nodes }

// OnNode lists the tenants that run or may run on a node, sorted.
func (c *CoLocation) OnNode(node string) []string {
	set := map[string]bool{}
	for _, ids := range [][]int{c.onNode[node], c.free} {
		for _, id := range ids {
			for t := range c.tenantsAt[id] {
				set[t] = true
			}
		}
	}
	return sortedKeys(set)
}

// Share reports whether pods of tenants a and b may run on the same node.
func (c *CoLocation) Share(a, b string) bool {
	for _, id := range c.byTenant[a] {
		if _, ok := c.exposedAt(id)[b]; ok {
			return true
		}
	}
	return false
}

// Neighbours lists the other tenants that may share a node with tenant t.
func (c *CoLocation) Neighbours(t string) []string {
	set := map[string]bool{}
	for _, id := range c.byTenant[t] {
		for u := range c.exposedAt(id) {
			if u != t {
				set[u] = true
			}
		}
	}
	return sortedKeys(set)
}

func (c *CoLocation) exposedAt(id int) map[string]neighbour {
	if c.near[id] == nil {
		c.near[id] = c.exposed(c.placements[id])
	}
	return c.near[id]
}

// exposed returns, for a pod placed at pl, the tenants that run or may run
// beside it, each with a witness pod and the node it shares.
func (c *CoLocation) exposed(pl *Placement) map[string]neighbour {
	out := map[string]neighbour{}
	merge := func(id int, node string) {
		for t, pod := range c.tenantsAt[id] {
			if _, ok := out[t]; !ok {
				out[t] = neighbour{pod: pod, node: node}
			}
		}
	}
	if pl.Anywhere {
		for id := range c.placements {
			if c.placements[id] != nil {
				merge(id, "*")
			}
		}
		return out
	}
	seen := map[int]bool{}
	for _, n := range pl.Nodes {
		for _, id := range c.onNode[n] {
			if !seen[id] {
				seen[id] = true
				merge(id, n)
			}
		}
	}
	if len(pl.Nodes) > 0 {
		for _, id := range c.free {
			merge(id, pl.Nodes[0])
		}
	}
	return out
}

type neighbour struct {
	pod  int
	node string
}

func boolSet(m map[string]int) map[string]bool {
	out := make(map[string]bool, len(m))
	for k := range m {
		out[k] = true
	}
	return out
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// shareAt reports whether pods at placements a and b may share a node.
func (c *CoLocation) shareAt(a, b int) bool {
	pa, pb := c.placements[a], c.placements[b]
	if pa == nil || pb == nil {
		return false
	}
	if pa.Anywhere || pb.Anywhere {
		return true
	}
	for i, j := 0, 0; i < len(pa.Nodes) && j < len(pb.Nodes); {
		switch {
		case pa.Nodes[i] == pb.Nodes[j]:
			return true
		case pa.Nodes[i] < pb.Nodes[j]:
			i++
		default:
			j++
		}
	}
	return false
}
