package netpol

import (
	"net/netip"
	"sort"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

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
	// matchPods: the block matches pod IPs too (not only host-network pods and
	// external ranges).
	matchPods bool
	classes   bitset
	// rules are the rules that name the block; unknown counts the pods in
	// its scope whose address the input does not give, when the block
	// does not cover every pod address (so whether it matches them
	// depends on the address they get).
	rules   []*rule
	unknown int
	// unknownNS counts those pods by namespace, those on the host
	// network apart (AddressCaveats).
	unknownNS map[string]int
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
	// taken are the addresses the input gives to pods, nodes, Services
	// and the API server (takenAddress), made on first use.
	taken map[netip.Addr]bool
	// podRanges are the nodes' spec.podCIDRs (outsidePodRanges), made on
	// first use.
	podRanges []netip.Prefix
	ranges    []portRange
}

// atomID returns the atom of key, made by newAtom the first time: a big
// cluster's policies repeat a few peers in every namespace, and making
// one compiles its selectors.
func (b *builder) atomID(key string, newAtom func() *atom) int {
	if id, ok := b.atomKey[key]; ok {
		return id
	}
	a := newAtom()
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
	return b.atomID("ns\x00"+ns+"\x00"+snapshot.SelectorKey(sel), func() *atom {
		a := &atom{ns: ns}
		if sel != nil {
			s := compileSelector(sel)
			if !s.isEmpty() {
				a.podSel = &s
			}
		}
		return a
	})
}

// podsWhere is the atom "pods matching podSel in namespaces matching nsSel".
func (b *builder) podsWhere(nsSel, podSel *metav1.LabelSelector) int {
	return b.atomID("sel\x00"+snapshot.SelectorKey(nsSel)+"\x00"+snapshot.SelectorKey(podSel), func() *atom {
		ns := compileSelector(nsSel)
		a := &atom{nsSel: &ns}
		if podSel != nil {
			s := compileSelector(podSel)
			if !s.isEmpty() {
				a.podSel = &s
			}
		}
		return a
	})
}

// nodesWhere is the atom "host-network pods on nodes matching sel", an
// AdminNetworkPolicy nodes peer.
func (b *builder) nodesWhere(sel *metav1.LabelSelector) int {
	return b.atomID("node\x00"+snapshot.SelectorKey(sel), func() *atom {
		s := compileSelector(sel)
		return &atom{nodeSel: &s}
	})
}

// inBlock is a NetworkPolicy ipBlock peer: it matches pod IPs when
// Options.IPBlockMatchesPods says so.
func (b *builder) inBlock(blk ipBlock) int {
	return b.atomID("ip\x00"+blk.key(), func() *atom { return &atom{block: &blk, matchPods: b.m.opts.IPBlockMatchesPods} })
}

// inNetwork is an AdminNetworkPolicy networks peer: unlike ipBlock it
// always matches pod IPs.
func (b *builder) inNetwork(blk ipBlock) int {
	return b.atomID("net\x00"+blk.key(), func() *atom { return &atom{block: &blk, matchPods: true} })
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
		b.nsLabels[ns.Name] = snapshot.NamespaceLabels(ns.Name, ns.Labels)
	}
	var pend []pending
	pend = append(pend, b.compileNetworkPolicies()...)
	pend = append(pend, b.compileAdmin()...)
	b.collectPods()
	b.markDNS()
	b.markAPIServer()
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
	m.markDNSAtoms()
	m.apiAtom = m.atomsOf(m.apiPorts)
	m.index()
	m.compute()
	return m
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
			id := b.inBlock(blk)
			b.atoms[id].rules = append(b.atoms[id].rules, r)
			pd.atoms = append(pd.atoms, id)
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
