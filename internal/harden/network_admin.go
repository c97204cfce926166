package harden

import (
	"errors"
	"fmt"
	"hash/fnv"
	"maps"
	"regexp"
	"slices"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	anp "sigs.k8s.io/network-policy-api/apis/v1alpha1"

	"github.com/bulkhead-dev/bulkhead/internal/netpol"
	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
	"github.com/bulkhead-dev/bulkhead/internal/tenancy"
)

// The network policy API group, its version and resources, as a live
// snapshot's gaps and the input's CustomResourceDefinitions name them.
const (
	anpGroup       = "policy.networking.k8s.io"
	anpVersion     = "v1alpha1"
	anpResource    = "adminnetworkpolicies"
	banpResource   = "baselineadminnetworkpolicies"
	anpAPIVersion  = anpGroup + "/" + anpVersion
	maxANPPriority = 1000
	// adminPriorityBase is the first priority harden's AdminNetworkPolicies
	// take when the cluster has none of its own: 0 to 19 stay free for
	// the platform's rules that must come before them.
	adminPriorityBase = 20
	// baselineName is the only name a BaselineAdminNetworkPolicy may have.
	baselineName = "default"
)

// adminNetworkPlan writes, instead of NetworkPolicies, the
// AdminNetworkPolicies and the BaselineAdminNetworkPolicy that wall each
// tenant in. They are cluster-scoped objects of the platform's API, which
// no tenant's RBAC reaches, so no tenant can delete them. Evaluated in
// v1alpha1's order (AdminNetworkPolicies by priority, first matching rule
// wins; then NetworkPolicy; then, for pods no NetworkPolicy isolates, the
// baseline):
//
//   - bulkhead-flow-NAME-egress/-ingress (one priority each, first) Allow
//     each of the intentional flows, from and to exactly its pods;
//   - bulkhead-tenant-NAME, one per tenant, subject its namespaces:
//     egress (only when the cluster DNS pods were found, as for
//     NetworkPolicies) Allows the DNS pods on their ports, Passes the
//     tenant's own namespaces on to NetworkPolicy and Denies every other
//     namespace's pods (and, where the cluster's API has networks peers and
//     egress outside the cluster is kept, the metadata service); ingress
//     Passes the tenant's namespaces, the platform namespaces that reach
//     it today and the system namespaces, and Denies every other
//     namespace. Pass keeps what happens within a tenant exactly as it is:
//     NetworkPolicy and the baseline decide it, as they did;
//   - the BaselineAdminNetworkPolicy "default", subject every tenant
//     namespace, Denies ingress from the system namespaces (and, with
//     egress none, egress outside the cluster) to the pods no
//     NetworkPolicy isolates: what a default-deny NetworkPolicy would do,
//     which tenants may loosen with their own policies. A baseline the
//     cluster has already is kept, and none is written.
//
// The plan's AdminNetworkPolicies take priorities after every one the
// cluster has, so that those decide first (two at one priority are
// undefined). Only Core fields of v1alpha1 are written (namespaces and pods
// peers, port numbers), unless the cluster's own policies show its API
// serves the experimental channel's networks peers. It is an error when
// the input does not show that the cluster serves the API at all.
func adminNetworkPlan(snap *snapshot.Snapshot, ten *tenancy.Tenancy, egress Egress, flows []parsedFlow) ([]Object, []string, error) {
	base := withoutOwnAdmin(withoutOwn(snap))
	how, err := servesAdmin(base, len(snap.AdminNetworkPolicies)+len(snap.BaselineAdminNetworkPolicies) > 0)
	if err != nil {
		return nil, nil, err
	}
	w := &adminWriter{base: base, ten: ten, experimental: experimentalAdmin(base)}
	notes := []string{"network: AdminNetworkPolicies are written instead of NetworkPolicies: the cluster serves " + anpAPIVersion + " (" + how + ")"}
	if !w.experimental {
		notes = append(notes, "network: only the Core fields of "+anpAPIVersion+" are used (no networks or nodes peers, no named ports): none of the cluster's own AdminNetworkPolicies shows that its API serves the experimental channel's")
	}
	model := netpol.Compile(base, netpol.DefaultOptions())
	w.findings = findingsByNamespace(model.Findings(base, ten))
	var dnsNotes []string
	w.dns, dnsNotes = findDNS(base, ten)
	notes = append(notes, dnsNotes...)
	w.platform = platformReach(model, ten)
	if w.dns != nil { // egress is walled in
		notes = append(notes, platformCalls(model, ten)...)
	}
	// With --egress none the baseline denies outside the cluster: the
	// tenants' policies allow the API server first, when it is known.
	if w.api = findAPIServer(base); w.api == nil && w.dns != nil && egress == EgressNone {
		notes = append(notes, noAPIServerNote(false))
	}
	var tenants []tenancy.Tenant
	for _, t := range ten.Tenants() {
		switch {
		case t.System:
			w.system = append(w.system, t.Namespaces...)
		case !t.Platform && len(t.Namespaces) > 0:
			tenants = append(tenants, t)
		}
	}
	sort.Strings(w.system)
	first, n, err := w.priorities(len(tenants) + 2*len(flows))
	if err != nil {
		return nil, nil, err
	}
	notes = append(notes, n...)
	next := first
	var out []Object
	for _, f := range flows {
		objs, err := w.flow(f, &next)
		if err != nil {
			return nil, nil, err
		}
		out = append(out, objs...)
	}
	names := map[string]string{}
	for _, t := range tenants {
		name := namePrefix + "tenant-" + nameSlug(t.Name)
		if prev, ok := names[name]; ok {
			return nil, nil, fmt.Errorf("tenants %q and %q would give AdminNetworkPolicies one name, %s", prev, t.Name, name)
		}
		names[name] = t.Name
		out = append(out, w.tenant(t, name, next))
		next++
		for _, ns := range t.Namespaces {
			for _, p := range base.Pods {
				if p.Namespace == ns && p.Spec.HostNetwork {
					notes = append(notes, fmt.Sprintf("network: pod %s/%s is on the host network: AdminNetworkPolicy selects it neither as subject nor as peer, and v1alpha1's ingress rules cannot name its node's address, so it still reaches the pods of other tenants that no NetworkPolicy isolates (%s); NetworkPolicies would refuse it", ns, p.Name, netpol.IDHostNetwork))
				}
			}
		}
	}
	b, bn, err := w.baseline(tenants, egress)
	if err != nil {
		return nil, nil, err
	}
	notes = append(notes, bn...)
	if b != nil {
		out = append(out, *b)
	}
	notes = append(notes, w.passNotes()...)
	if w.dns != nil && egress == EgressInternet && !w.experimental {
		notes = append(notes, "network: egress outside the cluster is left to NetworkPolicy, and the metadata service (169.254.169.254) is not blocked: the Core fields of "+anpAPIVersion+" cannot name addresses; plan NetworkPolicies, or serve the experimental channel's networks peers, to block it")
	}
	sortNetworkObjects(out)
	return out, notes, nil
}

// adminWriter holds what the plan's admin policies are written from.
type adminWriter struct {
	base         *snapshot.Snapshot
	ten          *tenancy.Tenancy
	experimental bool
	findings     map[string]map[string]bool
	dns          *clusterDNS
	api          *apiServer
	platform     map[string][]string
	system       []string // the system namespaces, sorted
}

// servesAdmin says how the input shows that the cluster serves the
// AdminNetworkPolicy API, or why it cannot tell: a live list refused or
// not served is a gap; the cluster's own objects of the API, or its
// CustomResourceDefinition, in snap show it is served, and so do harden's
// own (withOwn) when nothing else does.
func servesAdmin(snap *snapshot.Snapshot, withOwn bool) (string, error) {
	for _, g := range snap.Gaps {
		if g.Resource != anpResource+"."+anpGroup && g.Resource != banpResource+"."+anpGroup {
			continue
		}
		if g.Reason == "not served" {
			return "", fmt.Errorf("--network admin: the cluster does not serve %s (%s: not served); install the AdminNetworkPolicy CRDs and a network plugin that enforces them, or plan NetworkPolicies", anpAPIVersion, g.Resource)
		}
		return "", fmt.Errorf("--network admin: %s could not be read (%s), so the cluster's own AdminNetworkPolicies, which decide before harden's, are unknown", g.Resource, g.Reason)
	}
	switch {
	case len(snap.AdminNetworkPolicies) > 0:
		return fmt.Sprintf("the input has %d AdminNetworkPolicies", len(snap.AdminNetworkPolicies)), nil
	case len(snap.BaselineAdminNetworkPolicies) > 0:
		return "the input has a BaselineAdminNetworkPolicy", nil
	}
	for _, cr := range snap.CustomResources {
		if cr.Group == anpGroup && (cr.Resource == anpResource || cr.Resource == banpResource) && slices.Contains(cr.Versions, anpVersion) {
			return "the input has its CustomResourceDefinition " + cr.Resource + "." + cr.Group, nil
		}
	}
	if withOwn {
		return "the input has bulkhead's own AdminNetworkPolicies", nil
	}
	return "", errors.New("--network admin: nothing in the input shows that the cluster serves " + anpAPIVersion + " (no AdminNetworkPolicy, no BaselineAdminNetworkPolicy, no CustomResourceDefinition of " + anpResource + "." + anpGroup + "); add the CRDs to the input if it does, or plan NetworkPolicies")
}

// own reports whether harden wrote an object.
func own(meta metav1.ObjectMeta) bool { return meta.Labels[ManagedByLabel] == ManagedBy }

// withoutOwnAdmin returns the snapshot without the admin policies harden
// wrote, so that a plan is made from the cluster's own ones only.
func withoutOwnAdmin(snap *snapshot.Snapshot) *snapshot.Snapshot {
	anyOwn := slices.ContainsFunc(snap.AdminNetworkPolicies, func(a anp.AdminNetworkPolicy) bool { return own(a.ObjectMeta) }) ||
		slices.ContainsFunc(snap.BaselineAdminNetworkPolicies, func(b anp.BaselineAdminNetworkPolicy) bool { return own(b.ObjectMeta) })
	if !anyOwn {
		return snap
	}
	c := snap.Clone()
	c.AdminNetworkPolicies = slices.DeleteFunc(slices.Clone(snap.AdminNetworkPolicies), func(a anp.AdminNetworkPolicy) bool { return own(a.ObjectMeta) })
	c.BaselineAdminNetworkPolicies = slices.DeleteFunc(slices.Clone(snap.BaselineAdminNetworkPolicies), func(b anp.BaselineAdminNetworkPolicy) bool { return own(b.ObjectMeta) })
	return c
}

// experimentalAdmin reports whether the cluster's own admin policies use
// fields only the experimental channel's CRDs serve (networks and nodes
// peers, named ports): then its API server accepts them.
func experimentalAdmin(snap *snapshot.Snapshot) bool {
	ports := func(ps *[]anp.AdminNetworkPolicyPort) bool {
		return ps != nil && slices.ContainsFunc(*ps, func(p anp.AdminNetworkPolicyPort) bool { return p.NamedPort != nil })
	}
	peers := func(ps []anp.AdminNetworkPolicyEgressPeer) bool {
		return slices.ContainsFunc(ps, func(p anp.AdminNetworkPolicyEgressPeer) bool { return p.Networks != nil || p.Nodes != nil })
	}
	for _, a := range snap.AdminNetworkPolicies {
		for _, r := range a.Spec.Egress {
			if peers(r.To) || ports(r.Ports) {
				return true
			}
		}
		for _, r := range a.Spec.Ingress {
			if ports(r.Ports) {
				return true
			}
		}
	}
	for _, b := range snap.BaselineAdminNetworkPolicies {
		for _, r := range b.Spec.Egress {
			if peers(r.To) || ports(r.Ports) {
				return true
			}
		}
		for _, r := range b.Spec.Ingress {
			if ports(r.Ports) {
				return true
			}
		}
	}
	return false
}

// priorities returns the first of n consecutive priorities after every
// AdminNetworkPolicy of the cluster, and a note saying which.
func (w *adminWriter) priorities(n int) (int32, []string, error) {
	first, highest := int32(adminPriorityBase), int32(-1)
	for _, a := range w.base.AdminNetworkPolicies {
		highest = max(highest, a.Spec.Priority)
	}
	if highest >= 0 {
		first = highest + 1
	}
	if n == 0 {
		return first, nil, nil
	}
	last := first + int32(n) - 1
	if last > maxANPPriority {
		return 0, nil, fmt.Errorf("--network admin: %d AdminNetworkPolicies need priorities %d to %d, past the highest, %d (the cluster's own reach %d): plan NetworkPolicies, or free priorities", n, first, last, maxANPPriority, highest)
	}
	note := fmt.Sprintf("network: bulkhead's AdminNetworkPolicies take priorities %d to %d, one each", first, last)
	if highest >= 0 {
		note += fmt.Sprintf(", after the cluster's own (the highest is %d), which decide first", highest)
	}
	return first, []string{note}, nil
}

// passNotes name the cluster's own AdminNetworkPolicies that Pass traffic:
// it skips harden's rules, and NetworkPolicy and the baseline decide it.
func (w *adminWriter) passNotes() []string {
	var out []string
	for _, a := range w.base.AdminNetworkPolicies {
		pass := slices.ContainsFunc(a.Spec.Ingress, func(r anp.AdminNetworkPolicyIngressRule) bool {
			return r.Action == anp.AdminNetworkPolicyRuleActionPass
		}) ||
			slices.ContainsFunc(a.Spec.Egress, func(r anp.AdminNetworkPolicyEgressRule) bool { return r.Action == anp.AdminNetworkPolicyRuleActionPass })
		if pass {
			out = append(out, fmt.Sprintf("network: AdminNetworkPolicy %s (priority %d) passes traffic on to NetworkPolicy before bulkhead's AdminNetworkPolicies see it: what NetworkPolicy and the baseline allow of it stays open", a.Name, a.Spec.Priority))
		}
	}
	sort.Strings(out)
	return out
}

// tenant writes the AdminNetworkPolicy of one tenant.
func (w *adminWriter) tenant(t tenancy.Tenant, name string, priority int32) Object {
	nss := slices.Sorted(slices.Values(t.Namespaces))
	var platform []string
	for _, ns := range nss {
		platform = append(platform, w.platform[ns]...)
	}
	slices.Sort(platform)
	platform = slices.Compact(platform)
	closes := map[string]bool{}
	for _, ns := range nss {
		for _, id := range presentIDs(w.findings[ns], netpol.IDCrossTenant) {
			closes[id] = true
		}
	}
	in := []anp.AdminNetworkPolicyIngressRule{
		{Name: "pass-same-tenant", Action: anp.AdminNetworkPolicyRuleActionPass, From: []anp.AdminNetworkPolicyIngressPeer{{Namespaces: namesSelector(nss)}}},
	}
	why := fmt.Sprintf("denies ingress to tenant %s's namespaces (%s) from every other namespace but the system's", t.Name, strings.Join(nss, ", "))
	if len(platform) > 0 {
		in = append(in, anp.AdminNetworkPolicyIngressRule{Name: "pass-platform", Action: anp.AdminNetworkPolicyRuleActionPass, From: []anp.AdminNetworkPolicyIngressPeer{{Namespaces: namesSelector(platform)}}})
		why += fmt.Sprintf(" and the platform namespaces that reach it today (%s)", strings.Join(platform, ", "))
	}
	if len(w.system) > 0 {
		in = append(in, anp.AdminNetworkPolicyIngressRule{Name: "pass-system", Action: anp.AdminNetworkPolicyRuleActionPass, From: []anp.AdminNetworkPolicyIngressPeer{{Namespaces: namesSelector(w.system)}}})
	}
	in = append(in, anp.AdminNetworkPolicyIngressRule{Name: "deny-other-namespaces", Action: anp.AdminNetworkPolicyRuleActionDeny, From: []anp.AdminNetworkPolicyIngressPeer{{Namespaces: &metav1.LabelSelector{}}}})
	var eg []anp.AdminNetworkPolicyEgressRule
	if w.dns != nil {
		dns := anp.AdminNetworkPolicyEgressRule{Name: "allow-dns", Action: anp.AdminNetworkPolicyRuleActionAllow, To: []anp.AdminNetworkPolicyEgressPeer{{Pods: w.dnsPods()}}}
		if ports := w.dnsPorts(); len(ports) > 0 {
			dns.Ports = &ports
		}
		eg = append(eg,
			dns,
			anp.AdminNetworkPolicyEgressRule{Name: "pass-same-tenant", Action: anp.AdminNetworkPolicyRuleActionPass, To: []anp.AdminNetworkPolicyEgressPeer{{Namespaces: namesSelector(nss)}}},
			anp.AdminNetworkPolicyEgressRule{Name: "deny-other-namespaces", Action: anp.AdminNetworkPolicyRuleActionDeny, To: []anp.AdminNetworkPolicyEgressPeer{{Namespaces: &metav1.LabelSelector{}}}},
		)
		if w.experimental && w.api != nil {
			// Before the baseline's deny of outside the cluster
			// (--egress none): the pods that call the API server keep it.
			eg = append(eg, w.api.adminEgress()...)
		}
		if w.experimental {
			var nets []anp.CIDR
			for _, p := range metadataPrefixes {
				nets = append(nets, anp.CIDR(p.String()))
			}
			eg = append(eg, anp.AdminNetworkPolicyEgressRule{Name: "deny-metadata-service", Action: anp.AdminNetworkPolicyRuleActionDeny, To: []anp.AdminNetworkPolicyEgressPeer{{Networks: nets}}})
			for _, ns := range nss {
				for _, id := range presentIDs(w.findings[ns], netpol.IDMetadata) {
					closes[id] = true
				}
			}
		}
		for _, ns := range nss {
			for _, id := range presentIDs(w.findings[ns], netpol.IDDNSBlocked) {
				closes[id] = true
			}
		}
		why += fmt.Sprintf("; allows egress to %s, passes egress within the tenant on to NetworkPolicy and denies it to every other namespace", w.dns.describe())
	} else {
		why += "; egress is left as it is (the cluster DNS pods were not found)"
	}
	a := &anp.AdminNetworkPolicy{
		TypeMeta:   metav1.TypeMeta{APIVersion: anpAPIVersion, Kind: "AdminNetworkPolicy"},
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: anp.AdminNetworkPolicySpec{
			Priority: priority,
			Subject:  anp.AdminNetworkPolicySubject{Namespaces: namesSelector(nss)},
			Ingress:  in,
			Egress:   eg,
		},
	}
	ids := slices.Sorted(maps.Keys(closes))
	stamp(&a.ObjectMeta, ids, why)
	return Object{Layer: Network, Obj: a, Closes: ids, Why: why}
}

// baseline writes the BaselineAdminNetworkPolicy, unless the cluster has
// one of its own or it would have no rule.
func (w *adminWriter) baseline(tenants []tenancy.Tenant, egress Egress) (*Object, []string, error) {
	var nss []string
	for _, t := range tenants {
		nss = append(nss, t.Namespaces...)
	}
	sort.Strings(nss)
	denyOutside := egress == EgressNone && w.dns != nil
	if denyOutside && !w.experimental {
		return nil, nil, fmt.Errorf("--network admin --egress none: denying egress outside the cluster needs the networks peers of %s's experimental channel, which nothing in the input shows the cluster serves; plan NetworkPolicies, or keep egress outside the cluster", anpAPIVersion)
	}
	if len(w.base.BaselineAdminNetworkPolicies) > 0 {
		note := "network: the cluster's BaselineAdminNetworkPolicy default is kept (there can be only one), so no baseline is written: what it leaves open to the pods no NetworkPolicy isolates (ingress from the system namespaces"
		if denyOutside {
			note += ", egress outside the cluster"
		}
		return nil, []string{note + ") stays open"}, nil
	}
	if len(nss) == 0 || len(w.system) == 0 && !denyOutside {
		return nil, nil, nil
	}
	spec := anp.BaselineAdminNetworkPolicySpec{Subject: anp.AdminNetworkPolicySubject{Namespaces: namesSelector(nss)}}
	var why []string
	if len(w.system) > 0 {
		spec.Ingress = []anp.BaselineAdminNetworkPolicyIngressRule{{Name: "deny-system-namespaces", Action: anp.BaselineAdminNetworkPolicyRuleActionDeny, From: []anp.AdminNetworkPolicyIngressPeer{{Namespaces: namesSelector(w.system)}}}}
		why = append(why, fmt.Sprintf("denies ingress from the system namespaces (%s)", strings.Join(w.system, ", ")))
	}
	if denyOutside {
		// networks peers match pod addresses too: pods are allowed first,
		// the tenant's own AdminNetworkPolicy has denied the others' already.
		spec.Egress = []anp.BaselineAdminNetworkPolicyEgressRule{
			{Name: "allow-pods", Action: anp.BaselineAdminNetworkPolicyRuleActionAllow, To: []anp.AdminNetworkPolicyEgressPeer{{Namespaces: &metav1.LabelSelector{}}}},
			{Name: "deny-outside-cluster", Action: anp.BaselineAdminNetworkPolicyRuleActionDeny, To: []anp.AdminNetworkPolicyEgressPeer{{Networks: []anp.CIDR{"0.0.0.0/0", "::/0"}}}},
		}
		why = append(why, "denies egress outside the cluster")
	}
	reason := strings.Join(why, " and ") + " to the tenants' pods that no NetworkPolicy isolates, as a default deny would; tenants may loosen it with their own NetworkPolicies"
	b := &anp.BaselineAdminNetworkPolicy{
		TypeMeta:   metav1.TypeMeta{APIVersion: anpAPIVersion, Kind: "BaselineAdminNetworkPolicy"},
		ObjectMeta: metav1.ObjectMeta{Name: baselineName},
		Spec:       spec,
	}
	stamp(&b.ObjectMeta, nil, reason)
	return &Object{Layer: Network, Obj: b, Why: reason}, nil, nil
}

// flow writes the AdminNetworkPolicies that keep one intentional flow:
// egress from its source's pods and ingress to its destination's, each on
// the side harden walls in, each at its own priority.
func (w *adminWriter) flow(f parsedFlow, next *int32) ([]Object, error) {
	ports, err := w.flowPorts(f)
	if err != nil {
		return nil, err
	}
	hardened := func(ns string) bool { return !w.ten.IsSystem(ns) && !w.ten.IsPlatform(ns) }
	why := fmt.Sprintf("keeps the intentional flow %q from %s to %s", f.Name, describePeer(f.From), describePeer(f.To))
	var out []Object
	add := func(a *anp.AdminNetworkPolicy) {
		a.TypeMeta = metav1.TypeMeta{APIVersion: anpAPIVersion, Kind: "AdminNetworkPolicy"}
		a.Spec.Priority = *next
		*next++
		stamp(&a.ObjectMeta, nil, why)
		out = append(out, Object{Layer: Network, Obj: a, Why: why})
	}
	if hardened(f.From.Namespace) {
		r := anp.AdminNetworkPolicyEgressRule{Name: "allow-flow", Action: anp.AdminNetworkPolicyRuleActionAllow, To: []anp.AdminNetworkPolicyEgressPeer{{Pods: flowPods(f.To)}}}
		if len(ports) > 0 {
			r.Ports = &ports
		}
		add(&anp.AdminNetworkPolicy{ObjectMeta: metav1.ObjectMeta{Name: namePrefix + "flow-" + f.slug + "-egress"},
			Spec: anp.AdminNetworkPolicySpec{Subject: anp.AdminNetworkPolicySubject{Pods: flowPods(f.From)}, Egress: []anp.AdminNetworkPolicyEgressRule{r}}})
	}
	if hardened(f.To.Namespace) {
		r := anp.AdminNetworkPolicyIngressRule{Name: "allow-flow", Action: anp.AdminNetworkPolicyRuleActionAllow, From: []anp.AdminNetworkPolicyIngressPeer{{Pods: flowPods(f.From)}}}
		if len(ports) > 0 {
			p := slices.Clone(ports)
			r.Ports = &p
		}
		add(&anp.AdminNetworkPolicy{ObjectMeta: metav1.ObjectMeta{Name: namePrefix + "flow-" + f.slug + "-ingress"},
			Spec: anp.AdminNetworkPolicySpec{Subject: anp.AdminNetworkPolicySubject{Pods: flowPods(f.To)}, Ingress: []anp.AdminNetworkPolicyIngressRule{r}}})
	}
	return out, nil
}

// flowPorts writes a flow's ports as AdminNetworkPolicy ports: a named
// port needs the experimental channel.
func (w *adminWriter) flowPorts(f parsedFlow) ([]anp.AdminNetworkPolicyPort, error) {
	var out []anp.AdminNetworkPolicyPort
	for _, p := range f.ports {
		if p.Port.Type == intstr.String {
			if !w.experimental {
				return nil, fmt.Errorf("flow %q: port %q: --network admin names ports only with the experimental channel's namedPort, which nothing in the input shows the cluster serves; give the port's number", f.Name, p.Port.StrVal)
			}
			out = append(out, anp.AdminNetworkPolicyPort{NamedPort: netPtr(p.Port.StrVal)})
			continue
		}
		if p.EndPort != nil {
			out = append(out, anp.AdminNetworkPolicyPort{PortRange: &anp.PortRange{Protocol: *p.Protocol, Start: p.Port.IntVal, End: *p.EndPort}})
			continue
		}
		out = append(out, anp.AdminNetworkPolicyPort{PortNumber: &anp.Port{Protocol: *p.Protocol, Port: p.Port.IntVal}})
	}
	return out, nil
}

// flowPods selects a flow's side: its namespace by name and its pods
// (all when none are named).
func flowPods(p Peer) *anp.NamespacedPod {
	return &anp.NamespacedPod{
		NamespaceSelector: metav1.LabelSelector{MatchLabels: map[string]string{metadataNameLabel: p.Namespace}},
		PodSelector:       metav1.LabelSelector{MatchLabels: copyLabels(p.Pods)},
	}
}

// dnsPods selects the cluster DNS pods: their namespace by name and the
// DNS Service's selector.
func (w *adminWriter) dnsPods() *anp.NamespacedPod {
	return &anp.NamespacedPod{
		NamespaceSelector: metav1.LabelSelector{MatchLabels: map[string]string{metadataNameLabel: w.dns.namespace}},
		PodSelector:       metav1.LabelSelector{MatchLabels: copyLabels(w.dns.selector)},
	}
}

// dnsPorts are the DNS pods' port numbers, UDP then TCP. A port left named
// (its targetPort matches no container port of the input) is written as a
// namedPort with the experimental channel; without it the rule allows
// every port of the DNS pods, and none is returned.
func (w *adminWriter) dnsPorts() []anp.AdminNetworkPolicyPort {
	var out []anp.AdminNetworkPolicyPort
	for _, proto := range []corev1.Protocol{corev1.ProtocolUDP, corev1.ProtocolTCP} {
		for _, p := range w.dns.ports {
			if p.Type == intstr.Int {
				out = append(out, anp.AdminNetworkPolicyPort{PortNumber: &anp.Port{Protocol: proto, Port: p.IntVal}})
			}
		}
	}
	for _, p := range w.dns.ports {
		if p.Type == intstr.String {
			if !w.experimental {
				return nil
			}
			out = append(out, anp.AdminNetworkPolicyPort{NamedPort: netPtr(p.StrVal)})
		}
	}
	return out
}

// namesSelector selects the named namespaces by the label the API server
// sets.
func namesSelector(names []string) *metav1.LabelSelector {
	return &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{
		Key: metadataNameLabel, Operator: metav1.LabelSelectorOpIn, Values: slices.Clone(names),
	}}}
}

var notNameChar = regexp.MustCompile(`[^a-z0-9-]+`)

// nameSlug makes a tenant's name part of an object name: lowercase letters,
// digits and "-", at most 40 characters; a name it had to change gets a
// short hash of the original, so that two tenants never share one.
func nameSlug(tenant string) string {
	s := strings.Trim(notNameChar.ReplaceAllString(strings.ToLower(tenant), "-"), "-")
	if len(s) > 40 {
		s = strings.TrimRight(s[:40], "-")
	}
	if s == tenant {
		return s
	}
	h := fnv.New32a()
	h.Write([]byte(tenant))
	if s == "" {
		return fmt.Sprintf("%08x", h.Sum32())
	}
	return fmt.Sprintf("%s-%08x", s, h.Sum32())
}
