package harden

import (
	"cmp"
	"fmt"
	"maps"
	"net/netip"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/bulkhead-dev/bulkhead/internal/netpol"
	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
	"github.com/bulkhead-dev/bulkhead/internal/tenancy"
)

// Checks are the proof that the safe objects break nothing legitimate,
// computed with the network model before and after them:
//
//  1. within each tenant, every pair of pods reaches on exactly the ports
//     it did;
//  2. every pod that reached the cluster DNS pods on every DNS port still
//     does;
//  3. every pod behind a Service of type LoadBalancer or NodePort, or with
//     externalIPs, that an address outside the cluster reached on a port
//     of the Service still is reached there;
//  4. every pod that reached the API server (the endpoints of the Service
//     default/kubernetes) on its ports still does.
//
// Pods on the host network are left out: they use their node's address,
// which pod policy cannot name, and harden's policies do not select them.
type Checks struct {
	// Pairs counts the pod pairs within a tenant compared; Intra lists
	// those whose ports changed.
	Pairs int      `json:"pairs"`
	Intra []Broken `json:"intraTenant"`
	// DNSPods counts the pods that reached DNS before; DNS lists those
	// that no longer do.
	DNSPods int      `json:"dnsPods"`
	DNS     []Broken `json:"dns"`
	// ExternalPods counts the pods behind Services that take traffic
	// from outside the cluster; External lists those an address outside
	// the cluster no longer reaches on every port of the Service it did.
	ExternalPods int      `json:"externalPods"`
	External     []Broken `json:"external"`
	// APIPods counts the pods that reached the API server before; API
	// lists those that no longer do.
	APIPods int      `json:"apiServerPods"`
	API     []Broken `json:"apiServer"`
	// Notes say what the checks left out or could not check.
	Notes []string `json:"notes,omitempty"`
}

// OK reports whether every check passed.
func (c *Checks) OK() bool {
	return len(c.Intra) == 0 && len(c.DNS) == 0 && len(c.External) == 0 && len(c.API) == 0
}

// Broken is a pod pair (or a pod and DNS) whose reachability the safe
// objects changed; Pairs counts the pod pairs like it.
type Broken struct {
	From   string `json:"from"`
	To     string `json:"to"`
	Before string `json:"before"`
	After  string `json:"after"`
	Pairs  int    `json:"pairs"`
}

func (b Broken) String() string {
	s := fmt.Sprintf("%s → %s: %s before, %s after", b.From, b.To, b.Before, b.After)
	if b.Pairs > 1 {
		s += fmt.Sprintf(" (and %d more pod pairs alike)", b.Pairs-1)
	}
	return s
}

// podGroup is the pods of one tenant that are in the same class before and
// after: every policy treats them alike in both models, so one pair of
// groups stands for all their pod pairs.
type podGroup struct {
	tenant        string
	before, after netpol.ClassID
	first         string // "namespace/name" of the first pod
	pods          int
}

// podGroups sorts the pods of a snapshot into groups; hostNetwork pods and
// pods either model does not know are left out and counted.
func podGroups(snap *snapshot.Snapshot, ten *tenancy.Tenancy, mb, ma *netpol.Model) (out []*podGroup, host int) {
	type key struct {
		tenant string
		b, a   netpol.ClassID
	}
	at := map[key]*podGroup{}
	for i := range snap.Pods {
		p := &snap.Pods[i]
		if p.Spec.HostNetwork {
			host++
			continue
		}
		b, okB := mb.ClassOf(p.Namespace, p.Name)
		a, okA := ma.ClassOf(p.Namespace, p.Name)
		if !okB || !okA {
			continue
		}
		k := key{ten.Of(p.Namespace), b, a}
		g := at[k]
		if g == nil {
			g = &podGroup{tenant: k.tenant, before: b, after: a, first: p.Namespace + "/" + p.Name}
			at[k] = g
			out = append(out, g)
		}
		g.pods++
	}
	slices.SortFunc(out, func(x, y *podGroup) int {
		return cmp.Or(strings.Compare(x.tenant, y.tenant), strings.Compare(x.first, y.first))
	})
	return out, host
}

// checkNothingBroke runs the checks on the pods of the snapshot before the plan.
func checkNothingBroke(snap *snapshot.Snapshot, ten *tenancy.Tenancy, mb, ma *netpol.Model) Checks {
	var c Checks
	// The check from outside the cluster reads no pod group: it runs
	// beside the others (the models are only read), its counts and
	// notes then taken where it stands in the list.
	var ext Checks
	wait := beside(func() { ext.external(snap, ten, mb, ma) })
	gs, host := podGroups(snap, ten, mb, ma)
	if host > 0 {
		c.Notes = append(c.Notes, fmt.Sprintf("%s on the host network left out: pod policy cannot name them", countOf(host, "pod", "pods")))
	}
	c.intraTenant(gs, mb, ma)
	c.dns(gs, mb, ma)
	local, _ := nodeLocalDNS(snap, ten)
	c.nodeLocalDNS(local, gs, mb, ma)
	wait()
	c.ExternalPods, c.External = ext.ExternalPods, ext.External
	c.Notes = append(c.Notes, ext.Notes...)
	c.apiServer(snap, gs, mb, ma)
	return c
}

// apiServer checks that every group that reached each API server endpoint
// on each of its ports before still does.
func (c *Checks) apiServer(snap *snapshot.Snapshot, gs []*podGroup, mb, ma *netpol.Model) {
	a := findAPIServer(snap)
	if a == nil {
		c.Notes = append(c.Notes, "no endpoints of the Service default/kubernetes in the input: the API server check had nothing to check")
		return
	}
	var ports []netpol.PortRange
	for _, p := range a.ports {
		ports = append(ports, netpol.PortRange{Protocol: *p.Protocol, Start: p.Port.IntVal, End: p.Port.IntVal})
	}
	for _, g := range gs {
		if !reachesAddrs(mb, g, a.endpoints, ports) {
			continue
		}
		c.APIPods += g.pods
		if !reachesAddrs(ma, g, a.endpoints, ports) {
			c.API = append(c.API, Broken{From: g.first, To: "the API server", Before: "every endpoint", After: "not every endpoint", Pairs: g.pods})
		}
	}
}

// reachesAddrs reports whether a group's first pod reaches every address
// on every port.
func reachesAddrs(m *netpol.Model, g *podGroup, addrs []netip.Prefix, ports []netpol.PortRange) bool {
	ns, name, _ := strings.Cut(g.first, "/")
	for _, a := range addrs {
		for _, p := range ports {
			if v, err := m.Reach(netpol.Endpoint{Namespace: ns, Pod: name}, netpol.Endpoint{IP: a.Addr()}, p.Start, p.Protocol); err != nil || !v.Allowed {
				return false
			}
		}
	}
	return true
}

// intraTenant compares, for every pair of groups of the same tenant, the
// ports the first reaches the second on, before and after.
func (c *Checks) intraTenant(gs []*podGroup, mb, ma *netpol.Model) {
	for i := 0; i < len(gs); {
		j := i
		for j < len(gs) && gs[j].tenant == gs[i].tenant {
			j++
		}
		for _, src := range gs[i:j] {
			for _, dst := range gs[i:j] {
				pairs := src.pods * dst.pods
				if src == dst {
					pairs -= src.pods // a pod and itself
				}
				if pairs == 0 {
					continue
				}
				c.Pairs += pairs
				b := netpol.FormatPorts(mb.Ports(src.before, dst.before))
				a := netpol.FormatPorts(ma.Ports(src.after, dst.after))
				if a != b {
					c.Intra = append(c.Intra, Broken{From: src.first, To: dst.first, Before: portsText(b), After: portsText(a), Pairs: pairs})
				}
			}
		}
		i = j
	}
}

func portsText(s string) string {
	if s == "" {
		return "nothing"
	}
	return s
}

// dns checks that every group that reached a DNS pod on each DNS port
// before still does.
func (c *Checks) dns(gs []*podGroup, mb, ma *netpol.Model) {
	if len(ma.DNSPorts()) == 0 {
		c.Notes = append(c.Notes, "no cluster DNS pods found (no DNS Service with pods): the DNS check had nothing to check")
		return
	}
	reachB, reachA := dnsReach(mb), dnsReach(ma)
	missed := 0
	for _, g := range gs {
		if !reachB(g.before) {
			missed += g.pods
			continue
		}
		c.DNSPods += g.pods
		if !reachA(g.after) {
			c.DNS = append(c.DNS, Broken{From: g.first, To: "cluster DNS", Before: netpol.FormatPorts(mb.DNSPorts()), After: "not every DNS port", Pairs: g.pods})
		}
	}
	if missed > 0 {
		c.Notes = append(c.Notes, fmt.Sprintf("%s did not reach DNS before either (the cluster's own policies): left as they were", countOf(missed, "pod", "pods")))
	}
}

// nodeLocalDNS checks that every group that reached NodeLocal DNSCache's
// addresses on the DNS port, UDP and TCP, before still does (a pod of the
// cluster queries them, not the DNS pods).
func (c *Checks) nodeLocalDNS(addrs []netip.Prefix, gs []*podGroup, mb, ma *netpol.Model) {
	if len(addrs) == 0 {
		return
	}
	ports := []netpol.PortRange{{Protocol: corev1.ProtocolUDP, Start: dnsPort, End: dnsPort}, {Protocol: corev1.ProtocolTCP, Start: dnsPort, End: dnsPort}}
	for _, g := range gs {
		if reachesAddrs(mb, g, addrs, ports) && !reachesAddrs(ma, g, addrs, ports) {
			c.DNS = append(c.DNS, Broken{From: g.first, To: "NodeLocal DNSCache", Before: "UDP and TCP 53", After: "not every address", Pairs: g.pods})
		}
	}
}

// dnsReach returns whether a class reaches some DNS pod on every DNS
// port, remembered per class.
func dnsReach(m *netpol.Model) func(netpol.ClassID) bool {
	var servers []netpol.ClassID
	for _, cl := range m.Classes() {
		if m.DNSServer(cl.ID) {
			servers = append(servers, cl.ID)
		}
	}
	want := m.DNSPorts()
	memo := map[netpol.ClassID]bool{}
	return func(src netpol.ClassID) bool {
		if r, ok := memo[src]; ok {
			return r
		}
		ok := true
		for _, r := range want {
			if !slices.ContainsFunc(servers, func(d netpol.ClassID) bool { return covers(m.Ports(src, d), r) }) {
				ok = false
				break
			}
		}
		memo[src] = ok
		return ok
	}
}

// covers reports whether some range of rs holds all of r.
func covers(rs []netpol.PortRange, r netpol.PortRange) bool {
	return slices.ContainsFunc(rs, func(s netpol.PortRange) bool {
		return s.Protocol == r.Protocol && s.Start <= r.Start && r.End <= s.End
	})
}

func countOf(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// external checks that the pods behind Services taking traffic from
// outside the cluster are reached from there as they were: for each
// address range of the model outside the cluster's (not the pod or the
// service range, no pod's or node's address), on each target port of the
// Service, allowed before means allowed after. Pods in the same classes
// before and after, of one namespace, are checked once.
func (c *Checks) external(snap *snapshot.Snapshot, ten *tenancy.Tenancy, mb, ma *netpol.Model) {
	exposed := exposedServices(snap)
	if len(exposed) == 0 {
		return
	}
	srcs := outsideAddrs(snap, ten, mb)
	if len(srcs) == 0 {
		c.Notes = append(c.Notes, "no address outside the cluster's ranges found: the check of traffic from outside the cluster had nothing to check")
		return
	}
	type key struct {
		ns   string
		b, a netpol.ClassID
	}
	groups := map[key]*externalGroup{}
	var order []key
	seen := map[string]bool{}
	for _, ns := range slices.Sorted(maps.Keys(exposed)) {
		for _, e := range exposed[ns] {
			for _, p := range e.pods {
				b, okB := mb.ClassOf(p.Namespace, p.Name)
				a, okA := ma.ClassOf(p.Namespace, p.Name)
				if !okB || !okA {
					continue
				}
				id := p.Namespace + "/" + p.Name
				k := key{ns, b, a}
				g := groups[k]
				if g == nil {
					g = &externalGroup{first: id}
					groups[k] = g
					order = append(order, k)
				}
				if !seen[id] {
					seen[id] = true
					g.pods++
					c.ExternalPods++
				}
				if g.first != id {
					continue // its group's first pod stands for it
				}
				for _, sp := range e.svc.Spec.Ports {
					port, proto, ok := targetPort(p, sp)
					if !ok {
						continue
					}
					g.check(mb, ma, srcs, p, port, proto)
				}
			}
		}
	}
	for _, k := range order {
		if g := groups[k]; g.lost {
			c.External = append(c.External, Broken{From: "outside the cluster (" + g.from + ")", To: g.first,
				Before: portsText(netpol.FormatPorts(g.before)), After: portsText(netpol.FormatPorts(g.got)), Pairs: g.pods})
		}
	}
}

// externalGroup is pods behind exposed Services that every policy treats
// alike before and after: the first stands for all.
type externalGroup struct {
	first string
	pods  int
	// from is the first outside address that lost a port; before the
	// ports outside addresses reached, got those every one of them that
	// did still reaches.
	from        string
	before, got []netpol.PortRange
	lost        bool
}

// check compares, for one port of the group's first pod, what each outside
// address reached before and after.
func (g *externalGroup) check(mb, ma *netpol.Model, srcs []netip.Addr, p *corev1.Pod, port int32, proto corev1.Protocol) {
	dst := netpol.Endpoint{Namespace: p.Namespace, Pod: p.Name}
	r := netpol.PortRange{Protocol: proto, Start: port, End: port}
	reached, kept := false, true
	for _, a := range srcs {
		src := netpol.Endpoint{IP: a}
		vb, err := mb.Reach(src, dst, port, proto)
		if err != nil || !vb.Allowed {
			continue
		}
		reached = true
		if va, err := ma.Reach(src, dst, port, proto); err != nil || !va.Allowed {
			kept = false
			if g.from == "" {
				g.from = a.String()
			}
		}
	}
	if !reached {
		return
	}
	g.before = append(g.before, r)
	if kept {
		g.got = append(g.got, r)
	} else {
		g.lost = true
	}
}

// targetPort is the port and protocol a Service port sends to on a pod:
// "Number or name of the port to access on the pods targeted by the
// service ... If this is a string, it will be looked up as a named port
// in the target Pod's container ports. If this is not specified, the value
// of the 'port' field is used."
func targetPort(p *corev1.Pod, sp corev1.ServicePort) (int32, corev1.Protocol, bool) {
	proto := sp.Protocol
	if proto == "" {
		proto = corev1.ProtocolTCP
	}
	switch {
	case sp.TargetPort.Type == intstr.String && sp.TargetPort.StrVal != "":
		n, ok := containerPort(p, sp.TargetPort.StrVal, proto)
		return n, proto, ok
	case sp.TargetPort.IntVal != 0:
		return sp.TargetPort.IntVal, proto, true
	}
	return sp.Port, proto, sp.Port != 0
}

// outsideAddrs picks one address in each external address range of the
// model that lies outside the cluster: not in the pod or the service
// ranges, and no pod's or node's address. Documentation addresses
// (203.0.113.1, 2001:db8::1) are preferred where a range holds them.
func outsideAddrs(snap *snapshot.Snapshot, ten *tenancy.Tenancy, m *netpol.Model) []netip.Addr {
	pods, _ := podRanges(snap, ten)
	svc, _ := serviceRanges(snap, ten)
	inside := append(append([]netip.Prefix(nil), pods...), svc...)
	addr := func(s string) {
		if a, err := netip.ParseAddr(s); err == nil {
			inside = append(inside, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
		}
	}
	for i := range snap.Pods {
		for _, ip := range snap.Pods[i].Status.PodIPs {
			addr(ip.IP)
		}
		addr(snap.Pods[i].Status.PodIP)
	}
	for i := range snap.Nodes {
		for _, na := range snap.Nodes[i].Status.Addresses {
			addr(na.Address)
		}
	}
	// Only the families the pods have: a cluster of IPv4 pods takes no
	// IPv6 traffic to them.
	fams := map[bool]bool{}
	for _, p := range inside {
		fams[p.Addr().Is4()] = true
	}
	if len(fams) == 0 {
		fams[true], fams[false] = true, true
	}
	isInside := func(a netip.Addr) bool {
		return slices.ContainsFunc(inside, func(p netip.Prefix) bool { return p.Contains(a) })
	}
	candidates := []netip.Addr{netip.MustParseAddr("203.0.113.1"), netip.MustParseAddr("2001:db8::1")}
	for _, p := range inside {
		candidates = append(candidates, p.Masked().Addr().Prev(), lastOf(p).Next())
	}
	var out []netip.Addr
	for _, cl := range m.Classes() {
		lo, hi, ok := parseRange(cl.External)
		if !ok || !fams[lo.Is4()] {
			continue
		}
		for _, a := range append(slices.Clone(candidates), lo, hi) {
			if a.IsValid() && !a.IsUnspecified() && a.BitLen() == lo.BitLen() && !a.Less(lo) && !hi.Less(a) && !isInside(a) {
				out = append(out, a)
				break
			}
		}
	}
	// The documentation addresses first: the first that loses a port is
	// the one named.
	rank := func(a netip.Addr) int {
		if i := slices.Index(candidates[:2], a); i >= 0 {
			return i
		}
		return 2
	}
	slices.SortStableFunc(out, func(a, b netip.Addr) int { return cmp.Compare(rank(a), rank(b)) })
	return out
}

// parseRange reads an external class's range: "CIDR", "LO-HI" or one address.
func parseRange(s string) (lo, hi netip.Addr, ok bool) {
	if s == "" {
		return lo, hi, false
	}
	if p, err := netip.ParsePrefix(s); err == nil {
		return p.Masked().Addr(), lastOf(p), true
	}
	if l, h, cut := strings.Cut(s, "-"); cut {
		a, errA := netip.ParseAddr(l)
		b, errB := netip.ParseAddr(h)
		return a, b, errA == nil && errB == nil
	}
	a, err := netip.ParseAddr(s)
	return a, a, err == nil
}

// lastOf is the highest address of a prefix.
func lastOf(p netip.Prefix) netip.Addr {
	b := p.Masked().Addr().AsSlice()
	for i := p.Bits(); i < len(b)*8; i++ {
		b[i/8] |= 0x80 >> uint(i%8)
	}
	a, _ := netip.AddrFromSlice(b)
	return a
}
