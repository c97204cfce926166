package netpol

import (
	"encoding/binary"
	"net/netip"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	anp "sigs.k8s.io/network-policy-api/apis/v1alpha1"

	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
)

// metadataIP is the link-local address of cloud instance metadata services.
var metadataIP = netip.MustParseAddr("169.254.169.254")

// atom is one distinct pod-matching condition used by some policy.
type atom struct {
	ns      string    // set: pods of this namespace only
	nsSel   *selector // set: pods of namespaces it matches
	podSel  *selector // nil: every pod
	nodeSel *selector // set: host-network pods on nodes it matches
	block   *ipBlock  // set: pods and external ranges whose address is in it
	classes bitset
}

// builder holds compile-time state.
type builder struct {
	m        *Model
	snap     *snapshot.Snapshot
	atoms    []*atom
	atomKey  map[string]int
	named    map[namedPort]bool
	nsLabels map[string]map[string]string
	prefixes []netip.Prefix
	ranges   []portRange
}

func (b *builder) atomID(key string, a *atom) int {
	if id, ok := b.atomKey[key]; ok {
		return id
	}
	id := len(b.atoms)
	b.atoms = append(b.atoms, a)
	b.atomKey[key] = id
	if a.block != nil {
		b.prefixes = append(b.prefixes, a.block.cidr)
		b.prefixes = append(b.prefixes, a.block.except...)
	}
	return id
}

// podsIn is the atom "pods of namespace ns matching sel" (sel nil: all).
func (b *builder) podsIn(ns string, sel *metav1.LabelSelector) int {
	a := &atom{ns: ns}
	if sel != nil {
		s := compileSelector(sel)
		if !s.isEmpty() {
			a.podSel = &s
		}
	}
	return b.atomID("ns\x00"+ns+"\x00"+selectorKey(sel), a)
}

// podsWhere is the atom "pods matching podSel in namespaces matching nsSel".
func (b *builder) podsWhere(nsSel, podSel *metav1.LabelSelector) int {
	ns := compileSelector(nsSel)
	a := &atom{nsSel: &ns}
	if podSel != nil {
		s := compileSelector(podSel)
		if !s.isEmpty() {
			a.podSel = &s
		}
	}
	return b.atomID("sel\x00"+selectorKey(nsSel)+"\x00"+selectorKey(podSel), a)
}

func (b *builder) nodesWhere(sel *metav1.LabelSelector) int {
	s := compileSelector(sel)
	return b.atomID("node\x00"+selectorKey(sel), &atom{nodeSel: &s})
}

func (b *builder) inBlock(blk ipBlock) int {
	return b.atomID("ip\x00"+blk.key(), &atom{block: &blk})
}

// pending is a rule whose peers are atom ids until classes exist.
type pending struct {
	r     *rule
	atoms []int
	all   bool
}

// Compile builds the reachability model of a snapshot. It never fails:
// malformed policy parts (bad selectors or CIDRs) match nothing and are
// listed by Model.Problems.
func Compile(snap *snapshot.Snapshot, opts Options) *Model {
	m := &Model{opts: opts, podIndex: map[string]int{}, ipIndex: map[netip.Addr]int{}}
	b := &builder{m: m, snap: snap, atomKey: map[string]int{}, named: map[namedPort]bool{}, nsLabels: map[string]map[string]string{}}
	b.prefixes = append(b.prefixes, netip.PrefixFrom(metadataIP, 32))

	for i := range snap.Namespaces {
		ns := &snap.Namespaces[i]
		b.nsLabels[ns.Name] = withNameLabel(ns.Name, ns.Labels)
	}
	var pend []pending
	pend = append(pend, b.compileNetworkPolicies()...)
	pend = append(pend, b.compileAdmin()...)
	b.collectPods()
	b.classify()
	for _, p := range pend {
		p.r.peers = newBitset(len(m.classes))
		if p.all {
			p.r.peers.setAll(len(m.classes))
			continue
		}
		for _, id := range p.atoms {
			p.r.peers.or(b.atoms[id].classes)
		}
	}
	for _, p := range m.policies {
		p.subject = newBitset(len(m.classes))
	}
	b.resolveSubjects()
	m.ports = buildPortAtoms(b.ranges)
	m.index()
	m.compute()
	return m
}

func withNameLabel(name string, labels map[string]string) map[string]string {
	if labels[corev1.LabelMetadataName] == name {
		return labels
	}
	out := make(map[string]string, len(labels)+1)
	for k, v := range labels {
		out[k] = v
	}
	// The API server sets this label on every namespace.
	out[corev1.LabelMetadataName] = name
	return out
}

// subjectAtoms remembers which atoms select each policy's pods.
type subjectAtoms struct {
	p     *policy
	atoms []int
}

func (b *builder) compileNetworkPolicies() []pending {
	var out []pending
	nps := append([]networkingv1.NetworkPolicy(nil), b.snap.NetworkPolicies...)
	sort.Slice(nps, func(i, j int) bool {
		if nps[i].Namespace != nps[j].Namespace {
			return nps[i].Namespace < nps[j].Namespace
		}
		return nps[i].Name < nps[j].Name
	})
	for i := range nps {
		np := &nps[i]
		p := &policy{tier: tierNetworkPolicy, namespace: np.Namespace, name: np.Name}
		// "If this field is not specified, it will default based on the
		// existence of ingress or egress rules; policies that contain an
		// egress section are assumed to affect egress, and all policies
		// (whether or not they contain an ingress section) are assumed to
		// affect ingress."
		if len(np.Spec.PolicyTypes) == 0 {
			p.ingress = true
			p.egress = len(np.Spec.Egress) > 0
		}
		for _, t := range np.Spec.PolicyTypes {
			switch t {
			case networkingv1.PolicyTypeIngress:
				p.ingress = true
			case networkingv1.PolicyTypeEgress:
				p.egress = true
			}
		}
		b.m.policies = append(b.m.policies, p)
		sel := np.Spec.PodSelector
		b.m.subjects = append(b.m.subjects, subjectAtoms{p, []int{b.podsIn(np.Namespace, &sel)}})
		if p.ingress {
			for j, r := range np.Spec.Ingress {
				rl := &rule{policy: p, dir: dirIngress, index: j, ports: b.npPorts(r.Ports)}
				p.rules = append(p.rules, rl)
				out = append(out, b.npPeers(rl, np.Namespace, r.From))
			}
		}
		if p.egress {
			for j, r := range np.Spec.Egress {
				rl := &rule{policy: p, dir: dirEgress, index: j, ports: b.npPorts(r.Ports)}
				p.rules = append(p.rules, rl)
				out = append(out, b.npPeers(rl, np.Namespace, r.To))
			}
		}
	}
	return out
}

func (b *builder) npPeers(r *rule, ns string, peers []networkingv1.NetworkPolicyPeer) pending {
	// "If this field is empty or missing, this rule matches all sources
	// (traffic not restricted by source)."
	if len(peers) == 0 {
		return pending{r: r, all: true}
	}
	pd := pending{r: r}
	for _, peer := range peers {
		switch {
		case peer.IPBlock != nil:
			blk, err := parseIPBlock(peer.IPBlock.CIDR, peer.IPBlock.Except)
			if err != nil {
				b.m.problem(r, err.Error())
				continue
			}
			pd.atoms = append(pd.atoms, b.inBlock(blk))
		case peer.NamespaceSelector != nil:
			// "If PodSelector is also set, then the NetworkPolicyPeer as a
			// whole selects the Pods matching PodSelector in the Namespaces
			// selected by NamespaceSelector."
			pd.atoms = append(pd.atoms, b.podsWhere(peer.NamespaceSelector, peer.PodSelector))
		case peer.PodSelector != nil:
			// "Otherwise it selects the Pods matching PodSelector in the
			// policy's own Namespace."
			pd.atoms = append(pd.atoms, b.podsIn(ns, peer.PodSelector))
		default:
			b.m.problem(r, "peer sets none of podSelector, namespaceSelector, ipBlock")
		}
	}
	return pd
}

func (b *builder) npPorts(ports []networkingv1.NetworkPolicyPort) portSpec {
	// "If this field is empty or missing, this rule matches all ports."
	if len(ports) == 0 {
		return portSpec{all: true}
	}
	var s portSpec
	for _, p := range ports {
		proto := protoIndex(ptrOr(p.Protocol, corev1.ProtocolTCP))
		if proto < 0 {
			continue // a protocol NetworkPolicy does not know matches no traffic
		}
		switch {
		case p.Port == nil:
			// "If not specified, this matches all port numbers" of the protocol.
			s.ranges = append(s.ranges, portRange{proto, 1, maxPort})
		case p.Port.Type == intstr.String:
			n := namedPort{p.Port.StrVal, proto}
			s.named = append(s.named, n)
			b.named[n] = true
		default:
			lo, hi := p.Port.IntVal, p.Port.IntVal
			// endPort "indicates that the range of ports from port to
			// endPort if set, inclusive, should be allowed".
			if p.EndPort != nil && *p.EndPort >= lo {
				hi = *p.EndPort
			}
			s.ranges = append(s.ranges, portRange{proto, lo, hi})
		}
	}
	b.ranges = append(b.ranges, s.ranges...)
	return s
}

func ptrOr[T any](p *T, def T) T {
	if p == nil {
		return def
	}
	return *p
}

func (b *builder) anpPorts(ports *[]anp.AdminNetworkPolicyPort) portSpec {
	if ports == nil || len(*ports) == 0 {
		return portSpec{all: true}
	}
	var s portSpec
	for _, p := range *ports {
		switch {
		case p.PortNumber != nil:
			if pi := protoIndex(p.PortNumber.Protocol); pi >= 0 {
				s.ranges = append(s.ranges, portRange{pi, p.PortNumber.Port, p.PortNumber.Port})
			}
		case p.PortRange != nil:
			if pi := protoIndex(p.PortRange.Protocol); pi >= 0 {
				s.ranges = append(s.ranges, portRange{pi, p.PortRange.Start, p.PortRange.End})
			}
		case p.NamedPort != nil:
			// A named port matches the container port of that name,
			// whatever its protocol.
			for pi := range Protocols {
				n := namedPort{*p.NamedPort, pi}
				s.named = append(s.named, n)
				b.named[n] = true
			}
		}
	}
	b.ranges = append(b.ranges, s.ranges...)
	return s
}

func (b *builder) anpSubject(s anp.AdminNetworkPolicySubject) []int {
	switch {
	case s.Namespaces != nil:
		return []int{b.podsWhere(s.Namespaces, nil)}
	case s.Pods != nil:
		return []int{b.podsWhere(&s.Pods.NamespaceSelector, &s.Pods.PodSelector)}
	}
	return nil
}

func (b *builder) anpPeer(pd *pending, ns *metav1.LabelSelector, pods *anp.NamespacedPod, nodes *metav1.LabelSelector, networks []anp.CIDR) {
	switch {
	case ns != nil:
		pd.atoms = append(pd.atoms, b.podsWhere(ns, nil))
	case pods != nil:
		pd.atoms = append(pd.atoms, b.podsWhere(&pods.NamespaceSelector, &pods.PodSelector))
	case nodes != nil:
		pd.atoms = append(pd.atoms, b.nodesWhere(nodes))
	case len(networks) > 0:
		for _, c := range networks {
			blk, err := parseIPBlock(string(c), nil)
			if err != nil {
				b.m.problem(pd.r, err.Error())
				continue
			}
			pd.atoms = append(pd.atoms, b.inBlock(blk))
		}
	}
}

func (b *builder) compileAdmin() []pending {
	var out []pending
	anps := append([]anp.AdminNetworkPolicy(nil), b.snap.AdminNetworkPolicies...)
	sort.SliceStable(anps, func(i, j int) bool {
		if anps[i].Spec.Priority != anps[j].Spec.Priority {
			return anps[i].Spec.Priority < anps[j].Spec.Priority
		}
		return anps[i].Name < anps[j].Name
	})
	for i := range anps {
		a := &anps[i]
		p := &policy{tier: tierAdmin, name: a.Name, priority: a.Spec.Priority}
		b.m.policies = append(b.m.policies, p)
		b.m.subjects = append(b.m.subjects, subjectAtoms{p, b.anpSubject(a.Spec.Subject)})
		for j, r := range a.Spec.Ingress {
			rl := &rule{policy: p, dir: dirIngress, index: j, name: r.Name, action: anpAction(string(r.Action)), ports: b.anpPorts(r.Ports)}
			p.rules = append(p.rules, rl)
			pd := pending{r: rl}
			for _, peer := range r.From {
				b.anpPeer(&pd, peer.Namespaces, peer.Pods, nil, nil)
			}
			out = append(out, pd)
		}
		for j, r := range a.Spec.Egress {
			rl := &rule{policy: p, dir: dirEgress, index: j, name: r.Name, action: anpAction(string(r.Action)), ports: b.anpPorts(r.Ports)}
			p.rules = append(p.rules, rl)
			pd := pending{r: rl}
			for _, peer := range r.To {
				b.anpPeer(&pd, peer.Namespaces, peer.Pods, peer.Nodes, peer.Networks)
			}
			out = append(out, pd)
		}
	}
	// BaselineAdminNetworkPolicy is a singleton named "default"; others
	// are refused by the API server and ignored here.
	for i := range b.snap.BaselineAdminNetworkPolicies {
		bp := &b.snap.BaselineAdminNetworkPolicies[i]
		if bp.Name != "default" {
			b.m.problems = append(b.m.problems, "BaselineAdminNetworkPolicy "+bp.Name+": ignored, only \"default\" is honoured")
			continue
		}
		p := &policy{tier: tierBaseline, name: bp.Name}
		b.m.policies = append(b.m.policies, p)
		b.m.subjects = append(b.m.subjects, subjectAtoms{p, b.anpSubject(bp.Spec.Subject)})
		for j, r := range bp.Spec.Ingress {
			rl := &rule{policy: p, dir: dirIngress, index: j, name: r.Name, action: anpAction(string(r.Action)), ports: b.anpPorts(r.Ports)}
			p.rules = append(p.rules, rl)
			pd := pending{r: rl}
			for _, peer := range r.From {
				b.anpPeer(&pd, peer.Namespaces, peer.Pods, nil, nil)
			}
			out = append(out, pd)
		}
		for j, r := range bp.Spec.Egress {
			rl := &rule{policy: p, dir: dirEgress, index: j, name: r.Name, action: anpAction(string(r.Action)), ports: b.anpPorts(r.Ports)}
			p.rules = append(p.rules, rl)
			pd := pending{r: rl}
			for _, peer := range r.To {
				b.anpPeer(&pd, peer.Namespaces, peer.Pods, peer.Nodes, peer.Networks)
			}
			out = append(out, pd)
		}
	}
	return out
}

func anpAction(a string) action {
	switch a {
	case "Allow":
		return actAllow
	case "Pass":
		return actPass
	}
	return actDeny
}

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
			host: pod.Spec.HostNetwork, synthetic: snapshot.IsSynthetic(pod), pod: pod}
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
			b.nsLabels[p.ns] = withNameLabel(p.ns, nil)
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
			for i := range m.pods {
				p := &m.pods[i]
				if !p.host && !m.opts.IPBlockMatchesPods {
					continue
				}
				for _, ip := range p.ips {
					if a.block.contains(ip) {
						match[i] = append(match[i], int32(id))
						break
					}
				}
			}
		case a.nodeSel != nil:
			for i := range m.pods {
				p := &m.pods[i]
				if nl, ok := nodeLabels[p.node]; p.host && ok && a.nodeSel.matches(nl) {
					match[i] = append(match[i], int32(id))
				}
			}
		case a.nsSel != nil:
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
	// Nodes that run a host-network pod: pods there can be told apart by
	// the "own node" rule.
	hostNodes := map[string]bool{}
	for i := range m.pods {
		if m.pods[i].host && m.pods[i].node != "" {
			hostNodes[m.pods[i].node] = true
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
		node := ""
		if p.host || hostNodes[p.node] {
			node = p.node
		}
		if p.host {
			key.WriteString("host")
		}
		key.WriteByte(0)
		key.WriteString(node)
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
			m.classes = append(m.classes, Class{ID: ClassID(c), Namespace: p.ns, HostNetwork: p.host, named: p.named, node: node})
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
