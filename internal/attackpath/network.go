package attackpath

import (
	"fmt"
	"math/bits"

	"github.com/bulkhead-dev/bulkhead/internal/finding"
	"github.com/bulkhead-dev/bulkhead/internal/netpol"
)

// networkEdges joins pods through their network classes: a pod is a source
// of its class, a class reaches the classes the policies allow, and a
// destination class holds its pods. Reaching a pod over the network is a
// final step: it exposes the pod, it does not hand it over. Reaching the
// cluster DNS pods on their DNS ports only is the name resolution every pod
// needs, and reaching the pods at the API server's address on its ports
// only is calling the API server: neither is an edge.
func (m *Model) networkEdges() {
	net := m.in.Network
	if net == nil {
		return
	}
	snap := m.in.Snapshot
	classes := net.Classes()
	src := make([]int32, len(classes))
	dst := make([]int32, len(classes))
	for i := range classes {
		if classes[i].IsExternal() {
			src[i], dst[i] = -1, -1
			continue
		}
		src[i] = m.g.Vertex(Vertex{Kind: NetClass, Name: fmt.Sprintf("src-%d", i)})
		dst[i] = m.g.Vertex(Vertex{Kind: NetClass, Name: fmt.Sprintf("dst-%d", i)})
	}
	for i := range snap.Pods {
		p := &snap.Pods[i]
		if !podExists(m.in.Workload, i) {
			continue
		}
		c, ok := net.ClassOf(p.Namespace, p.Name)
		if !ok || src[c] < 0 {
			continue
		}
		pv := m.pod(i)
		m.g.addNew(Edge{From: pv, To: src[c], Type: NetworkSource, Layer: finding.Network, Hidden: true})
		m.g.addNew(Edge{From: dst[c], To: pv, Type: NetworkDest, Layer: finding.Network, Severity: finding.Medium, Hidden: true, Final: true})
	}
	m.nodeLocalEdges()
	rows := net.ReachRows() // DNS queries and a class's own bit left out
	if !fitsReach(len(rows)) {
		for a, row := range rows {
			for w, word := range row {
				for ; word != 0; word &= word - 1 {
					b := w*64 + bits.TrailingZeros64(word)
					m.g.Add(Edge{From: src[a], To: dst[b], Type: Reaches, Layer: finding.Network, Severity: finding.Medium, classes: [2]int32{int32(a), int32(b)}})
				}
			}
		}
		return
	}
	r := newReachRows(rows, src, dst, m.g.Len(), func(g int) int32 {
		return m.g.Vertex(Vertex{Kind: NetClass, Name: fmt.Sprintf("group-%d", g)})
	})
	m.g.reach = r
}

// nodeLocalEdges: traffic from a pod's own node is always allowed, so a
// host-network pod reaches every other pod of its node. It does so through
// one hidden hop per node (the node's pods), which keeps the edges linear
// in pods: a DaemonSet on the host network would otherwise cost its pods
// times the node's pods.
func (m *Model) nodeLocalEdges() {
	net, snap := m.in.Network, m.in.Snapshot
	hubs := map[string]int32{}
	net.EachHostPod(func(i int, node string) {
		from, ok := m.podVertex(i)
		if !ok {
			return
		}
		h, ok := hubs[node]
		if !ok {
			h = m.g.Vertex(Vertex{Kind: Hub, Name: "pods-on-node/" + node}) // no "kind:namespace" name: no one's ground
			hubs[node] = h
			net.EachPodOn(node, func(j int) {
				if to, ok := m.podVertex(j); ok {
					m.g.addNew(Edge{From: h, To: to, Type: ReachesFromNode, Layer: finding.Network, Severity: finding.Medium, Hidden: true, Final: true, shifted: true})
				}
			})
		}
		ns, name := snap.Pods[i].Namespace, snap.Pods[i].Name
		m.g.Add(Edge{From: from, To: h, Type: ReachesFromNode, Layer: finding.Network, Severity: finding.Medium, shifted: true,
			Detail: "any port, from its node", Evidence: []finding.Step{
				{Object: finding.Ref{Kind: "Pod", Namespace: ns, Name: name}, Fact: "uses the host network: its traffic comes from node " + node},
				{Object: finding.Ref{Kind: "Node", Name: node}, Fact: "traffic from a pod's own node is always allowed: it reaches the node's pods on every port"},
			}})
	})
}

// networkEvidence explains a reaches edge: the allowed ports and the rules
// that decide on each side. It is computed only for edges that are shown.
func (m *Model) networkEvidence(e *Edge) (string, []finding.Step) {
	if m.in.Network == nil {
		return "", nil
	}
	v, ports, ok := m.in.Network.Witness(netpol.ClassID(e.classes[0]), netpol.ClassID(e.classes[1]))
	if !ok {
		return "", nil
	}
	ref := finding.Ref{Kind: "Connection", Name: v.From + " → " + v.To}
	steps := []finding.Step{{Object: ref, Fact: v.Summary}}
	for _, side := range []struct {
		name string
		s    netpol.Side
	}{{"egress", v.Egress}, {"ingress", v.Ingress}} {
		fact := side.name + ": " + side.s.Reason
		for _, r := range side.s.Rules {
			fact += "; " + r.String()
		}
		steps = append(steps, finding.Step{Object: ref, Fact: fact})
	}
	return netpol.FormatPorts(ports), steps
}
