package netpol

import (
	"fmt"
	"sort"
	"strings"

	networkingv1 "k8s.io/api/networking/v1"

	corev1 "k8s.io/api/core/v1"

	"github.com/bulkhead-dev/bulkhead/internal/finding"
	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
	"github.com/bulkhead-dev/bulkhead/internal/tenancy"
)

// Finding IDs of the network checks (docs/checks/network.md).
const (
	IDCrossTenant      = "BH-NET-001"
	IDNoDefaultIngress = "BH-NET-002"
	IDNoDefaultEgress  = "BH-NET-003"
	IDAllNamespaces    = "BH-NET-004"
	IDAnyAddress       = "BH-NET-005"
	IDMetadata         = "BH-NET-006"
	IDDNSBlocked       = "BH-NET-007"
	IDHostNetwork      = "BH-NET-008"
)

// Analyze compiles the snapshot and reports its network isolation
// findings.
func Analyze(snap *snapshot.Snapshot, ten *tenancy.Tenancy, opts Options) []finding.Finding {
	return Compile(snap, opts).Findings(snap, ten)
}

// Findings reports the network isolation findings of the model. snap must
// be the snapshot the model was compiled from.
func (m *Model) Findings(snap *snapshot.Snapshot, ten *tenancy.Tenancy) []finding.Finding {
	var out []finding.Finding
	out = append(out, m.crossTenant(ten)...)
	out = append(out, m.defaultDeny(snap, ten)...)
	out = append(out, m.openRules(snap, ten)...)
	out = append(out, m.metadata(ten)...)
	out = append(out, m.dnsBlocked(ten)...)
	out = append(out, m.hostNetwork(ten)...)
	finding.Sort(out)
	return out
}

func podRef(id string) finding.Ref {
	ns, name, _ := strings.Cut(id, "/")
	return finding.Ref{Kind: "Pod", Namespace: ns, Name: name}
}

func ruleObject(r RuleRef) finding.Ref {
	return finding.Ref{Kind: r.Kind, Namespace: r.Namespace, Name: r.Name}
}

// witness turns a verdict into witness steps and the objects involved.
func witness(v Verdict) ([]finding.Step, []finding.Ref) {
	var steps []finding.Step
	var objs []finding.Ref
	seen := map[string]bool{}
	side := func(pod string, dir string, s Side) {
		subject := finding.Ref{Kind: "Address", Name: pod}
		if strings.Contains(pod, "/") {
			subject = podRef(strings.Fields(pod)[0])
		}
		steps = append(steps, finding.Step{Object: subject, Fact: dir + ": " + s.Reason})
		for _, r := range s.Rules {
			ref := ruleObject(r)
			steps = append(steps, finding.Step{Object: ref, Fact: r.String()})
			if !seen[ref.String()] {
				seen[ref.String()] = true
				objs = append(objs, ref)
			}
		}
	}
	side(v.From, "egress", v.Egress)
	side(v.To, "ingress", v.Ingress)
	return steps, objs
}

// pairWitness explains class s reaching class d on its first allowed port.
func (m *Model) pairWitness(s, d int) (Verdict, []PortRange) {
	ports := m.classPorts(s, d)
	src := &m.pods[m.classes[s].podIdx[0]]
	dst := &m.pods[m.classes[d].podIdx[0]]
	pi, port := witnessPort(ports, dst)
	v := m.verdict(resolved{class: s, pod: src, name: src.id()}, resolved{class: d, pod: dst, name: dst.id()}, pi, port)
	return v, ports
}

// witnessPort picks the port a witness shows: a port the destination
// declares, else TCP 80 or 443, else the first allowed port.
func witnessPort(ports []PortRange, dst *podInfo) (int, int32) {
	in := func(proto corev1.Protocol, p int32) bool {
		for _, r := range ports {
			if r.Protocol == proto && r.Start <= p && p <= r.End {
				return true
			}
		}
		return false
	}
	if dst.pod != nil {
		for _, c := range dst.pod.Spec.Containers {
			for _, cp := range c.Ports {
				proto := ptrOr(&cp.Protocol, corev1.ProtocolTCP)
				if proto == "" {
					proto = corev1.ProtocolTCP
				}
				if in(proto, cp.ContainerPort) {
					return protoIndex(proto), cp.ContainerPort
				}
			}
		}
	}
	for _, p := range []int32{80, 443} {
		if in(corev1.ProtocolTCP, p) {
			return 0, p
		}
	}
	return protoIndex(ports[0].Protocol), ports[0].Start
}

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

// defaultDeny reports tenant namespaces with pods but no namespace-wide
// NetworkPolicy isolating them per direction.
func (m *Model) defaultDeny(snap *snapshot.Snapshot, ten *tenancy.Tenancy) []finding.Finding {
	wide := map[string][2]bool{} // namespace -> ingress, egress
	for i := range snap.NetworkPolicies {
		np := &snap.NetworkPolicies[i]
		sel := compileSelector(&np.Spec.PodSelector)
		if !sel.isEmpty() {
			continue
		}
		in, eg := policyDirections(np)
		w := wide[np.Namespace]
		wide[np.Namespace] = [2]bool{w[0] || in, w[1] || eg}
	}
	type count struct{ total, openIn, openEg int }
	byNS := map[string]*count{}
	var order []string
	for c := 0; c < m.nPod; c++ {
		cl := &m.classes[c]
		if cl.HostNetwork || ten.IsSystem(cl.Namespace) {
			continue
		}
		k := byNS[cl.Namespace]
		if k == nil {
			k = &count{}
			byNS[cl.Namespace] = k
			order = append(order, cl.Namespace)
		}
		k.total += len(cl.podIdx)
		if len(m.npIn[c]) == 0 {
			k.openIn += len(cl.podIdx)
		}
		if len(m.npEg[c]) == 0 {
			k.openEg += len(cl.podIdx)
		}
	}
	var out []finding.Finding
	for _, ns := range order {
		k := byNS[ns]
		w := wide[ns]
		nsRef := finding.Ref{Kind: "Namespace", Name: ns}
		if !w[0] {
			out = append(out, finding.Finding{
				ID: IDNoDefaultIngress, Severity: finding.Medium, Category: finding.Network,
				SourceTenant: "*", TargetTenant: ten.Of(ns),
				Reason:      fmt.Sprintf("namespace %s has no default-deny ingress NetworkPolicy", ns),
				Detail:      fmt.Sprintf("No NetworkPolicy with an empty podSelector isolates the namespace for ingress; %d of its %d pods accept connections that no NetworkPolicy restricts, and new pods will too.", k.openIn, k.total),
				Objects:     []finding.Ref{nsRef},
				Witness:     []finding.Step{{Object: nsRef, Fact: fmt.Sprintf("%d of %d pods not isolated for ingress", k.openIn, k.total)}},
				Remediation: fmt.Sprintf("Add a NetworkPolicy in %s with podSelector: {} and policyTypes: [Ingress], then allow the flows the namespace needs.", ns),
			})
		}
		if !w[1] {
			out = append(out, finding.Finding{
				ID: IDNoDefaultEgress, Severity: finding.Low, Category: finding.Network,
				SourceTenant: ten.Of(ns), TargetTenant: "*",
				Reason:      fmt.Sprintf("namespace %s has no default-deny egress NetworkPolicy", ns),
				Detail:      fmt.Sprintf("No NetworkPolicy with an empty podSelector isolates the namespace for egress; %d of its %d pods may connect anywhere unless an AdminNetworkPolicy stops them.", k.openEg, k.total),
				Objects:     []finding.Ref{nsRef},
				Witness:     []finding.Step{{Object: nsRef, Fact: fmt.Sprintf("%d of %d pods not isolated for egress", k.openEg, k.total)}},
				Remediation: fmt.Sprintf("Add a NetworkPolicy in %s with podSelector: {} and policyTypes: [Egress], allowing DNS and the destinations the namespace needs.", ns),
			})
		}
	}
	return out
}

// policyDirections applies the policyTypes default.
func policyDirections(np *networkingv1.NetworkPolicy) (ingress, egress bool) {
	if len(np.Spec.PolicyTypes) == 0 {
		return true, len(np.Spec.Egress) > 0
	}
	for _, t := range np.Spec.PolicyTypes {
		ingress = ingress || t == networkingv1.PolicyTypeIngress
		egress = egress || t == networkingv1.PolicyTypeEgress
	}
	return ingress, egress
}

// openRules reports NetworkPolicy rules of tenant namespaces that admit
// every namespace or every address.
func (m *Model) openRules(snap *snapshot.Snapshot, ten *tenancy.Tenancy) []finding.Finding {
	var out []finding.Finding
	for i := range snap.NetworkPolicies {
		np := &snap.NetworkPolicies[i]
		if ten.IsSystem(np.Namespace) {
			continue
		}
		in, eg := policyDirections(np)
		ref := finding.Ref{Kind: "NetworkPolicy", Namespace: np.Namespace, Name: np.Name}
		check := func(dir string, idx int, peers []networkingv1.NetworkPolicyPeer, ports []networkingv1.NetworkPolicyPort) {
			where := fmt.Sprintf("%s[%d]", dir, idx)
			portText, sev := "on every port", finding.Medium
			if len(ports) > 0 {
				portText, sev = "on the ports it lists", finding.Low
			}
			src, dst := "*", ten.Of(np.Namespace)
			if dir == "egress" {
				src, dst = dst, "*"
			}
			peerWord := map[string]string{"ingress": "from", "egress": "to"}[dir]
			if len(peers) == 0 {
				out = append(out, finding.Finding{
					ID: IDAllNamespaces, Severity: sev, Category: finding.Network, SourceTenant: src, TargetTenant: dst,
					Reason:      fmt.Sprintf("NetworkPolicy %s/%s %s admits every peer %s", np.Namespace, np.Name, where, portText),
					Detail:      fmt.Sprintf("The rule has no %s: it matches pods of every namespace and every address outside the cluster.", peerWord),
					Objects:     []finding.Ref{ref},
					Witness:     []finding.Step{{Object: ref, Fact: where + " has no " + peerWord}},
					Remediation: "List the peers the rule is meant for (podSelector, namespaceSelector by kubernetes.io/metadata.name, or ipBlock).",
				})
				return
			}
			for j, p := range peers {
				switch {
				case p.NamespaceSelector != nil && len(p.NamespaceSelector.MatchLabels) == 0 && len(p.NamespaceSelector.MatchExpressions) == 0:
					pods := "every pod"
					if p.PodSelector != nil && (len(p.PodSelector.MatchLabels) > 0 || len(p.PodSelector.MatchExpressions) > 0) {
						pods = "pods matching " + describeSelector(p.PodSelector)
					}
					out = append(out, finding.Finding{
						ID: IDAllNamespaces, Severity: sev, Category: finding.Network, SourceTenant: src, TargetTenant: dst,
						Reason:      fmt.Sprintf("NetworkPolicy %s/%s %s admits %s of every namespace %s", np.Namespace, np.Name, where, pods, portText),
						Detail:      fmt.Sprintf("Peer %d has namespaceSelector: {}, which selects all namespaces, those of every tenant included.", j),
						Objects:     []finding.Ref{ref},
						Witness:     []finding.Step{{Object: ref, Fact: fmt.Sprintf("%s.%s[%d].namespaceSelector: {}", where, peerWord, j)}},
						Remediation: "Select the namespaces by name (kubernetes.io/metadata.name) or by a label only the cluster admin sets.",
					})
				case p.IPBlock != nil:
					blk, err := parseIPBlock(p.IPBlock.CIDR, p.IPBlock.Except)
					if err != nil || blk.cidr.Bits() != 0 {
						continue
					}
					sevA := sev
					if dir == "egress" && sevA > finding.Low {
						sevA = finding.Low
					}
					out = append(out, finding.Finding{
						ID: IDAnyAddress, Severity: sevA, Category: finding.Network, SourceTenant: src, TargetTenant: dst,
						Reason:      fmt.Sprintf("NetworkPolicy %s/%s %s admits %s %s", np.Namespace, np.Name, where, p.IPBlock.CIDR, portText),
						Detail:      fmt.Sprintf("Peer %d is ipBlock %s (except %v): every address, and with ipBlock matching pod IPs, the pods of every tenant not excepted.", j, p.IPBlock.CIDR, p.IPBlock.Except),
						Objects:     []finding.Ref{ref},
						Witness:     []finding.Step{{Object: ref, Fact: fmt.Sprintf("%s.%s[%d].ipBlock.cidr: %s", where, peerWord, j, p.IPBlock.CIDR)}},
						Remediation: "Narrow the CIDR, and except the pod and service networks and 169.254.169.254/32.",
					})
				}
			}
		}
		if in {
			for j, r := range np.Spec.Ingress {
				check("ingress", j, r.From, r.Ports)
			}
		}
		if eg {
			for j, r := range np.Spec.Egress {
				check("egress", j, r.To, r.Ports)
			}
		}
	}
	return out
}

// metadata reports tenant namespaces whose pods reach the cloud metadata
// address on TCP 80.
func (m *Model) metadata(ten *tenancy.Tenancy) []finding.Finding {
	j := findIPAtom(m.ext, metadataIP)
	a := m.ports.find(0, 80)
	if j < 0 || a < 0 {
		return nil
	}
	md := m.nPod + j
	var out []finding.Finding
	done := map[string]bool{}
	for c := 0; c < m.nPod; c++ {
		cl := &m.classes[c]
		if cl.HostNetwork || done[cl.Namespace] || ten.IsSystem(cl.Namespace) || !m.reach[a].row(c).has(md) {
			continue
		}
		done[cl.Namespace] = true
		src := &m.pods[cl.podIdx[0]]
		v := m.verdict(resolved{class: c, pod: src, name: src.id()}, resolved{class: md, name: metadataIP.String()}, 0, 80)
		steps, objs := witness(v)
		out = append(out, finding.Finding{
			ID: IDMetadata, Severity: finding.High, Category: finding.Network,
			SourceTenant: ten.Of(cl.Namespace), TargetTenant: tenancy.Cluster,
			Reason:      fmt.Sprintf("pods of namespace %s can reach the cloud metadata service (169.254.169.254)", cl.Namespace),
			Detail:      fmt.Sprintf("%s reaches 169.254.169.254 on TCP 80 (%s). The metadata service hands out the node's cloud credentials unless the provider blocks pods from it.\n%s", src.id(), v.Summary, strings.Join(v.Explain(), "\n")),
			Subjects:    []finding.Ref{podRef(src.id())},
			Objects:     objs,
			Witness:     steps,
			Remediation: "Deny egress to 169.254.169.254/32 (an AdminNetworkPolicy Deny to that network covers every tenant), or except it from ipBlock rules.",
		})
	}
	return out
}

// dnsBlocked reports tenant namespaces whose egress policies leave some
// pods unable to reach any cluster DNS server on UDP 53.
func (m *Model) dnsBlocked(ten *tenancy.Tenancy) []finding.Finding {
	dns := newBitset(len(m.classes))
	for c := 0; c < m.nPod; c++ {
		for _, i := range m.classes[c].podIdx {
			if m.pods[i].labels["k8s-app"] == "kube-dns" {
				dns.set(c)
				break
			}
		}
	}
	a := m.ports.find(1, 53)
	if dns.empty() || a < 0 {
		return nil
	}
	var out []finding.Finding
	done := map[string]bool{}
	for c := 0; c < m.nPod; c++ {
		cl := &m.classes[c]
		if cl.HostNetwork || done[cl.Namespace] || ten.IsSystem(cl.Namespace) || len(m.npEg[c]) == 0 || intersects(m.reach[a].row(c), dns) {
			continue
		}
		done[cl.Namespace] = true
		src := &m.pods[cl.podIdx[0]]
		var refs []finding.Ref
		var steps []finding.Step
		for _, p := range m.npEg[c] {
			r := finding.Ref{Kind: "NetworkPolicy", Namespace: p.namespace, Name: p.name}
			refs = append(refs, r)
			steps = append(steps, finding.Step{Object: r, Fact: "isolates " + src.id() + " for egress"})
		}
		out = append(out, finding.Finding{
			ID: IDDNSBlocked, Severity: finding.Low, Category: finding.Network,
			SourceTenant: ten.Of(cl.Namespace),
			Reason:       fmt.Sprintf("egress policy in namespace %s blocks DNS", cl.Namespace),
			Detail:       fmt.Sprintf("%s is isolated for egress and no rule lets it reach a cluster DNS pod (k8s-app=kube-dns) on UDP 53; name resolution fails, which tends to get policies deleted rather than fixed.", src.id()),
			Subjects:     []finding.Ref{podRef(src.id())},
			Objects:      refs,
			Witness:      steps,
			Remediation:  "Allow egress to the DNS pods: to namespaceSelector kubernetes.io/metadata.name=kube-system with podSelector k8s-app=kube-dns, ports UDP 53 and TCP 53.",
		})
	}
	return out
}

// hostNetwork reports tenant pods on the host network: outside pod policy.
func (m *Model) hostNetwork(ten *tenancy.Tenancy) []finding.Finding {
	var out []finding.Finding
	for i := range m.pods {
		p := &m.pods[i]
		if !p.host || ten.IsSystem(p.ns) {
			continue
		}
		ref := podRef(p.id())
		out = append(out, finding.Finding{
			ID: IDHostNetwork, Severity: finding.Medium, Category: finding.Network,
			SourceTenant: ten.Of(p.ns), TargetTenant: "*",
			Reason:      fmt.Sprintf("pod %s uses the host network: NetworkPolicy neither restricts nor protects it", p.id()),
			Detail:      "Pod policy does not apply to host-network pods: their egress is unrestricted, their ports are the node's, and their traffic carries the node's address, which pod selectors cannot tell apart from the node's other pods.",
			Subjects:    []finding.Ref{ref},
			Witness:     []finding.Step{{Object: ref, Fact: "spec.hostNetwork: true"}},
			Remediation: "Run the pod without hostNetwork, or enforce the Pod Security baseline level in its namespace.",
		})
	}
	return out
}
