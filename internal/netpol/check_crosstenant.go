package netpol

import (
	"fmt"
	"sort"
	"strings"

	"github.com/bulkhead-dev/bulkhead/internal/finding"
	"github.com/bulkhead-dev/bulkhead/internal/tenancy"
)

// crossTenant reports every pair of tenants with an allowed flow between
// their pods. A tenant reachable from every other tenant gets one finding
// with source "*".
func (m *Model) crossTenant(ten *tenancy.Tenancy) []finding.Finding {
	tenID := map[string]int{}
	var names []string
	var system []bool
	classTen := make([]int, m.nPod)
	nsEnd := make([]int, m.nPod)
	for c := m.nPod - 1; c >= 0; c-- {
		ns := m.classes[c].Namespace
		t := ten.Of(ns)
		id, ok := tenID[t]
		if !ok {
			id = len(names)
			tenID[t] = id
			names = append(names, t)
			system = append(system, ten.IsSystem(ns))
		}
		classTen[c] = id
		if c+1 < m.nPod && m.classes[c+1].Namespace == ns {
			nsEnd[c] = nsEnd[c+1]
		} else {
			nsEnd[c] = c + 1
		}
	}
	tenants := 0
	for i := range names {
		if !system[i] {
			tenants++
		}
	}
	// Distinct matrices: port atoms of one group share theirs.
	var mats []*matrix
	seen := map[*matrix]bool{}
	for _, mx := range m.reach {
		if !seen[mx] {
			seen[mx] = true
			mats = append(mats, mx)
		}
	}
	type pair struct{ src, dst int }
	first := map[pair][2]int{}
	var order []pair
	row := newBitset(len(m.classes))
	for s := 0; s < m.nPod; s++ {
		a := classTen[s]
		if system[a] {
			continue
		}
		row.clear()
		for _, mx := range mats {
			row.or(mx.row(s))
		}
		row.clearFrom(m.nPod)
		for d := row.first(0); d >= 0; {
			b := classTen[d]
			next := nsEnd[d]
			if b == a || system[b] {
				d = row.first(next)
				continue
			}
			k := pair{a, b}
			if w, ok := first[k]; !ok {
				first[k] = [2]int{s, d}
				order = append(order, k)
			} else if m.classes[w[0]].HostNetwork || m.classes[w[1]].HostNetwork {
				// Prefer a witness between ordinary pods.
				if !m.classes[s].HostNetwork && !m.classes[d].HostNetwork {
					first[k] = [2]int{s, d}
				}
			}
			if w := first[k]; m.classes[w[0]].HostNetwork || m.classes[w[1]].HostNetwork {
				next = d + 1 // look on in this namespace for ordinary pods
			}
			d = row.first(next)
		}
	}
	sources := map[int][]int{}
	for _, k := range order {
		sources[k.dst] = append(sources[k.dst], k.src)
	}
	var out []finding.Finding
	emit := func(src string, k pair, extra string) {
		w := first[k]
		v, ports := m.pairWitness(w[0], w[1])
		steps, objs := witness(v)
		f := finding.Finding{
			ID: IDCrossTenant, Severity: finding.High, Category: finding.Network,
			SourceTenant: src, TargetTenant: names[k.dst],
			Reason: fmt.Sprintf("pods of %s can open connections to pods of tenant %s", sourceText(src), names[k.dst]),
			Detail: fmt.Sprintf("%sFor example %s reaches %s on %s (%s).\n%s",
				extra, v.From, v.To, FormatPorts(ports), v.Summary, strings.Join(v.Explain(), "\n")),
			Subjects:    []finding.Ref{podRef(v.From)},
			Objects:     append([]finding.Ref{podRef(v.To)}, objs...),
			Witness:     steps,
			Remediation: "Isolate the target namespaces with a default-deny NetworkPolicy (ingress and egress) and allow only the flows the tenant needs; an AdminNetworkPolicy can deny cross-tenant traffic cluster-wide.",
		}
		out = append(out, f)
	}
	targets := make([]int, 0, len(sources))
	for b := range sources {
		targets = append(targets, b)
	}
	sort.Ints(targets)
	for _, b := range targets {
		srcs := sources[b]
		if tenants > 2 && len(srcs) == tenants-1 {
			emit("*", pair{srcs[0], b}, fmt.Sprintf("Every other tenant (%d) reaches it. ", len(srcs)))
			continue
		}
		for _, a := range srcs {
			emit(names[a], pair{a, b}, "")
		}
	}
	return out
}

func sourceText(src string) string {
	if src == "*" {
		return "every other tenant"
	}
	return "tenant " + src
}
