package netpol

// Traffic from a pod's own node is always allowed (the kubelet's probes
// depend on it, and every CNI lets it through): a host-network pod, whose
// traffic carries its node's address, reaches every other pod of its node
// on every port, whatever their ingress policies. Pod policy neither
// restricts a host-network pod's egress. These pairs are kept per node
// (Model.nodeLocal), not in the class matrices: classes split by node would
// give every pod of a cluster with a host-network DaemonSet a class of its
// own.

// anyPort is every port of every protocol.
var anyPort = func() []PortRange {
	out := make([]PortRange, len(Protocols))
	for i, p := range Protocols {
		out[i] = PortRange{Protocol: p, Start: 1, End: maxPort}
	}
	return out
}()

// fromNode reports whether traffic from s to d comes from d's own node.
func fromNode(s, d *podInfo) bool {
	return s != nil && d != nil && s.host && !d.host && s.node != "" && s.node == d.node
}

// pairPorts is classPorts for two located endpoints, with the own-node
// rule.
func (m *Model) pairPorts(s, d resolved) []PortRange {
	if fromNode(s.pod, d.pod) {
		return anyPort
	}
	return m.classPorts(s.class, d.class)
}

// EachNodeLocal calls f for every host-network pod and every other pod of
// its node ("namespace/name" each): pairs that reach each other on every
// port because traffic from a pod's own node is always allowed. f returns
// false to stop.
func (m *Model) EachNodeLocal(f func(src, dst string) bool) {
	for i := range m.pods {
		s := &m.pods[i]
		if !s.host || s.node == "" {
			continue
		}
		for _, j := range m.nodeLocal[s.node] {
			if !f(s.id(), m.pods[j].id()) {
				return
			}
		}
	}
}

// EachHostPod calls f for every host-network pod on a node, by its index
// in the snapshot's Pods, in that order.
func (m *Model) EachHostPod(f func(pod int, node string)) {
	for i := range m.pods {
		if s := &m.pods[i]; s.host && s.node != "" {
			f(s.index, s.node)
		}
	}
}

// EachPodOn calls f for every pod that a host-network pod of node reaches
// from the node (every pod of the node but host-network ones), by its
// index in the snapshot's Pods, in that order.
func (m *Model) EachPodOn(node string, f func(pod int)) {
	for _, j := range m.nodeLocal[node] {
		f(m.pods[j].index)
	}
}
