package netpol

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"slices"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
)

// collectPods reads the pods, their addresses and named ports.
func (b *builder) collectPods() {
	m := b.m
	nodeIP := map[string]netip.Addr{}
	for i := range b.snap.Nodes {
		n := &b.snap.Nodes[i]
		for _, a := range n.Status.Addresses {
			if a.Type == corev1.NodeInternalIP {
				if ip, err := netip.ParseAddr(a.Address); err == nil {
					nodeIP[n.Name] = ip.Unmap()
					break
				}
			}
		}
	}
	for i := range b.snap.Pods {
		pod := &b.snap.Pods[i]
		if pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed {
			continue
		}
		p := podInfo{ns: pod.Namespace, name: pod.Name, labels: pod.Labels, node: pod.Spec.NodeName,
			host: pod.Spec.HostNetwork, synthetic: snapshot.IsSynthetic(pod), pod: pod, index: i}
		for _, s := range pod.Status.PodIPs {
			if ip, err := netip.ParseAddr(s.IP); err == nil {
				p.ips = append(p.ips, ip.Unmap())
			}
		}
		if len(p.ips) == 0 && pod.Status.PodIP != "" {
			if ip, err := netip.ParseAddr(pod.Status.PodIP); err == nil {
				p.ips = append(p.ips, ip.Unmap())
			}
		}
		if p.host && len(p.ips) == 0 {
			if ip, err := netip.ParseAddr(pod.Status.HostIP); err == nil {
				p.ips = append(p.ips, ip.Unmap())
			} else if ip, ok := nodeIP[p.node]; ok {
				p.ips = append(p.ips, ip)
			}
		}
		if len(b.named) > 0 {
			add := func(c corev1.Container) {
				for _, cp := range c.Ports {
					if cp.Name == "" {
						continue
					}
					n := namedPort{cp.Name, protoIndex(ptrOr(&cp.Protocol, corev1.ProtocolTCP))}
					if b.named[n] {
						if p.named == nil {
							p.named = map[namedPort]int32{}
						}
						if _, dup := p.named[n]; !dup {
							p.named[n] = cp.ContainerPort
						}
					}
				}
			}
			for _, c := range pod.Spec.Containers {
				add(c)
			}
			for _, c := range pod.Spec.InitContainers {
				if c.RestartPolicy != nil && *c.RestartPolicy == corev1.ContainerRestartPolicyAlways {
					add(c) // sidecar containers serve too
				}
			}
		}
		m.pods = append(m.pods, p)
	}
	sort.Slice(m.pods, func(i, j int) bool {
		if m.pods[i].ns != m.pods[j].ns {
			return m.pods[i].ns < m.pods[j].ns
		}
		return m.pods[i].name < m.pods[j].name
	})
	for i := range m.pods {
		p := &m.pods[i]
		m.podIndex[p.id()] = i
		for _, ip := range p.ips {
			if j, dup := m.ipIndex[ip]; !dup || (m.pods[j].host && !p.host) {
				m.ipIndex[ip] = i
			}
		}
		if _, ok := b.nsLabels[p.ns]; !ok {
			b.nsLabels[p.ns] = snapshot.NamespaceLabels(p.ns, nil)
		}
	}
}

// classify computes every pod's matching atoms and groups pods into classes.
func (b *builder) classify() {
	m := b.m
	match := make([][]int32, len(m.pods))
	byNS := map[string][]int{}
	for i := range m.pods {
		byNS[m.pods[i].ns] = append(byNS[m.pods[i].ns], i)
	}
	nsNames := make([]string, 0, len(b.nsLabels))
	for ns := range b.nsLabels {
		nsNames = append(nsNames, ns)
	}
	sort.Strings(nsNames)
	nsIdx := newLabelIndex(nsNames, b.nsLabels)
	nodeLabels := map[string]map[string]string{}
	for i := range b.snap.Nodes {
		nodeLabels[b.snap.Nodes[i].Name] = b.snap.Nodes[i].Labels
	}
	type podAddr struct {
		ip  netip.Addr
		pod int
	}
	var byIP []podAddr
	for i := range m.pods {
		for _, ip := range m.pods[i].ips {
			byIP = append(byIP, podAddr{ip, i})
		}
	}
	sort.Slice(byIP, func(i, j int) bool {
		if byIP[i].ip != byIP[j].ip {
			return byIP[i].ip.Less(byIP[j].ip)
		}
		return byIP[i].pod < byIP[j].pod
	})
	var noIP []int // pods whose address the input does not give
	for i := range m.pods {
		if len(m.pods[i].ips) == 0 {
			noIP = append(noIP, i)
		}
	}
	for id, a := range b.atoms {
		mark := func(i int) {
			if a.podSel == nil || a.podSel.matches(m.pods[i].labels) {
				if !m.pods[i].host {
					match[i] = append(match[i], int32(id))
				}
			}
		}
		switch {
		case a.block != nil:
			// Only the pods whose address lies in the CIDR: a range of the
			// address-sorted index.
			lo, hi := a.block.cidr.Masked().Addr(), lastAddr(a.block.cidr)
			j := sort.Search(len(byIP), func(k int) bool { return !byIP[k].ip.Less(lo) })
			for ; j < len(byIP) && !hi.Less(byIP[j].ip); j++ {
				i := byIP[j].pod
				if (!m.pods[i].host && !a.matchPods) || !a.block.contains(byIP[j].ip) {
					continue
				}
				if n := len(match[i]); n > 0 && match[i][n-1] == int32(id) {
					continue // another address of the same pod
				}
				match[i] = append(match[i], int32(id))
			}
			b.unknownAddresses(id, a, noIP, match)
		case a.nodeSel != nil:
			m.nodeLabels = true
			for i := range m.pods {
				p := &m.pods[i]
				if nl, ok := nodeLabels[p.node]; p.host && ok && a.nodeSel.matches(nl) {
					match[i] = append(match[i], int32(id))
				}
			}
		case a.nsSel != nil:
			m.nsSelectors = append(m.nsSelectors, a.nsSel)
			for _, ns := range nsIdx.candidates(a.nsSel) {
				if a.nsSel.matches(b.nsLabels[ns]) {
					for _, i := range byNS[ns] {
						mark(i)
					}
				}
			}
		default:
			for _, i := range byNS[a.ns] {
				mark(i)
			}
		}
	}
	// Traffic from a pod's own node is always allowed: a host-network pod
	// reaches the pods of its node whatever their policies. That is a
	// fact about pod pairs on one node, kept apart (nodeLocal) rather
	// than splitting every class by node, which would give each pod of a
	// cluster with a host-network DaemonSet a class of its own.
	m.nodeLocal = map[string][]int{}
	hostNodes := map[string]bool{}
	for i := range m.pods {
		if m.pods[i].host && m.pods[i].node != "" {
			hostNodes[m.pods[i].node] = true
		}
	}
	for i := range m.pods {
		if p := &m.pods[i]; !p.host && hostNodes[p.node] {
			m.nodeLocal[p.node] = append(m.nodeLocal[p.node], i)
		}
	}
	named := make([]namedPort, 0, len(b.named))
	for n := range b.named {
		named = append(named, n)
	}
	sort.Slice(named, func(i, j int) bool {
		if named[i].name != named[j].name {
			return named[i].name < named[j].name
		}
		return named[i].proto < named[j].proto
	})
	classOf := map[string]int{}
	var key strings.Builder
	var buf [4]byte
	for i := range m.pods {
		p := &m.pods[i]
		key.Reset()
		key.WriteString(p.ns)
		key.WriteByte(0)
		if p.host {
			key.WriteString("host")
		}
		if p.dns {
			key.WriteString("dns")
		}
		if p.api {
			key.WriteString("api")
		}
		key.WriteByte(0)
		for _, n := range named {
			if v, ok := p.named[n]; ok {
				binary.LittleEndian.PutUint32(buf[:], uint32(v))
				key.WriteString(n.name)
				key.WriteByte(byte(n.proto))
				key.Write(buf[:])
			}
		}
		key.WriteByte(0)
		for _, id := range match[i] {
			binary.LittleEndian.PutUint32(buf[:], uint32(id))
			key.Write(buf[:])
		}
		k := key.String()
		c, ok := classOf[k]
		if !ok {
			c = len(m.classes)
			classOf[k] = c
			m.classes = append(m.classes, Class{ID: ClassID(c), Namespace: p.ns, HostNetwork: p.host, named: p.named, dns: p.dns, api: p.api})
			m.classAtoms = append(m.classAtoms, match[i])
		}
		p.class = c
		m.classes[c].podIdx = append(m.classes[c].podIdx, i)
		m.classes[c].Pods = append(m.classes[c].Pods, p.id())
	}
	m.nPod = len(m.classes)
	m.ext = buildIPAtoms(b.prefixes)
	for _, r := range m.ext {
		m.classes = append(m.classes, Class{ID: ClassID(len(m.classes)), External: r.String(), ext: r})
	}
	n := len(m.classes)
	for _, a := range b.atoms {
		a.classes = newBitset(n)
	}
	for c := 0; c < m.nPod; c++ {
		for _, id := range m.classAtoms[c] {
			b.atoms[id].classes.set(c)
		}
	}
	for id, a := range b.atoms {
		if a.block == nil {
			continue
		}
		for j, r := range m.ext {
			if a.block.contains(r.lo) {
				b.atoms[id].classes.set(m.nPod + j)
			}
		}
	}
	// Named ports: which classes resolve each name to each port.
	m.namedMask = map[namedPort]map[int32]bitset{}
	for c := 0; c < m.nPod; c++ {
		for np, v := range m.classes[c].named {
			mm := m.namedMask[np]
			if mm == nil {
				mm = map[int32]bitset{}
				m.namedMask[np] = mm
			}
			if mm[v] == nil {
				mm[v] = newBitset(n)
			}
			mm[v].set(c)
			b.ranges = append(b.ranges, portRange{np.proto, v, v})
		}
	}
}

// unknownAddresses decides block atom a for the pods without an address:
// a block covering every pod address matches them; for any other block the
// answer depends on the address each pod gets, which is noted on the atom
// and its rules (the pods are taken to be outside the block).
func (b *builder) unknownAddresses(id int, a *atom, noIP []int, match [][]int32) {
	m := b.m
	covers := a.block.coversPods()
	// A pod off the host network never gets an address of the networks
	// no pod address is taken from, nor one the input gives something
	// else, nor one outside the pod ranges the nodes declare (when the
	// known pod addresses bear them out). A host-network pod's address is
	// its node's: none of that rules it out.
	podsOutside := !covers && len(noIP) > 0 &&
		(a.block.inNonPodNetworks() || b.takenAddress(a.block) || b.outsidePodRanges(a.block))
	// A block that holds every pod range the nodes declare holds the
	// address every pod off the host network will get.
	podsInside := !covers && !podsOutside && len(noIP) > 0 && b.holdsPodRanges(a.block)
	for _, i := range noIP {
		if !m.pods[i].host && !a.matchPods {
			continue
		}
		switch {
		case covers, podsInside && !m.pods[i].host:
			match[i] = append(match[i], int32(id))
		case podsOutside && !m.pods[i].host:
		default:
			a.unknown++
			if m.pods[i].host {
				// Pod policy does not protect a host-network pod
				// (BH-NET-008 says so whatever its address): no caveat.
				continue
			}
			if a.unknownNS == nil {
				a.unknownNS = map[string]int{}
			}
			a.unknownNS[m.pods[i].ns]++
		}
	}
	if a.unknown == 0 {
		return
	}
	for _, r := range a.rules {
		r.ipDep = append(r.ipDep, a)
		m.notes = append(m.notes, fmt.Sprintf("%s %s %s[%d]: address block %s against %d pods the input gives no address (representative pods of controllers, pods not yet scheduled): whether it matches them depends on the address each gets; they are taken to be outside it",
			r.policy.kind(), joinNS(r.policy.namespace, r.policy.name), r.dir, r.index, a.block.describe(), a.unknown))
	}
}

// takenAddress reports whether a block is one address that the input
// gives to something a pod without an address cannot get: a pod's, a
// node's, a Service's cluster IP, or an endpoint of the API server
// (default/kubernetes, which the API server writes itself).
func (b *builder) takenAddress(blk *ipBlock) bool {
	if blk.cidr.Bits() != blk.cidr.Addr().BitLen() || len(blk.except) > 0 {
		return false
	}
	if b.taken == nil {
		b.taken = map[netip.Addr]bool{}
		add := func(s string) {
			if ip, err := netip.ParseAddr(s); err == nil {
				b.taken[ip.Unmap()] = true
			}
		}
		for i := range b.snap.Pods {
			for _, ip := range b.snap.Pods[i].Status.PodIPs {
				add(ip.IP)
			}
			add(b.snap.Pods[i].Status.PodIP)
		}
		for i := range b.snap.Nodes {
			for _, ad := range b.snap.Nodes[i].Status.Addresses {
				add(ad.Address)
			}
		}
		for i := range b.snap.Services {
			for _, ip := range b.snap.Services[i].Spec.ClusterIPs {
				add(ip)
			}
			add(b.snap.Services[i].Spec.ClusterIP)
		}
		apiServer, _ := b.snap.APIServerEndpoints()
		for _, ip := range apiServer {
			b.taken[ip] = true
		}
	}
	return b.taken[blk.cidr.Addr().Unmap()]
}

// outsidePodRanges reports whether a block holds no address of the pod
// ranges the nodes declare (spec.podCIDRs), where every pod not on the
// host network gets its address: false when no node declares one.
func (b *builder) outsidePodRanges(blk *ipBlock) bool {
	ranges := b.trustedPodRanges()
	if len(ranges) == 0 {
		return false
	}
	for _, r := range ranges {
		if !blk.cidr.Overlaps(r) {
			continue
		}
		if !slices.ContainsFunc(blk.except, func(e netip.Prefix) bool { return e.Bits() <= r.Bits() && e.Contains(r.Addr()) }) {
			return false
		}
	}
	return true
}

// holdsPodRanges reports whether a block holds every pod range the nodes
// declare, none of them cut by its excepts: false when no node declares
// one.
func (b *builder) holdsPodRanges(blk *ipBlock) bool {
	ranges := b.trustedPodRanges()
	if len(ranges) == 0 {
		return false
	}
	for _, r := range ranges {
		if blk.cidr.Bits() > r.Bits() || !blk.cidr.Contains(r.Addr()) ||
			slices.ContainsFunc(blk.except, func(e netip.Prefix) bool { return e.Overlaps(r) }) {
			return false
		}
	}
	return true
}

// trustedPodRanges are the nodes' spec.podCIDRs, when the pod addresses
// the input gives lie in them (made on first use; empty otherwise).
func (b *builder) trustedPodRanges() []netip.Prefix {
	if b.podRanges == nil {
		b.podRanges = []netip.Prefix{}
		ranges := prefixSet{}
		for i := range b.snap.Nodes {
			for _, c := range b.snap.Nodes[i].Spec.PodCIDRs {
				if p, err := netip.ParsePrefix(c); err == nil && ranges.add(p.Masked()) {
					b.podRanges = append(b.podRanges, p.Masked())
				}
			}
		}
		// Some CNIs (Calico's and Cilium's own IPAM, a VPC's) give pods
		// addresses outside spec.podCIDRs: the ranges are trusted only
		// when every pod address the input gives lies in them.
		for i := range b.snap.Pods {
			p := &b.snap.Pods[i]
			if p.Spec.HostNetwork {
				continue
			}
			for _, ip := range p.Status.PodIPs {
				if a, err := netip.ParseAddr(ip.IP); err == nil && !ranges.contains(a.Unmap()) {
					b.podRanges = b.podRanges[:0]
					return b.podRanges
				}
			}
		}
	}
	return b.podRanges
}

// prefixSet is a set of masked prefixes that tells whether one holds an
// address by looking the address's own prefix of each length up: a big
// cluster's nodes declare a thousand pod ranges, of one or two lengths,
// and its pods a hundred thousand addresses.
type prefixSet struct {
	set     map[netip.Prefix]bool
	lengths []netip.Prefix // one prefix of each length and family held
}

// add adds a masked prefix and reports whether it was new.
func (s *prefixSet) add(p netip.Prefix) bool {
	if s.set[p] {
		return false
	}
	if s.set == nil {
		s.set = map[netip.Prefix]bool{}
	}
	s.set[p] = true
	if !slices.ContainsFunc(s.lengths, func(l netip.Prefix) bool { return l.Bits() == p.Bits() && l.Addr().Is4() == p.Addr().Is4() }) {
		s.lengths = append(s.lengths, p)
	}
	return true
}

// contains reports whether a prefix of the set holds a. No prefix holds
// an address with a zone (netip.Prefix.Contains), which Addr.Prefix
// would drop.
func (s *prefixSet) contains(a netip.Addr) bool {
	if a.Zone() != "" {
		return false
	}
	for _, l := range s.lengths {
		if l.Addr().Is4() != a.Is4() {
			continue
		}
		if p, err := a.Prefix(l.Bits()); err == nil && s.set[p] {
			return true
		}
	}
	return false
}

// resolveSubjects sets each policy's selected classes. Subject atoms never
// match host-network pods (pod policy does not apply to them) nor external
// ranges.
func (b *builder) resolveSubjects() {
	for _, s := range b.m.subjects {
		for _, id := range s.atoms {
			s.p.subject.or(b.atoms[id].classes)
		}
	}
}

// labelIndex finds the namespaces that may match a selector without
// evaluating it against every namespace.
type labelIndex struct {
	all  []string
	byKV map[string][]string
}

func newLabelIndex(names []string, labels map[string]map[string]string) *labelIndex {
	x := &labelIndex{all: names, byKV: map[string][]string{}}
	for _, n := range names {
		for k, v := range labels[n] {
			x.byKV[k+"="+v] = append(x.byKV[k+"="+v], n)
		}
	}
	return x
}

// candidates returns a superset of the names the selector matches.
func (x *labelIndex) candidates(s *selector) []string {
	if s.invalid {
		return nil
	}
	best := x.all
	for _, p := range s.matchLabels {
		if c := x.byKV[p.k+"="+p.v]; len(c) < len(best) {
			best = c
		}
		if len(best) == 0 {
			return nil
		}
	}
	for _, e := range s.exprs {
		if e.Operator != metav1.LabelSelectorOpIn || len(e.Values) != 1 {
			continue
		}
		if c := x.byKV[e.Key+"="+e.Values[0]]; len(c) < len(best) {
			best = c
		}
	}
	return best
}
