package attackpath

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/bulkhead-dev/bulkhead/internal/finding"
	"github.com/bulkhead-dev/bulkhead/internal/node"
)

// nodeEdges joins pods and nodes: escaping pods own their node, a node owns
// every pod on it, and a new pod in a namespace without Pod Security
// enforcement can be made to escape.
func (m *Model) nodeEdges() {
	w := m.in.Workload
	if w == nil {
		return
	}
	snap := m.in.Snapshot
	cp := m.controlPlaneNodes()
	// Placement vertices group the pods a node runs or may run, so that a
	// node costs one edge per placement, not one per pod.
	var anywhere []int32
	for i := range w.Pods {
		f := &w.Pods[i]
		if !podExists(w, i) {
			continue
		}
		p := &snap.Pods[i]
		pv := m.pod(i)
		nodes := m.nodesOf(&f.Placement)
		plv, isNew := m.placement(f)
		if isNew && f.Placement.Anywhere {
			anywhere = append(anywhere, plv)
		}
		if isNew {
			for _, node := range nodes {
				nv := m.g.Vertex(Vertex{Kind: Node, Name: node})
				m.g.Add(Edge{From: nv, To: plv, Type: NodeRunsPod, Layer: finding.Node, Severity: finding.High, Hidden: true})
			}
		}
		m.g.Add(Edge{From: plv, To: pv, Type: NodeRunsPod, Layer: finding.Node, Severity: finding.High,
			Evidence: []finding.Step{{Object: podRef(p), Fact: placementFact(&f.Placement, nodes)}}})
		if f.EscapesToNode() {
			for _, node := range nodes {
				nv := m.g.Vertex(Vertex{Kind: Node, Name: node})
				m.g.Add(Edge{From: pv, To: nv, Type: EscapesToNode, Layer: finding.Node, Severity: finding.Critical,
					Detail: escapeFields(f), Evidence: escapeEvidence(p, f)})
			}
			if len(cp) > 0 {
				m.rootOnControlPlane(pv, p, f, nodes, cp)
			}
		}
	}
	m.joinUnlistedNodes(anywhere)
	for _, ns := range w.Unenforced() {
		wv := m.g.Vertex(Vertex{Kind: Workloads, Namespace: ns.Namespace, Name: ns.Namespace})
		m.g.Add(Edge{From: wv, To: m.privilegedHubVertex(), Type: PrivilegedPod, Layer: finding.Node, Severity: finding.Critical, shifted: true,
			Evidence: []finding.Step{{Object: finding.Ref{Kind: "Namespace", Name: ns.Namespace},
				Fact: "no Pod Security enforce level (or enforce=privileged): a privileged pod with hostPath / is admitted"}}})
		if len(cp) > 0 {
			// The pod's author picks its node (nodeName) and tolerates
			// the control plane's taint.
			m.g.Add(Edge{From: wv, To: m.admin, Type: ControlPlane, Layer: finding.Node, Severity: finding.Critical,
				Evidence: []finding.Step{
					{Object: finding.Ref{Kind: "Namespace", Name: ns.Namespace}, Fact: "no Pod Security enforce level (or enforce=privileged): a privileged pod with hostPath /, nodeName " + cp[0] + " and a toleration of its taint is admitted"},
					controlPlaneStep(cp[0]),
				}})
		}
	}
}

// controlPlaneLabels mark the nodes of a control plane the cluster runs
// itself (kubeadm, k3s, RKE2); a managed control plane has no Node.
var controlPlaneLabels = []string{"node-role.kubernetes.io/control-plane", "node-role.kubernetes.io/master"}

// controlPlaneNodes lists the snapshot's control-plane nodes, by name.
func (m *Model) controlPlaneNodes() []string {
	var out []string
	for i := range m.in.Snapshot.Nodes {
		n := &m.in.Snapshot.Nodes[i]
		if slices.ContainsFunc(controlPlaneLabels, func(l string) bool { _, ok := n.Labels[l]; return ok }) {
			out = append(out, n.Name)
		}
	}
	slices.Sort(out)
	return out
}

// controlPlaneStep is why root on a control-plane node is cluster-admin.
func controlPlaneStep(node string) finding.Step {
	return finding.Step{Object: finding.Ref{Kind: "Node", Name: node},
		Fact: "is a control-plane node: root on it reads the cluster's admin credentials and keys (/etc/kubernetes/admin.conf, pki/), which act as or sign any identity"}
}

// rootOnControlPlane adds the edge from a pod that is root on its node
// to cluster-admin when a node it runs or may run on is a control-plane
// node (cp). Only escapes that yield the cluster's admin credentials there
// count (node.Escape.Admin), not every escape that reaches the node: the
// kubelet's credentials, read from /var/lib/kubelet, are not the control
// plane's.
func (m *Model) rootOnControlPlane(pv int32, p *corev1.Pod, f *node.PodFacts, nodes, cp []string) {
	var root *node.Escape
	for i := range f.Escapes {
		if e := &f.Escapes[i]; e.Admin {
			root = e
			break
		}
	}
	if root == nil {
		return
	}
	for _, n := range nodes {
		if slices.Contains(cp, n) {
			m.g.Add(Edge{From: pv, To: m.admin, Type: ControlPlane, Layer: finding.Node, Severity: finding.Critical, Detail: root.Field,
				Evidence: []finding.Step{{Object: podRef(p), Fact: "runs or may run on " + n + ", and is root there: " + root.Reason}, controlPlaneStep(n)}})
			return
		}
	}
}

// privilegedHub is the name of the hub of every node that a privileged
// pod may run on: the cluster's ground, as its nodes are (see territory).
const privilegedHub = "privileged-pod:*"

// privilegedHubVertex returns the hidden hop from a namespace that admits
// privileged pods to every node, wired when new: the pod's author picks
// nodeName and tolerations, so taints and cordons keep no one out. Through
// it such namespaces cost one edge each, not one per node (namespaces ×
// nodes grows with the square of the cluster).
func (m *Model) privilegedHubVertex() int32 {
	v := Vertex{Kind: Hub, Name: privilegedHub}
	if id, ok := m.g.Lookup(v); ok {
		return id
	}
	h := m.g.Vertex(v)
	for _, node := range m.allNodes() {
		nv := m.g.Vertex(Vertex{Kind: Node, Name: node})
		m.g.addNew(Edge{From: h, To: nv, Type: PrivilegedPod, Layer: finding.Node, Severity: finding.Critical, Hidden: true, shifted: true})
	}
	return h
}

// nodesOf lists the nodes a placement may put a pod on, AnyNode when the
// snapshot has none.
func (m *Model) nodesOf(pl *node.Placement) []string {
	if pl.Anywhere {
		return []string{AnyNode}
	}
	return pl.Nodes
}

// joinUnlistedNodes connects, when the snapshot lists no nodes, the nodes
// that pods name in spec.nodeName with "any node": escaping to any node may
// mean that one, and pods that may land anywhere may land there.
func (m *Model) joinUnlistedNodes(anywhere []int32) {
	if len(m.in.Snapshot.Nodes) > 0 {
		return
	}
	for v := int32(0); v < int32(m.g.Len()); v++ {
		x := m.g.At(v)
		if x.Kind != Node || x.Name == AnyNode {
			continue
		}
		anyNode := m.g.Vertex(Vertex{Kind: Node, Name: AnyNode})
		m.g.Add(Edge{From: anyNode, To: v, Type: MayBeNode, Layer: finding.Node, Severity: finding.High, Hidden: true})
		for _, pl := range anywhere {
			m.g.Add(Edge{From: v, To: pl, Type: NodeRunsPod, Layer: finding.Node, Severity: finding.High, Hidden: true})
		}
	}
}

// placement returns the vertex of a pod's placement and whether it is new.
func (m *Model) placement(f *node.PodFacts) (int32, bool) {
	id := f.PlacementID()
	if id < len(m.placed) && m.placed[id] >= 0 {
		return m.placed[id], false
	}
	for len(m.placed) <= id {
		m.placed = append(m.placed, -1)
	}
	v := m.g.Vertex(Vertex{Kind: Placement, Name: strconv.Itoa(id)})
	m.placed[id] = v
	return v, true
}

func placementFact(pl *node.Placement, nodes []string) string {
	switch {
	case pl.Anywhere:
		return "may be scheduled beside any pod (the snapshot names no nodes)"
	case pl.Pinned:
		return "runs on node " + strings.Join(nodes, ", ")
	case len(nodes) > 3:
		return fmt.Sprintf("may be scheduled on %d nodes (%s, ...): its selectors, affinity and tolerations allow them", len(nodes), strings.Join(nodes[:3], ", "))
	}
	return "may be scheduled on " + strings.Join(nodes, ", ") + ": its selectors, affinity and tolerations allow it"
}

func escapeFields(f *node.PodFacts) string {
	var fields []string
	for _, e := range f.Escapes {
		if e.Reach == node.Node {
			field, _, _ := strings.Cut(e.Field, " (")
			fields = append(fields, field)
		}
	}
	return strings.Join(fields, ", ")
}

func escapeEvidence(p *corev1.Pod, f *node.PodFacts) []finding.Step {
	var steps []finding.Step
	for _, e := range f.Escapes {
		if e.Reach == node.Node {
			steps = append(steps, finding.Step{Object: podRef(p), Fact: fmt.Sprintf("%s: %s", e.Field, e.Reason)})
		}
	}
	return steps
}
