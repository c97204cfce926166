package netpol

import (
	"fmt"

	networkingv1 "k8s.io/api/networking/v1"

	"github.com/bulkhead-dev/bulkhead/internal/finding"
	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
	"github.com/bulkhead-dev/bulkhead/internal/tenancy"
)

// defaultDeny reports tenant namespaces with pods that no NetworkPolicy
// isolates, per direction, and no namespace-wide NetworkPolicy that would
// isolate them. A namespace whose pods are all isolated gets no finding.
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
	type count struct{ total, host, openIn, openEg int }
	byNS := map[string]*count{}
	var order []string
	for c := 0; c < m.nPod; c++ {
		cl := &m.classes[c]
		if ten.IsSystem(cl.Namespace) {
			continue
		}
		k := byNS[cl.Namespace]
		if k == nil {
			k = &count{}
			byNS[cl.Namespace] = k
			order = append(order, cl.Namespace)
		}
		if cl.HostNetwork {
			k.host += len(cl.podIdx) // outside pod policy: BH-NET-008
			continue
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
		if k.total == 0 {
			continue // only host-network pods
		}
		host := ""
		if k.host > 0 {
			host = fmt.Sprintf(" (nor are its %d host-network pods, which no policy covers)", k.host)
			if k.host == 1 {
				host = " (nor is its host-network pod, which no policy covers)"
			}
		}
		w := wide[ns]
		nsRef := finding.Ref{Kind: "Namespace", Name: ns}
		if !w[0] && k.openIn > 0 {
			out = append(out, finding.Finding{
				ID: ruleNoDefaultIngress.ID, Severity: ruleNoDefaultIngress.Severity, Category: ruleNoDefaultIngress.Category,
				TargetTenant: ten.Of(ns), // posture: who really connects is BH-NET-001
				Reason:       fmt.Sprintf("namespace %s has no default-deny ingress NetworkPolicy", ns),
				Detail:       fmt.Sprintf("No NetworkPolicy with an empty podSelector isolates the namespace for ingress, and %s%s: any pod or address may connect to %s, and new pods of the namespace will be as open.", notIsolated(k.openIn, k.total, "ingress"), host, pronoun(k.openIn)),
				Objects:      []finding.Ref{nsRef},
				Witness:      []finding.Step{{Object: nsRef, Fact: notIsolated(k.openIn, k.total, "ingress")}},
				Remediation:  fmt.Sprintf("Add a NetworkPolicy in %s with podSelector: {} and policyTypes: [Ingress], then allow the flows the namespace needs.", ns),
			})
		}
		if !w[1] && k.openEg > 0 {
			out = append(out, finding.Finding{
				ID: ruleNoDefaultEgress.ID, Severity: ruleNoDefaultEgress.Severity, Category: ruleNoDefaultEgress.Category,
				SourceTenant: ten.Of(ns), // posture: where it really connects is BH-NET-001
				Reason:       fmt.Sprintf("namespace %s has no default-deny egress NetworkPolicy", ns),
				Detail:       fmt.Sprintf("No NetworkPolicy with an empty podSelector isolates the namespace for egress, and %s%s: %s may connect anywhere unless an AdminNetworkPolicy stops %s, and new pods of the namespace will be as open.", notIsolated(k.openEg, k.total, "egress"), host, pronounSubject(k.openEg), pronoun(k.openEg)),
				Objects:      []finding.Ref{nsRef},
				Witness:      []finding.Step{{Object: nsRef, Fact: notIsolated(k.openEg, k.total, "egress")}},
				Remediation:  fmt.Sprintf("Add a NetworkPolicy in %s with podSelector: {} and policyTypes: [Egress], allowing DNS and the destinations the namespace needs.", ns),
			})
		}
	}
	return out
}

// notIsolated is the witness fact: how many pods no policy isolates.
func notIsolated(open, total int, dir string) string {
	switch {
	case total == 1:
		return "its only pod is not isolated for " + dir
	case open == total:
		return fmt.Sprintf("none of its %d pods is isolated for %s", total, dir)
	case open == 1:
		return fmt.Sprintf("1 of its %d pods is not isolated for %s", total, dir)
	}
	return fmt.Sprintf("%d of its %d pods are not isolated for %s", open, total, dir)
}

func pronoun(n int) string {
	if n == 1 {
		return "it"
	}
	return "them"
}

func pronounSubject(n int) string {
	if n == 1 {
		return "it"
	}
	return "they"
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
