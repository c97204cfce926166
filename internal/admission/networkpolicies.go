package admission

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/bulkhead-dev/bulkhead/internal/netpol"
	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
)

// metadataNameLabel is the label the API server gives every namespace:
// its name. Offline input may lack it; selectors are matched as if it
// were set.
const metadataNameLabel = "kubernetes.io/metadata.name"

// dnsPort is the port of the cluster DNS.
const dnsPort = 53

// networkPolicy judges a NetworkPolicy of a tenant namespace: a peer of
// one of its rules that selects the namespaces of another tenant opens
// the namespace to that tenant (BH-NET-001), and a rule that admits every
// namespace (a peer with namespaceSelector: {}, or no peers at all) opens
// it to every tenant (BH-NET-004). The peers are read as the API reads
// them:
//
//	"namespaceSelector: Selects Namespaces using cluster-scoped labels.
//	This field follows standard label selector semantics; if present but
//	empty, it selects all namespaces. [...] podSelector: If namespaceSelector
//	is also set, then the NetworkPolicyPeer as a whole selects the Pods
//	matching PodSelector in the Namespaces selected by NamespaceSelector.
//	Otherwise it selects the Pods matching PodSelector in the policy's own
//	Namespace."
//	"If this field is empty or missing, this rule matches all sources"
//
// The platform's namespaces, the cluster's own and the tenant's are never
// held against a policy; neither is an egress rule to pods chosen by label
// on the DNS port alone (the cluster DNS, wherever a podSelector finds
// it). A podSelector does not narrow a peer to a tenant: tenants label
// their own pods. ipBlock peers are the audit's (BH-NET-005).
func (a *Admission) networkPolicy(np *networkingv1.NetworkPolicy, namespace string) []Violation {
	if np.Namespace != "" {
		namespace = np.Namespace
	}
	if a.ten.IsPlatform(namespace) {
		return nil
	}
	own := a.ten.Of(namespace)
	obj := "NetworkPolicy " + namespace + "/" + np.Name
	ingress, egress := policyDirections(np)
	// A direction no other policy of the namespace isolates the selected
	// pods in is open already: this policy can only narrow it.
	ingress = ingress && a.isolatedBy(np, namespace, networkingv1.PolicyTypeIngress)
	egress = egress && a.isolatedBy(np, namespace, networkingv1.PolicyTypeEgress)
	var out []Violation
	if ingress {
		for i, r := range np.Spec.Ingress {
			out = append(out, a.peers(obj, own, fmt.Sprintf("spec.ingress[%d]", i), "from", r.From, r.Ports)...)
		}
	}
	if egress {
		for i, r := range np.Spec.Egress {
			out = append(out, a.peers(obj, own, fmt.Sprintf("spec.egress[%d]", i), "to", r.To, r.Ports)...)
		}
	}
	return out
}

// isolatedBy reports whether a NetworkPolicy of the namespace (on an
// update, np's stored version among them) isolates, in direction dir,
// pods that np's podSelector may select too.
// Pods no policy selects in a direction accept every peer in it (the API:
// "If no NetworkPolicy objects in a pod's namespace select a particular
// pod, traffic to and from that pod is allowed"); a policy that only
// selects such pods narrows what they accept and opens nothing, so its
// peers are not held against it. One that adds to an isolation already
// there (a namespace walled in by harden's default-deny) is judged peer by
// peer.
func (a *Admission) isolatedBy(np *networkingv1.NetworkPolicy, namespace string, dir networkingv1.PolicyType) bool {
	nps := a.snap.NetworkPolicies
	i := sort.Search(len(nps), func(i int) bool { return nps[i].Namespace >= namespace })
	for ; i < len(nps) && nps[i].Namespace == namespace; i++ {
		other := &nps[i] // on an update, the stored version of np too
		in, eg := policyDirections(other)
		if (dir == networkingv1.PolicyTypeIngress && in || dir == networkingv1.PolicyTypeEgress && eg) && mayOverlap(&np.Spec.PodSelector, &other.Spec.PodSelector) {
			return true
		}
	}
	return false
}

// mayOverlap reports whether some labels could satisfy both selectors: it
// is false only when one requires a value of a key the other excludes
// (different required values, a value outside an In, a key one requires
// and the other wants absent). An invalid selector overlaps everything.
func mayOverlap(x, y *metav1.LabelSelector) bool {
	req := func(s *metav1.LabelSelector) (values map[string][]string, absent map[string]bool, ok bool) {
		values, absent = map[string][]string{}, map[string]bool{}
		for k, v := range s.MatchLabels {
			values[k] = append(values[k], v)
		}
		for _, e := range s.MatchExpressions {
			switch e.Operator {
			case metav1.LabelSelectorOpIn:
				if vs, had := values[e.Key]; had {
					values[e.Key] = intersect(vs, e.Values)
				} else {
					values[e.Key] = slices.Clone(e.Values)
				}
			case metav1.LabelSelectorOpDoesNotExist:
				absent[e.Key] = true
			}
		}
		return values, absent, true
	}
	xv, xa, _ := req(x)
	yv, ya, _ := req(y)
	for k, vs := range xv {
		if ya[k] || xa[k] {
			return false
		}
		if ws, ok := yv[k]; ok && len(intersect(vs, ws)) == 0 {
			return false
		}
		if len(vs) == 0 {
			return false
		}
	}
	for k, ws := range yv {
		if xa[k] || ya[k] || len(ws) == 0 {
			return false
		}
	}
	return true
}

func intersect(a, b []string) []string {
	var out []string
	for _, x := range a {
		if slices.Contains(b, x) {
			out = append(out, x)
		}
	}
	return out
}

// policyDirections are the directions a policy isolates, its policyTypes
// defaulted as the API server defaults them: Ingress, and Egress when it
// has egress rules.
func policyDirections(np *networkingv1.NetworkPolicy) (ingress, egress bool) {
	if len(np.Spec.PolicyTypes) == 0 {
		return true, len(np.Spec.Egress) > 0
	}
	for _, t := range np.Spec.PolicyTypes {
		switch t {
		case networkingv1.PolicyTypeIngress:
			ingress = true
		case networkingv1.PolicyTypeEgress:
			egress = true
		}
	}
	return ingress, egress
}

// peers judges the peers of one rule; where is the rule's path, word its
// peers' field ("from" or "to").
func (a *Admission) peers(obj, own, where, word string, peers []networkingv1.NetworkPolicyPeer, ports []networkingv1.NetworkPolicyPort) []Violation {
	egress := word == "to"
	pair := func(other string) (string, string) {
		if egress {
			return own, other
		}
		return other, own
	}
	if len(peers) == 0 {
		src, dst := pair("*")
		return []Violation{{Rule: netpol.IDAllNamespaces, Source: src, Target: dst, Object: obj,
			Fields: []string{where + "." + word + "=<none>"},
			Reason: fmt.Sprintf("%s %s admits every peer %s: the pods of every namespace, other tenants' included", obj, where, portsText(ports)),
			Fix:    a.peerFix(own)}}
	}
	// Pods chosen by label on the DNS port alone: the cluster DNS.
	dns := egress && dnsOnly(ports)
	var out []Violation
	for j, p := range peers {
		if p.NamespaceSelector == nil {
			continue // the policy's own namespace, or an ipBlock
		}
		if dns && p.PodSelector != nil && !isEmptySelector(p.PodSelector) {
			continue
		}
		field := fmt.Sprintf("%s.%s[%d].namespaceSelector=%s", where, word, j, describe(p.NamespaceSelector))
		pods := "every pod"
		if p.PodSelector != nil && !isEmptySelector(p.PodSelector) {
			pods = "pods labelled " + describe(p.PodSelector)
			field += fmt.Sprintf(", %s.%s[%d].podSelector=%s", where, word, j, describe(p.PodSelector))
		}
		if isEmptySelector(p.NamespaceSelector) {
			src, dst := pair("*")
			out = append(out, Violation{Rule: netpol.IDAllNamespaces, Source: src, Target: dst, Object: obj, Fields: []string{field},
				Reason: fmt.Sprintf("%s %s admits %s of every namespace %s, other tenants' included", obj, where, pods, portsText(ports)),
				Fix:    a.peerFix(own)})
			continue
		}
		for _, other := range a.otherTenants(own, p.NamespaceSelector) {
			src, dst := pair(other.tenant)
			out = append(out, Violation{Rule: netpol.IDCrossTenant, Source: src, Target: dst, Object: obj, Fields: []string{field},
				Reason: fmt.Sprintf("%s %s admits %s of tenant %s's namespaces %s %s", obj, where, pods, other.tenant, strings.Join(other.namespaces, ", "), portsText(ports)),
				Fix:    a.peerFix(own)})
		}
	}
	return out
}

// tenantNamespaces are the namespaces of one tenant a selector matches.
type tenantNamespaces struct {
	tenant     string
	namespaces []string
}

// otherTenants returns the tenants other than own, the cluster's and the
// platform's, whose namespaces of the snapshot sel matches, in name order.
// An invalid selector matches nothing.
func (a *Admission) otherTenants(own string, sel *metav1.LabelSelector) []tenantNamespaces {
	s, err := metav1.LabelSelectorAsSelector(sel)
	if err != nil {
		return nil
	}
	byTenant := map[string][]string{}
	for i := range a.snap.Namespaces {
		ns := &a.snap.Namespaces[i]
		t := a.ten.Of(ns.Name)
		if t == own || isCluster(t) || a.ten.IsPlatform(ns.Name) {
			continue
		}
		if !s.Matches(labels.Set(snapshot.NamespaceLabels(ns.Name, ns.Labels))) {
			continue
		}
		byTenant[t] = append(byTenant[t], ns.Name)
	}
	out := make([]tenantNamespaces, 0, len(byTenant))
	for t, nss := range byTenant {
		sort.Strings(nss)
		out = append(out, tenantNamespaces{tenant: t, namespaces: nss})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].tenant < out[j].tenant })
	return out
}

// peerFix is the fix of a peer that reaches beyond the tenant own.
func (a *Admission) peerFix(own string) string {
	nss := a.ten.Namespaces(own)
	return fmt.Sprintf("select tenant %s's own namespaces by name (%s in (%s)), the platform's or the cluster DNS pods on port 53; traffic between tenants is for a platform operator to allow", own, metadataNameLabel, strings.Join(nss, ","))
}

// dnsOnly reports whether a rule's ports are all the DNS port (UDP or
// TCP), by number: a rule without ports admits every port.
func dnsOnly(ports []networkingv1.NetworkPolicyPort) bool {
	if len(ports) == 0 {
		return false
	}
	for _, p := range ports {
		if p.Port == nil || p.Port.IntValue() != dnsPort || p.EndPort != nil {
			return false
		}
		if p.Protocol != nil && !slices.Contains([]string{"UDP", "TCP"}, string(*p.Protocol)) {
			return false
		}
	}
	return true
}

func portsText(ports []networkingv1.NetworkPolicyPort) string {
	if len(ports) == 0 {
		return "on every port"
	}
	return "on the ports it lists"
}

func isEmptySelector(s *metav1.LabelSelector) bool {
	return len(s.MatchLabels) == 0 && len(s.MatchExpressions) == 0
}

// describe renders a selector as kubectl does ("{}" for the empty one).
func describe(s *metav1.LabelSelector) string {
	if isEmptySelector(s) {
		return "{}"
	}
	sel, err := metav1.LabelSelectorAsSelector(s)
	if err != nil {
		return "<invalid>"
	}
	return sel.String()
}
