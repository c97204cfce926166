package netpol

import (
	"fmt"
	"math/bits"
	"sort"
	"strings"

	"github.com/bulkhead-dev/bulkhead/internal/finding"
	"github.com/bulkhead-dev/bulkhead/internal/tenancy"
)

// tenantIndex numbers the tenants of the model's pod classes.
type tenantIndex struct {
	names    []string
	system   []bool
	classTen []int // pod class -> tenant
	classes  [][]int
	mask     []bitset // tenant -> its pod classes
	nsEnd    []int    // pod class -> first class after its namespace
	tenants  int      // tenants with pods, other than the cluster tenant
	// listSources is set when some tenant has no pod: "every other tenant"
	// of a finding is then not every tenant, and the finding lists them.
	listSources bool
}

func (m *Model) tenantIndex(ten *tenancy.Tenancy) *tenantIndex {
	x := &tenantIndex{classTen: make([]int, m.nPod), nsEnd: make([]int, m.nPod)}
	defer func() {
		all := 0
		for _, t := range ten.Tenants() {
			if !t.System {
				all++
			}
		}
		x.listSources = all > x.tenants
	}()
	id := map[string]int{}
	for c := 0; c < m.nPod; c++ {
		ns := m.classes[c].Namespace
		t := ten.Of(ns)
		i, ok := id[t]
		if !ok {
			i = len(x.names)
			id[t] = i
			x.names = append(x.names, t)
			x.system = append(x.system, ten.IsSystem(ns))
			x.classes = append(x.classes, nil)
			x.mask = append(x.mask, newBitset(len(m.classes)))
			if !ten.IsSystem(ns) {
				x.tenants++
			}
		}
		x.classTen[c] = i
		x.classes[i] = append(x.classes[i], c)
		x.mask[i].set(c)
	}
	// Pod classes are numbered in namespace order.
	for c := m.nPod - 1; c >= 0; c-- {
		if c+1 < m.nPod && m.classes[c+1].Namespace == m.classes[c].Namespace {
			x.nsEnd[c] = x.nsEnd[c+1]
		} else {
			x.nsEnd[c] = c + 1
		}
	}
	return x
}

// distinctMatrices returns the reach matrices once each.
func (m *Model) distinctMatrices() []*matrix {
	var mats []*matrix
	seen := map[*matrix]bool{}
	for _, mx := range m.reach {
		if !seen[mx] {
			seen[mx] = true
			mats = append(mats, mx)
		}
	}
	return mats
}

// unionRow sets row to the pod classes s reaches on some port.
func (m *Model) unionRow(mats []*matrix, s int, row bitset) {
	row.clear()
	for _, mx := range mats {
		row.or(mx.row(s))
	}
	row.clearFrom(m.nPod)
}

// crossTenant reports every pair of tenants with an allowed flow between
// their pods. A tenant reachable from every other tenant gets one finding
// with source "*". Flows from or to the cluster tenant are left out, and so
// are DNS queries: flows to the cluster DNS pods on their DNS ports only.
func (m *Model) crossTenant(ten *tenancy.Tenancy) []finding.Finding {
	x := m.tenantIndex(ten)
	mats := m.distinctMatrices()
	// reachedBy[b] holds the tenants that reach tenant b. Rows are walked a
	// namespace at a time, so an open cluster costs classes x namespaces.
	reachedBy := make([]bitset, len(x.names))
	for i := range reachedBy {
		reachedBy[i] = newBitset(len(x.names))
	}
	row := newBitset(len(m.classes))
	for s := 0; s < m.nPod; s++ {
		a := x.classTen[s]
		if x.system[a] {
			continue
		}
		m.unionRow(mats, s, row)
		for d := row.first(0); d >= 0; {
			if m.serviceOnly(s, d) {
				d = row.first(d + 1) // a DNS query, a call to the API server: no breach
				continue
			}
			if b := x.classTen[d]; b != a && !x.system[b] {
				reachedBy[b].set(a)
			}
			d = row.first(x.nsEnd[d])
		}
	}
	var out []finding.Finding
	for b := range x.names {
		n := reachedBy[b].count()
		if n == 0 {
			continue
		}
		if x.tenants > 2 && n == x.tenants-1 {
			out = append(out, m.crossFinding(x, mats, "*", reachedBy[b], b, fmt.Sprintf("Every other tenant (%d) reaches it. ", n)))
			continue
		}
		reachedBy[b].each(func(a int) bool {
			one := newBitset(len(x.names))
			one.set(a)
			out = append(out, m.crossFinding(x, mats, x.names[a], one, b, ""))
			return true
		})
	}
	return out
}

// crossFinding builds the finding for sources reaching tenant b, with a
// witness between ordinary pods when there is one.
func (m *Model) crossFinding(x *tenantIndex, mats []*matrix, src string, sources bitset, b int, extra string) finding.Finding {
	s, d := m.crossWitness(x, mats, sources, b)
	v, ports := m.pairWitness(s, d)
	steps, objs := m.witness(v)
	subject, object := m.podObject(v.From), m.podObject(v.To)
	var sourceTenants []string
	if src == "*" && x.listSources {
		sources.each(func(a int) bool {
			sourceTenants = append(sourceTenants, x.names[a])
			return true
		})
		sort.Strings(sourceTenants)
	}
	return finding.Finding{
		SourceTenants: sourceTenants,
		ID:            ruleCrossTenant.ID, Severity: ruleCrossTenant.Severity, Category: ruleCrossTenant.Category,
		SourceTenant: src, TargetTenant: x.names[b],
		Reason: fmt.Sprintf("pods of %s can open connections to pods of tenant %s", sourceText(src), x.names[b]),
		Detail: fmt.Sprintf("%sFor example %s reaches %s on %s (%s).\n%s",
			extra, m.describePod(v.From), m.describePod(v.To), FormatPorts(ports), v.Summary, strings.Join(v.Explain(), "\n")),
		Subjects:    []finding.Ref{subject},
		Objects:     append([]finding.Ref{object}, objs...),
		Witness:     steps,
		Remediation: crossRemediation(&v),
	}
}

// crossRemediation is the fix of a cross-tenant reach, from its witness:
// a default-deny where the target is not isolated; where it is, the rules
// that let the sources in (a default-deny would change nothing), to narrow.
func crossRemediation(v *Verdict) string {
	const anp = "an AdminNetworkPolicy can deny cross-tenant traffic cluster-wide."
	var allows []string
	for _, side := range []*Side{&v.Ingress, &v.Egress} {
		if !side.Isolated {
			continue
		}
		for _, r := range side.Rules {
			if r.Index >= 0 && r.Action != "Deny" && r.Action != "Pass" {
				allows = append(allows, r.String())
			}
		}
	}
	if !v.Ingress.Isolated || len(allows) == 0 {
		return "Isolate the target namespaces with a default-deny NetworkPolicy (ingress and egress) and allow only the flows the tenant needs; " + anp
	}
	verb, it := " lets these sources in: narrow it", "it is"
	if len(allows) > 1 {
		verb, it = " let these sources in: narrow them", "they are"
	}
	return "The target's pods are isolated, but " + strings.Join(allows, " and ") + verb + " to the namespaces and pods " + it +
		" meant for (an empty rule, or a namespaceSelector: {}, admits every tenant's pods); " + anp
}

// crossWitness finds a class pair from a source tenant into tenant b,
// preferring pods off the host network.
func (m *Model) crossWitness(x *tenantIndex, mats []*matrix, sources bitset, b int) (int, int) {
	// Only the words of tenant b's classes matter: a source's row is read
	// there, not whole (a tenant holds few of a big cluster's classes).
	mask := x.mask[b]
	var words []int
	for w, word := range mask {
		if word != 0 {
			words = append(words, w)
		}
	}
	bestS, bestD := -1, -1
	for a := sources.first(0); a >= 0; a = sources.first(a + 1) {
		for _, s := range x.classes[a] {
			for _, w := range words {
				var word uint64
				for _, mx := range mats {
					word |= mx.row(s)[w]
				}
				for word &= mask[w]; word != 0; word &= word - 1 {
					d := w*64 + bits.TrailingZeros64(word)
					if d >= m.nPod || m.serviceOnly(s, d) {
						continue
					}
					if !m.classes[s].HostNetwork && !m.classes[d].HostNetwork {
						return s, d
					}
					if bestS < 0 {
						bestS, bestD = s, d
					}
				}
			}
		}
	}
	return bestS, bestD
}

func sourceText(src string) string {
	if src == "*" {
		return "every other tenant"
	}
	return "tenant " + src
}
