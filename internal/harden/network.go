package harden

import (
	"cmp"
	"fmt"
	"maps"
	"net/netip"
	"slices"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/bulkhead-dev/bulkhead/internal/analysis"
	"github.com/bulkhead-dev/bulkhead/internal/finding"
	"github.com/bulkhead-dev/bulkhead/internal/netpol"
	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
	"github.com/bulkhead-dev/bulkhead/internal/tenancy"
)

// namePrefix starts the name of every policy harden writes, so that it
// never takes the name of a policy the cluster has.
const namePrefix = "bulkhead-"

// NetworkPlan writes the NetworkPolicies that wall each tenant namespace
// in (not the cluster tenant's, not the platform's) while keeping what the
// tenant needs, and says in notes what it could not do or had to assume.
// Per namespace:
//
//   - bulkhead-default-deny isolates every pod for ingress and egress;
//   - bulkhead-allow-dns lets every pod reach the cluster DNS pods actually
//     found (the DNS Service's selector, in its namespace, on its target
//     ports, UDP and TCP);
//   - bulkhead-allow-ingress and bulkhead-allow-egress let the pods that no
//     existing policy isolates (see openPods) talk to all the tenant's
//     namespaces, take connections from the platform namespaces that reach
//     them today, and, with Egress internet, reach addresses outside the
//     cluster but the metadata service and the pod and service ranges;
//   - bulkhead-flow-NAME-ingress/-egress keep each of opts.AllowFlows.
//
// Namespaces are selected by kubernetes.io/metadata.name, which the API
// server sets and no tenant can change. Existing policies are kept as they
// are: a pod they isolate keeps exactly what their rules allow. Policies
// harden wrote before (labelled app.kubernetes.io/managed-by=bulkhead) are
// set aside first, so a rerun on the hardened cluster writes the same
// objects again and nothing new. Output is sorted by namespace and name.
func NetworkPlan(snap *snapshot.Snapshot, ten *tenancy.Tenancy, opts Options) ([]Object, []string, error) {
	return networkPlan(analysis.NewFacts(snap, ten), opts)
}

// networkPlan is NetworkPlan on the facts of a snapshot: their network
// model and findings when they are the ones NetworkPlan needs (compiled
// with netpol.DefaultOptions, no policy of harden's to set aside).
func networkPlan(f *analysis.Facts, opts Options) ([]Object, []string, error) {
	snap, ten := f.Snapshot, f.Tenancy
	egress := opts.Egress
	if egress == "" {
		egress = EgressInternet
	}
	if egress != EgressInternet && egress != EgressNone {
		return nil, nil, fmt.Errorf("egress %q: want %s or %s", opts.Egress, EgressInternet, EgressNone)
	}
	flows, err := parseFlows(opts.AllowFlows)
	if err != nil {
		return nil, nil, err
	}
	if opts.AdminNetwork {
		return adminNetworkPlan(snap, ten, egress, flows)
	}
	base := withoutOwn(snap)
	var model *netpol.Model
	var found []finding.Finding
	if base == snap && f.Network == netpol.DefaultOptions() {
		model, found = f.NetworkModel(), f.NetworkFindings()
	} else {
		model = netpol.Compile(base, netpol.DefaultOptions())
		found = model.Findings(base, ten)
	}
	w := newNetworkWriter(base, ten, findingsByNamespace(found))
	var notes []string
	var dnsNotes []string
	w.dns, dnsNotes = findDNS(base, ten)
	notes = append(notes, dnsNotes...)
	if egress == EgressInternet && w.dns != nil { // egress is isolated only with DNS found
		var n []string
		w.internet, n, w.internetExcepts = internetBlocks(base, ten)
		notes = append(notes, n...)
	}
	if egress == EgressNone {
		notes = append(notes, keptEgress(base, ten)...)
	}
	var localNotes []string
	w.nodeLocal, localNotes = nodeLocalDNS(base, ten)
	if w.dns != nil {
		notes = append(notes, localNotes...)
	}
	if w.api = findAPIServer(base); w.api == nil && w.dns != nil {
		notes = append(notes, noAPIServerNote(egress == EgressInternet))
	}
	w.platform = platformReach(model, ten)
	if w.dns != nil { // egress is isolated
		notes = append(notes, platformCalls(model, ten)...)
	}
	var hostNotes []string
	w.platformNodes, hostNotes = platformHostReach(base, model, ten)
	notes = append(notes, hostNotes...)
	w.exposed = exposedServices(base)
	notes = append(sharedServices(base, model, ten), notes...)
	var out []Object
	for _, t := range ten.Tenants() {
		if t.System || t.Platform {
			continue
		}
		for _, ns := range t.Namespaces {
			objs, n := w.namespace(ns, t.Namespaces)
			out = append(out, objs...)
			notes = append(notes, n...)
		}
	}
	fo, fn := w.flows(flows)
	out = append(out, fo...)
	notes = append(notes, fn...)
	sortNetworkObjects(out)
	// The trade-offs come first: they change what the user should ask for.
	slices.SortStableFunc(notes, func(a, b string) int { return cmp.Compare(headlineRank(a), headlineRank(b)) })
	return out, notes, nil
}

func headlineRank(note string) int {
	if Headline(note) {
		return 0
	}
	return 1
}

// networkWriter holds what every namespace's policies are written from.
type networkWriter struct {
	base     *snapshot.Snapshot
	ten      *tenancy.Tenancy
	findings map[string]map[string]bool // namespace -> finding IDs
	dns      *clusterDNS
	internet []networkingv1.IPBlock
	// api is where the API server answers (nil: not in the input).
	api *apiServer
	// nodeLocal are NodeLocal DNSCache's addresses (nodeLocalDNS).
	nodeLocal []netip.Prefix
	// internetExcepts says what internet's blocks leave out ("the metadata
	// service and the pod range").
	internetExcepts string
	platform        map[string][]string // tenant namespace -> platform namespaces reaching it
	// platformNodes are, per tenant namespace, the addresses of the
	// platform's host-network pods that reach it today (their traffic
	// comes from their node's address, which no namespace selector
	// matches): an ingress controller on the host network, for one.
	platformNodes map[string][]hostSource
	exposed       map[string][]exposedService

	// The base's policies and host-network pods by namespace, and the
	// names its policies take, so that each namespace is written without
	// going through the whole cluster.
	policies map[string][]networkingv1.NetworkPolicy
	hostPods map[string][]hostGroup
	taken    map[[2]string]bool
	// served are, by namespace, the pod ports its Services send to: where
	// the API server calls an admission webhook or aggregated API.
	served map[string][]networkingv1.NetworkPolicyPort
}

// newNetworkWriter indexes base for the namespaces' policies.
func newNetworkWriter(base *snapshot.Snapshot, ten *tenancy.Tenancy, findings map[string]map[string]bool) *networkWriter {
	w := &networkWriter{base: base, ten: ten, findings: findings,
		policies: map[string][]networkingv1.NetworkPolicy{}, hostPods: map[string][]hostGroup{}, taken: map[[2]string]bool{}}
	for i := range base.NetworkPolicies {
		np := &base.NetworkPolicies[i]
		w.policies[np.Namespace] = append(w.policies[np.Namespace], *np)
		w.taken[[2]string{np.Namespace, np.Name}] = true
	}
	w.served = servedPorts(base)
	owner := base.Owners()
	for i := range base.Pods {
		if p := &base.Pods[i]; p.Spec.HostNetwork {
			kind, name := owner(p)
			w.hostPods[p.Namespace] = addHostPod(w.hostPods[p.Namespace], p, kind+"/"+name)
		}
	}
	return w
}

// hostGroup is the host-network pods of one workload in a namespace.
type hostGroup struct {
	owner string // "Kind/name" (snapshot.Snapshot.Owners)
	pods  []string
}

// addHostPod adds a pod to the group of its workload (owner, "Kind/name"),
// groups in the order their first pod comes.
func addHostPod(groups []hostGroup, p *corev1.Pod, owner string) []hostGroup {
	for i := range groups {
		if groups[i].owner == owner {
			groups[i].pods = append(groups[i].pods, p.Name)
			return groups
		}
	}
	return append(groups, hostGroup{owner: owner, pods: []string{p.Name}})
}

// note says what a tenant's host-network pods mean for its new policies:
// a workload's pods in one note, not one a node.
func (g hostGroup) note(ns string) string {
	if len(g.pods) == 1 {
		return fmt.Sprintf("network: pod %s/%s is on the host network: pod policy does not cover it, and the tenant's pods now refuse its connections unless they come from its own node (%s)", ns, g.pods[0], netpol.IDHostNetwork)
	}
	return fmt.Sprintf("network: the %d pods of %s in %s are on the host network: pod policy does not cover them, and the tenant's pods now refuse their connections unless they come from their own node (%s)", len(g.pods), g.owner, ns, netpol.IDHostNetwork)
}

// namespace writes the policies of one tenant namespace.
func (w *networkWriter) namespace(ns string, tenantNS []string) ([]Object, []string) {
	var out []Object
	var notes []string
	add := func(np *networkingv1.NetworkPolicy, closes []string, why string) {
		np.Name = w.freeName(ns, np.Name)
		stamp(&np.ObjectMeta, closes, why)
		out = append(out, Object{Layer: Network, Namespace: ns, Obj: np, Closes: sortedIDs(closes), Why: why})
	}
	ids := w.findings[ns]
	// A direction is isolated only when the pods no existing policy
	// isolates can be selected exactly (else the allows would widen what
	// the existing policies allow), and egress only with the DNS pods
	// found (else an egress deny could not be proven to keep DNS).
	open := map[networkingv1.PolicyType][]metav1.LabelSelector{}
	var types []networkingv1.PolicyType
	var closes []string
	for _, dir := range []networkingv1.PolicyType{networkingv1.PolicyTypeIngress, networkingv1.PolicyTypeEgress} {
		if dir == networkingv1.PolicyTypeEgress && w.dns == nil {
			continue // findDNS's note says why
		}
		if es := w.exposed[ns]; dir == networkingv1.PolicyTypeIngress && len(es) > 0 {
			notes = append(notes, exposedNote(ns, es))
			continue
		}
		sels, exact := openPods(w.policies[ns], ns, dir)
		if !exact {
			notes = append(notes, fmt.Sprintf("network: namespace %s is left as it is for %s: its policies select pods in too many ways for bulkhead to select exactly the pods they leave open, and allowing more would widen what they allow; review it by hand", ns, strings.ToLower(string(dir))))
			continue
		}
		open[dir] = sels
		types = append(types, dir)
	}
	switch {
	case len(types) == 2:
		closes = presentIDs(ids, netpol.IDCrossTenant, netpol.IDNoDefaultIngress, netpol.IDNoDefaultEgress, netpol.IDMetadata)
	case len(types) == 1 && types[0] == networkingv1.PolicyTypeIngress:
		closes = presentIDs(ids, netpol.IDCrossTenant, netpol.IDNoDefaultIngress)
	case len(types) == 1:
		closes = presentIDs(ids, netpol.IDNoDefaultEgress, netpol.IDMetadata)
	}
	if len(types) > 0 {
		what := strings.ToLower(string(types[0]))
		if len(types) == 2 {
			what = "ingress and egress"
		}
		add(newPolicy(ns, namePrefix+"default-deny", metav1.LabelSelector{}, types), closes,
			"isolates every pod of the namespace for "+what+": only what the other policies allow gets through")
	}
	tenantPeer := namespacesPeer(tenantNS)
	in := []networkingv1.NetworkPolicyIngressRule{{From: []networkingv1.NetworkPolicyPeer{tenantPeer}}}
	inWhy := fmt.Sprintf("allows ingress from the tenant's namespaces (%s)", strings.Join(tenantNS, ", "))
	if ports := w.served[ns]; w.api != nil && len(ports) > 0 {
		rule := w.api.ingress()
		rule.Ports = deepCopies(ports)
		in = append(in, rule)
		inWhy += " and from " + w.api.describe() + " on the ports the namespace's Services send to, where it calls the admission webhooks and aggregated APIs served here"
	}
	if p := w.platform[ns]; len(p) > 0 {
		in = append(in, networkingv1.NetworkPolicyIngressRule{From: []networkingv1.NetworkPolicyPeer{namespacesPeer(p)}})
		inWhy += fmt.Sprintf(" and from the platform namespaces that reach it today (%s)", strings.Join(p, ", "))
	}
	if hs := w.platformNodes[ns]; len(hs) > 0 {
		var from []networkingv1.NetworkPolicyPeer
		var addrs []netip.Prefix
		var who []string
		for _, h := range hs {
			addrs = append(addrs, h.addr)
			if !slices.Contains(who, h.pod) {
				who = append(who, h.pod)
			}
		}
		for _, p := range collapse(addrs) {
			from = append(from, networkingv1.NetworkPolicyPeer{IPBlock: &networkingv1.IPBlock{CIDR: p.String()}})
		}
		in = append(in, networkingv1.NetworkPolicyIngressRule{From: from})
		named := strings.Join(who[:min(len(who), 3)], ", ")
		if len(who) > 3 {
			named += fmt.Sprintf(" and %d more", len(who)-3)
		}
		inWhy += fmt.Sprintf(" and from the node addresses of the platform's host-network pods that reach it today (%s)", named)
	}
	eg := []networkingv1.NetworkPolicyEgressRule{{To: []networkingv1.NetworkPolicyPeer{tenantPeer}}}
	egWhy := fmt.Sprintf("allows egress to the tenant's namespaces (%s)", strings.Join(tenantNS, ", "))
	if w.api != nil {
		eg = append(eg, w.api.egress()...)
		egWhy += " and to " + w.api.describe()
	}
	var dnsRule []networkingv1.NetworkPolicyEgressRule
	dnsWhy := ""
	if w.dns != nil { // egress is isolated only with the DNS pods found
		dnsRule = []networkingv1.NetworkPolicyEgressRule{{To: []networkingv1.NetworkPolicyPeer{w.dns.peer()}, Ports: w.dns.policyPorts()}}
		dnsWhy = "allows egress to " + w.dns.describe()
		if len(w.nodeLocal) > 0 {
			dnsRule = append(dnsRule, nodeLocalRule(w.nodeLocal))
			var addrs []string
			for _, p := range w.nodeLocal {
				addrs = append(addrs, p.Addr().String())
			}
			dnsWhy += " and to NodeLocal DNSCache (" + strings.Join(addrs, ", ") + ", UDP and TCP 53)"
		}
	}
	if len(w.internet) > 0 {
		var to []networkingv1.NetworkPolicyPeer
		for i := range w.internet {
			to = append(to, networkingv1.NetworkPolicyPeer{IPBlock: w.internet[i].DeepCopy()})
		}
		eg = append(eg, networkingv1.NetworkPolicyEgressRule{To: to})
		egWhy += " and to addresses outside the cluster (not " + w.internetExcepts + ")"
	}
	// Each allow selects only the pods no existing policy isolates in its
	// direction: those an existing policy isolates keep what it allows,
	// no more (DNS included).
	for _, d := range []struct {
		dir    networkingv1.PolicyType
		name   string
		why    string
		closes []string
		set    func(*networkingv1.NetworkPolicy)
	}{
		{networkingv1.PolicyTypeEgress, "allow-dns", dnsWhy, presentIDs(ids, netpol.IDDNSBlocked),
			func(np *networkingv1.NetworkPolicy) { np.Spec.Egress = deepCopies(dnsRule) }},
		{networkingv1.PolicyTypeIngress, "allow-ingress", inWhy, nil, func(np *networkingv1.NetworkPolicy) { np.Spec.Ingress = deepCopies(in) }},
		{networkingv1.PolicyTypeEgress, "allow-egress", egWhy, nil, func(np *networkingv1.NetworkPolicy) { np.Spec.Egress = deepCopies(eg) }},
	} {
		sels, isolated := open[d.dir]
		if !isolated {
			continue
		}
		for i, sel := range sels {
			name := namePrefix + d.name
			if i > 0 {
				name += fmt.Sprintf("-%d", i+1)
			}
			np := newPolicy(ns, name, sel, []networkingv1.PolicyType{d.dir})
			d.set(np)
			why := d.why
			if len(sel.MatchLabels)+len(sel.MatchExpressions) > 0 {
				why += "; only for the pods no existing policy isolates for " + strings.ToLower(string(d.dir))
			}
			add(np, d.closes, why)
		}
	}
	for _, g := range w.hostPods[ns] {
		notes = append(notes, g.note(ns))
	}
	return out, notes
}

var (
	bothDirections = []networkingv1.PolicyType{networkingv1.PolicyTypeIngress, networkingv1.PolicyTypeEgress}
	egressOnly     = []networkingv1.PolicyType{networkingv1.PolicyTypeEgress}
)

// newPolicy is an empty NetworkPolicy ready to be applied.
func newPolicy(ns, name string, sel metav1.LabelSelector, types []networkingv1.PolicyType) *networkingv1.NetworkPolicy {
	return &networkingv1.NetworkPolicy{
		TypeMeta:   metav1.TypeMeta{APIVersion: "networking.k8s.io/v1", Kind: "NetworkPolicy"},
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec:       networkingv1.NetworkPolicySpec{PodSelector: sel, PolicyTypes: append([]networkingv1.PolicyType(nil), types...)},
	}
}

// namespacesPeer selects every pod of the named namespaces, by the
// kubernetes.io/metadata.name label the API server sets.
func namespacesPeer(names []string) networkingv1.NetworkPolicyPeer {
	return networkingv1.NetworkPolicyPeer{NamespaceSelector: &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{
		Key: metadataNameLabel, Operator: metav1.LabelSelectorOpIn, Values: append([]string(nil), names...),
	}}}}
}

// metadataNameLabel is the label the API server gives every namespace, its name.
const metadataNameLabel = "kubernetes.io/metadata.name"

// deepCopies returns a deep copy of each of xs (policy rules, ports), so
// that policies share nothing an edit of one would change in another.
func deepCopies[T any, PT interface {
	*T
	DeepCopyInto(*T)
}](xs []T) []T {
	out := make([]T, len(xs))
	for i := range xs {
		PT(&xs[i]).DeepCopyInto(&out[i])
	}
	return out
}

// freeName returns name, or name with a number when a policy harden did
// not write already has it in the namespace.
func (w *networkWriter) freeName(ns, name string) string {
	taken := func(n string) bool { return w.taken[[2]string{ns, n}] }
	if !taken(name) {
		return name
	}
	for i := 2; ; i++ {
		if n := fmt.Sprintf("%s-x%d", name, i); !taken(n) {
			return n
		}
	}
}

// withoutOwn returns the snapshot without the NetworkPolicies harden
// wrote, so that a plan is made from the cluster's own policies only.
func withoutOwn(snap *snapshot.Snapshot) *snapshot.Snapshot {
	own := func(np *networkingv1.NetworkPolicy) bool { return np.Labels[ManagedByLabel] == ManagedBy }
	any := false
	for i := range snap.NetworkPolicies {
		any = any || own(&snap.NetworkPolicies[i])
	}
	if !any {
		return snap
	}
	c := snap.Clone()
	c.NetworkPolicies = nil
	for i := range snap.NetworkPolicies {
		if !own(&snap.NetworkPolicies[i]) {
			c.NetworkPolicies = append(c.NetworkPolicies, snap.NetworkPolicies[i])
		}
	}
	return c
}

// findingsByNamespace indexes the IDs of findings by the namespaces of the
// pods and namespaces they name.
func findingsByNamespace(fs []finding.Finding) map[string]map[string]bool {
	out := map[string]map[string]bool{}
	for _, f := range fs {
		for _, r := range append(append([]finding.Ref(nil), f.Subjects...), f.Objects...) {
			ns := r.Namespace
			if r.Kind == "Namespace" {
				ns = r.Name
			}
			if ns == "" {
				continue
			}
			if out[ns] == nil {
				out[ns] = map[string]bool{}
			}
			out[ns][f.ID] = true
		}
	}
	return out
}

// pick returns the ids present, in order.
func presentIDs(present map[string]bool, ids ...string) []string {
	var out []string
	for _, id := range ids {
		if present[id] {
			out = append(out, id)
		}
	}
	return out
}

func sortedIDs(ids []string) []string {
	out := append([]string(nil), ids...)
	sort.Strings(out)
	return out
}

// platformReach lists, per tenant namespace, the platform namespaces
// some of whose pods (not on the host network, which namespace selectors
// never match) reach some pod of it today.
func platformReach(m *netpol.Model, ten *tenancy.Tenancy) map[string][]string {
	return platformPairs(m, ten, false)
}

// platformCalls says which platform namespaces the tenants' pods reach
// today, which the egress policies close as any other tenant's: a note a
// platform namespace, for the flows to keep with --allow-flows.
func platformCalls(m *netpol.Model, ten *tenancy.Tenancy) []string {
	by := map[string][]string{}
	for ns, ps := range platformPairs(m, ten, true) {
		for _, p := range ps {
			by[p] = append(by[p], ns)
		}
	}
	var notes []string
	for _, p := range slices.Sorted(maps.Keys(by)) {
		nss := by[p]
		slices.Sort(nss)
		named := strings.Join(nss[:min(len(nss), 3)], ", ")
		if len(nss) > 3 {
			named += fmt.Sprintf(" and %d more", len(nss)-3)
		}
		notes = append(notes, fmt.Sprintf("network: pods of %d tenant namespace(s) (%s) reach platform namespace %s today; the egress policies close that as any path between tenants: keep what the tenants must call there (a collector, a mesh's control plane) with --allow-flows", len(nss), named, p))
	}
	return notes
}

// platformPairs is platformReach, or with toPlatform, per tenant
// namespace the platform namespaces some pod of it reaches today.
func platformPairs(m *netpol.Model, ten *tenancy.Tenancy, toPlatform bool) map[string][]string {
	var platform []netpol.Class
	byNS := map[string][]netpol.ClassID{}
	for _, c := range m.Classes() {
		switch {
		case c.IsExternal() || c.HostNetwork:
		case ten.IsPlatform(c.Namespace):
			platform = append(platform, c)
		case !ten.IsSystem(c.Namespace):
			byNS[c.Namespace] = append(byNS[c.Namespace], c.ID)
		}
	}
	out := map[string][]string{}
	for ns, dsts := range byNS {
		seen := map[string]bool{}
		for _, p := range platform {
			if seen[p.Namespace] {
				continue
			}
			for _, d := range dsts {
				if toPlatform && m.Reaches(d, p.ID) || !toPlatform && m.Reaches(p.ID, d) {
					seen[p.Namespace] = true
					out[ns] = append(out[ns], p.Namespace)
					break
				}
			}
		}
		sort.Strings(out[ns])
	}
	return out
}

// keptEgress says, with --egress none, which tenant namespaces keep a
// policy of their own that allows egress to any address or to an ipBlock:
// harden adds policies and removes none, so their pods keep reaching
// outside the cluster.
func keptEgress(snap *snapshot.Snapshot, ten *tenancy.Tenancy) []string {
	var out []string
	for _, np := range snap.NetworkPolicies {
		if ten.IsSystem(np.Namespace) || ten.IsPlatform(np.Namespace) {
			continue
		}
		open := slices.ContainsFunc(np.Spec.Egress, func(r networkingv1.NetworkPolicyEgressRule) bool {
			return len(r.To) == 0 || slices.ContainsFunc(r.To, func(p networkingv1.NetworkPolicyPeer) bool { return p.IPBlock != nil })
		})
		if open {
			out = append(out, fmt.Sprintf("network: --egress none: NetworkPolicy %s/%s of the tenant allows egress to addresses outside the cluster and stays (harden removes no policy): remove it or narrow it for none to hold there", np.Namespace, np.Name))
		}
	}
	return out
}

// hostSource is a platform pod on the host network and the address its
// traffic comes from, as an ipBlock CIDR.
type hostSource struct {
	pod  string // namespace/name
	addr netip.Prefix
}

// platformHostReach lists, per tenant namespace, the platform pods on the
// host network that reach some pod of it today, by the address of their
// node (a host-network pod's own address is its node's), so that the
// tenant's new ingress policy still admits them. One whose address the
// input does not give cannot be admitted: a note says so.
func platformHostReach(base *snapshot.Snapshot, m *netpol.Model, ten *tenancy.Tenancy) (map[string][]hostSource, []string) {
	byNS := map[string][]netpol.ClassID{}
	for _, c := range m.Classes() {
		if !c.IsExternal() && !c.HostNetwork && !ten.IsSystem(c.Namespace) && !ten.IsPlatform(c.Namespace) {
			byNS[c.Namespace] = append(byNS[c.Namespace], c.ID)
		}
	}
	namespaces := slices.Sorted(maps.Keys(byNS))
	// A DaemonSet's pods share a class: what it reaches is found once.
	reachedBy := map[netpol.ClassID][]string{}
	out := map[string][]hostSource{}
	var notes []string
	for i := range base.Pods {
		p := &base.Pods[i]
		if !p.Spec.HostNetwork || !ten.IsPlatform(p.Namespace) {
			continue
		}
		c, ok := m.ClassOf(p.Namespace, p.Name)
		if !ok {
			continue
		}
		reached, known := reachedBy[c]
		if !known {
			for _, ns := range namespaces {
				if slices.ContainsFunc(byNS[ns], func(d netpol.ClassID) bool { return m.Reaches(c, d) }) {
					reached = append(reached, ns)
				}
			}
			reachedBy[c] = reached
		}
		if len(reached) == 0 {
			continue
		}
		name := p.Namespace + "/" + p.Name
		addrs := hostAddrs(p)
		if len(addrs) == 0 {
			notes = append(notes, fmt.Sprintf("network: platform pod %s is on the host network and reaches %s today, but the input gives no address of its node: the namespaces' new ingress policies refuse it (a namespace selector never matches the host network); add an ipBlock of the nodes' addresses to their bulkhead-allow-ingress", name, strings.Join(reached, ", ")))
			continue
		}
		for _, ns := range reached {
			for _, a := range addrs {
				out[ns] = append(out[ns], hostSource{pod: name, addr: a})
			}
		}
	}
	return out, notes
}

// hostAddrs are the addresses of a host-network pod, its node's, as
// single-address prefixes.
func hostAddrs(p *corev1.Pod) []netip.Prefix {
	var ips []string
	for _, ip := range p.Status.PodIPs {
		ips = append(ips, ip.IP)
	}
	if len(ips) == 0 && p.Status.PodIP != "" {
		ips = append(ips, p.Status.PodIP)
	}
	if len(ips) == 0 && p.Status.HostIP != "" {
		ips = append(ips, p.Status.HostIP)
	}
	var out []netip.Prefix
	for _, s := range ips {
		if a, err := netip.ParseAddr(s); err == nil {
			out = append(out, netip.PrefixFrom(a, a.BitLen()))
		}
	}
	return out
}

// sortNetworkObjects orders objects by namespace, then kind and name.
func sortNetworkObjects(objs []Object) {
	key := func(o Object) string {
		name := ""
		if m, ok := o.Obj.(metav1.Object); ok {
			name = m.GetName()
		}
		return o.Namespace + "\x00" + o.Obj.GetObjectKind().GroupVersionKind().Kind + "\x00" + name
	}
	sort.SliceStable(objs, func(i, j int) bool { return key(objs[i]) < key(objs[j]) })
}
