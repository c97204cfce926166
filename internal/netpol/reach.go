package netpol

import (
	"fmt"
	"net/netip"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation"
)

// Endpoint is a pod ("namespace/name") or an address.
type Endpoint struct {
	Namespace string
	Pod       string
	IP        netip.Addr
}

// ParseEndpoint reads "NAMESPACE/POD" or an IP address.
func ParseEndpoint(s string) (Endpoint, error) {
	if ip, err := netip.ParseAddr(s); err == nil {
		return Endpoint{IP: ip.Unmap()}, nil
	}
	if _, err := netip.ParsePrefix(s); err == nil {
		return Endpoint{}, fmt.Errorf("endpoint %q: want NAMESPACE/POD or one IP address, not a CIDR", s)
	}
	ns, pod, ok := strings.Cut(s, "/")
	if !ok || len(validation.IsDNS1123Label(ns)) > 0 || len(validation.IsDNS1123Subdomain(pod)) > 0 {
		return Endpoint{}, fmt.Errorf("endpoint %q: want NAMESPACE/POD or an IP address", s)
	}
	return Endpoint{Namespace: ns, Pod: pod}, nil
}

func (e Endpoint) String() string {
	if e.Pod != "" {
		return e.Namespace + "/" + e.Pod
	}
	return e.IP.String()
}

// resolved is an endpoint located in the model.
type resolved struct {
	class int
	pod   *podInfo // nil for external addresses
	name  string
}

// controllerPod finds the pod that stands for a controller named like
// the endpoint (web: deployment-web, statefulset-web, ...), when exactly
// one controller of that name has one.
func (m *Model) controllerPod(e Endpoint) (int, bool) {
	found, n := 0, 0
	for _, kind := range []string{"deployment", "statefulset", "daemonset", "replicaset", "replicationcontroller", "job", "cronjob"} {
		if i, ok := m.podIndex[e.Namespace+"/"+kind+"-"+e.Pod]; ok {
			found, n = i, n+1
		}
	}
	return found, n == 1
}

func (m *Model) resolve(e Endpoint) (resolved, error) {
	if e.Pod != "" {
		i, ok := m.podIndex[e.Namespace+"/"+e.Pod]
		if !ok {
			i, ok = m.controllerPod(e)
		}
		if !ok {
			return resolved{}, fmt.Errorf("pod %s/%s not found (%s)", e.Namespace, e.Pod, m.podsOf(e.Namespace))
		}
		p := &m.pods[i]
		return resolved{class: p.class, pod: p, name: p.id()}, nil
	}
	if !e.IP.IsValid() {
		return resolved{}, fmt.Errorf("empty endpoint")
	}
	if i, ok := m.ipIndex[e.IP]; ok {
		p := &m.pods[i]
		return resolved{class: p.class, pod: p, name: p.id() + " (" + e.IP.String() + ")"}, nil
	}
	j := findIPAtom(m.ext, e.IP)
	if j < 0 {
		return resolved{}, fmt.Errorf("address %s outside every block", e.IP)
	}
	return resolved{class: m.nPod + j, name: e.IP.String()}, nil
}

// Side is the decision of one end of a connection.
type Side struct {
	Allowed bool `json:"allowed"`
	// Isolated is true when some policy restricts this end in this
	// direction for this peer and port.
	Isolated bool      `json:"isolated"`
	Reason   string    `json:"reason"`
	Rules    []RuleRef `json:"rules,omitempty"`
}

// Verdict is the answer to "can SRC open a connection to DST on PORT".
type Verdict struct {
	Allowed bool      `json:"allowed"`
	From    string    `json:"from"`
	To      string    `json:"to"`
	Port    PortRange `json:"port"`
	Egress  Side      `json:"egress"`
	Ingress Side      `json:"ingress"`
	Summary string    `json:"summary"`
	// Notes say what the answer depends on beyond the input, such as the
	// address a pod will get.
	Notes []string `json:"notes,omitempty"`
}

// Reach decides whether src can open a connection to dst on port/proto and
// says which policies and rules decided on each side.
func (m *Model) Reach(src, dst Endpoint, port int32, proto corev1.Protocol) (Verdict, error) {
	pi := protoIndex(proto)
	if pi < 0 {
		return Verdict{}, fmt.Errorf("protocol %q: want TCP, UDP or SCTP", proto)
	}
	if port < 1 || port > maxPort {
		return Verdict{}, fmt.Errorf("port %d out of range 1-65535", port)
	}
	s, err := m.resolve(src)
	if err != nil {
		return Verdict{}, err
	}
	d, err := m.resolve(dst)
	if err != nil {
		return Verdict{}, err
	}
	return m.verdict(s, d, pi, port), nil
}

func (m *Model) verdict(s, d resolved, pi int, port int32) Verdict {
	v := Verdict{From: s.name, To: d.name, Port: PortRange{Protocol: Protocols[pi], Start: port, End: port}}
	if s.pod == nil && d.pod == nil {
		v.Egress = Side{Reason: "both ends are outside the cluster's pods"}
		v.Ingress = v.Egress
		v.Summary = "not a pod connection"
		return v
	}
	v.Egress = m.egressSide(s, d, pi, port)
	v.Ingress = m.ingressSide(s, d, pi, port)
	v.Notes = append(m.addressNotes(s, d, dirEgress, pi, port), m.addressNotes(d, s, dirIngress, pi, port)...)
	if n := m.apiServerNote(d, pi, port); n != "" {
		v.Notes = append(v.Notes, n)
	}
	v.Allowed = v.Egress.Allowed && v.Ingress.Allowed
	switch {
	case v.Allowed && !v.Egress.Isolated && !v.Ingress.Isolated:
		v.Summary = "neither side isolated"
	case v.Allowed:
		v.Summary = "allowed by policy"
	case !v.Egress.Allowed && !v.Ingress.Allowed:
		v.Summary = "denied on both sides"
	case !v.Egress.Allowed:
		v.Summary = "denied on the egress side"
	default:
		v.Summary = "denied on the ingress side"
	}
	return v
}

// Explain renders the verdict as lines: the answer's reason, then each side.
func (v Verdict) Explain() []string {
	lines := []string{fmt.Sprintf("%s from %s to %s: %s", v.Port, v.From, v.To, v.Summary)}
	side := func(dir string, sd Side) {
		mark := "allows"
		if !sd.Allowed {
			mark = "denies"
		}
		lines = append(lines, fmt.Sprintf("  %s %s: %s", dir, mark, sd.Reason))
		for _, r := range sd.Rules {
			lines = append(lines, "    "+r.String())
		}
	}
	side("egress ", v.Egress)
	side("ingress", v.Ingress)
	for _, n := range v.Notes {
		lines = append(lines, "  note: "+n)
	}
	return lines
}

// addressNotes names the rules of self's side whose address blocks might
// match peer once it has an address: peer is a pod the input gives none,
// the rule admits the port, and does not already match peer otherwise.
func (m *Model) addressNotes(self, peer resolved, dir direction, pi int, port int32) []string {
	if self.pod == nil || self.pod.host || peer.pod == nil || len(peer.pod.ips) > 0 {
		return nil
	}
	var rules []*rule
	named := m.namedOf(peer.class)
	if dir == dirEgress {
		rules = append(rules, m.admEg[self.class]...)
		for _, p := range m.npEg[self.class] {
			rules = append(rules, p.rules...)
		}
		rules = append(rules, m.baseEg[self.class]...)
	} else {
		named = m.namedOf(self.class)
		rules = append(rules, m.admIn[self.class]...)
		for _, p := range m.npIn[self.class] {
			rules = append(rules, p.rules...)
		}
		rules = append(rules, m.baseIn[self.class]...)
	}
	var out []string
	for _, r := range rules {
		if r.dir != dir || len(r.ipDep) == 0 || r.peers.has(peer.class) || !r.ports.admits(pi, port, named) {
			continue
		}
		for _, a := range r.ipDep {
			if a.matchPods || peer.pod.host {
				out = append(out, fmt.Sprintf("%s has no address in the input: whether address block %s of %s matches it depends on the address it gets (taken to be outside)", peer.pod.id(), a.block.describe(), r.ref()))
			}
		}
	}
	return out
}

func (m *Model) namedOf(c int) map[namedPort]int32 {
	if c >= m.nPod {
		return nil
	}
	return m.classes[c].named
}

// adminDecision walks admin rules in order; it returns the first rule that
// matches peer and port, or nil.
func (m *Model) firstMatch(rules []*rule, peer int, pi int, port int32, named map[namedPort]int32) *rule {
	for _, r := range rules {
		if r.peers.has(peer) && r.ports.admits(pi, port, named) {
			return r
		}
	}
	return nil
}

func (m *Model) egressSide(s, d resolved, pi int, port int32) Side {
	if s.pod == nil {
		return Side{Allowed: true, Reason: "the source is outside the cluster's pods: no pod policy restricts its egress"}
	}
	if s.pod.host {
		return Side{Allowed: true, Reason: "the source uses the host network: pod egress policy does not apply to it"}
	}
	named := m.namedOf(d.class)
	return m.decide(dirEgress, s.class, d.class, s.name, pi, port, named, m.admEg[s.class], m.npEg[s.class], m.baseEg[s.class])
}

func (m *Model) ingressSide(s, d resolved, pi int, port int32) Side {
	if d.pod == nil {
		return Side{Allowed: true, Reason: "the destination is outside the cluster's pods: no pod policy restricts its ingress"}
	}
	if d.pod.host {
		return Side{Allowed: true, Reason: "the destination uses the host network: pod policy does not protect it"}
	}
	if s.pod != nil && s.pod.host && s.pod.node != "" && s.pod.node == d.pod.node {
		return Side{Allowed: true, Reason: "traffic from the pod's own node (" + d.pod.node + ") is always allowed"}
	}
	named := m.namedOf(d.class)
	side := m.decide(dirIngress, d.class, s.class, d.name, pi, port, named, m.admIn[d.class], m.npIn[d.class], m.baseIn[d.class])
	if !side.Allowed && s.pod != nil && s.pod.host && (s.pod.node == "" || d.pod.node == "") {
		side.Reason += " (the source is on the host network and the pods' nodes are unknown: were they on the same node, traffic from the pod's own node would be allowed)"
	}
	return side
}

// decide evaluates the tiers for subject class self and peer class peer.
func (m *Model) decide(dir direction, self, peer int, selfName string, pi int, port int32, named map[namedPort]int32, adm []*rule, nps []*policy, base []*rule) Side {
	var prefix string
	var pass []RuleRef
	if r := m.firstMatch(adm, peer, pi, port, named); r != nil {
		switch r.action {
		case actAllow:
			return Side{Allowed: true, Isolated: true, Reason: "allowed by an AdminNetworkPolicy rule", Rules: []RuleRef{r.ref()}}
		case actDeny:
			return Side{Isolated: true, Reason: "denied by an AdminNetworkPolicy rule", Rules: []RuleRef{r.ref()}}
		case actPass:
			prefix = "passed on by an AdminNetworkPolicy rule; "
			pass = []RuleRef{r.ref()}
		}
	}
	if len(nps) > 0 {
		var allow []RuleRef
		for _, p := range nps {
			for _, r := range p.rules {
				if r.dir == dir && r.peers.has(peer) && r.ports.admits(pi, port, named) {
					allow = append(allow, r.ref())
				}
			}
		}
		if len(allow) > 0 {
			return Side{Allowed: true, Isolated: true, Reason: prefix + "allowed by NetworkPolicy", Rules: append(pass, allow...)}
		}
		refs := pass
		for _, p := range nps {
			refs = append(refs, p.ref(dir))
		}
		return Side{Isolated: true, Reason: prefix + "isolated for " + dir.String() + " by NetworkPolicy and no rule allows it", Rules: refs}
	}
	if r := m.firstMatch(base, peer, pi, port, named); r != nil {
		if r.action == actAllow {
			return Side{Allowed: true, Isolated: true, Reason: prefix + "no NetworkPolicy isolates " + selfName + "; allowed by the BaselineAdminNetworkPolicy", Rules: append(pass, r.ref())}
		}
		return Side{Isolated: true, Reason: prefix + "no NetworkPolicy isolates " + selfName + "; denied by the BaselineAdminNetworkPolicy", Rules: append(pass, r.ref())}
	}
	return Side{Allowed: true, Isolated: len(pass) > 0, Reason: prefix + "not isolated: no NetworkPolicy selects " + selfName + " for " + dir.String(), Rules: pass}
}

// AllowedPorts lists the ports src can open connections to dst on.
func (m *Model) AllowedPorts(src, dst Endpoint) ([]PortRange, error) {
	s, err := m.resolve(src)
	if err != nil {
		return nil, err
	}
	d, err := m.resolve(dst)
	if err != nil {
		return nil, err
	}
	return m.pairPorts(s, d), nil
}

// ReachAnyPort answers Reach without a port: allowed when some port is,
// explained on one allowed port (a port the destination declares, else TCP
// 80 or 443, else the first), or on the first port when none is allowed.
func (m *Model) ReachAnyPort(src, dst Endpoint) (Verdict, []PortRange, error) {
	s, err := m.resolve(src)
	if err != nil {
		return Verdict{}, nil, err
	}
	d, err := m.resolve(dst)
	if err != nil {
		return Verdict{}, nil, err
	}
	ports := m.pairPorts(s, d)
	if len(ports) == 0 {
		at := m.ports.atoms[0]
		return m.verdict(s, d, at.proto, at.lo), nil, nil
	}
	pi, port := witnessPort(ports, d.pod)
	return m.verdict(s, d, pi, port), ports, nil
}

func (m *Model) classPorts(s, d int) []PortRange {
	var rs []portRange
	for a, mx := range m.reach {
		if mx.row(s).has(d) {
			rs = append(rs, m.ports.atoms[a])
		}
	}
	return mergePorts(rs)
}

// podsOf names some pods of a namespace, for an error about a pod that is
// not there.
func (m *Model) podsOf(namespace string) string {
	const shown = 5
	var names []string
	for key := range m.podIndex {
		if ns, name, _ := strings.Cut(key, "/"); ns == namespace {
			names = append(names, name)
		}
	}
	if len(names) == 0 {
		return "namespace " + namespace + " has no pods in the input"
	}
	sort.Strings(names)
	more := ""
	if len(names) > shown {
		more = fmt.Sprintf(" and %d more", len(names)-shown)
		names = names[:shown]
	}
	return fmt.Sprintf("pods of %s: %s%s; a controller without pods in the input stands as <kind>-<name>, e.g. deployment-web", namespace, strings.Join(names, ", "), more)
}
