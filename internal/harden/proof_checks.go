package harden

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

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
//     does.
//
// Pods on the host network are left out of both: they use their node's
// address, which pod policy cannot name, and harden's policies do not
// select them.
type Checks struct {
	// Pairs counts the pod pairs within a tenant compared; Intra lists
	// those whose ports changed.
	Pairs int      `json:"pairs"`
	Intra []Broken `json:"intraTenant"`
	// DNSPods counts the pods that reached DNS before; DNS lists those
	// that no longer do.
	DNSPods int      `json:"dnsPods"`
	DNS     []Broken `json:"dns"`
	// Notes say what the checks left out or could not check.
	Notes []string `json:"notes,omitempty"`
}

// OK reports whether both checks passed.
func (c *Checks) OK() bool { return len(c.Intra) == 0 && len(c.DNS) == 0 }

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

// checkNothingBroke runs both checks on the pods of the snapshot before the plan.
func checkNothingBroke(snap *snapshot.Snapshot, ten *tenancy.Tenancy, mb, ma *netpol.Model) Checks {
	var c Checks
	gs, host := podGroups(snap, ten, mb, ma)
	if host > 0 {
		c.Notes = append(c.Notes, fmt.Sprintf("%s on the host network left out: pod policy cannot name them", countOf(host, "pod", "pods")))
	}
	c.intraTenant(gs, mb, ma)
	c.dns(gs, mb, ma)
	return c
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
