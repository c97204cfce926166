package controller

import (
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	psaapi "k8s.io/pod-security-admission/api"

	"github.com/bulkhead-dev/bulkhead/internal/harden"
)

// own reports whether a NetworkPolicy is harden's (the plan sets these
// aside and writes them again).
func own(np *networkingv1.NetworkPolicy) bool {
	return np.Labels[harden.ManagedByLabel] == harden.ManagedBy
}

// keptByController reports whether the controller applied a
// NetworkPolicy: only those are deleted when the baseline drops them.
func keptByController(np *networkingv1.NetworkPolicy) bool {
	return own(np) && np.Annotations[KeptByAnnotation] == FieldOwner
}

// policyInSync reports whether the cached policy is the desired one as the
// API server keeps it: the same spec once defaulted, and the desired
// labels and annotations among its own.
func policyInSync(want, got *networkingv1.NetworkPolicy) bool {
	return subset(want.Labels, got.Labels) &&
		subset(want.Annotations, got.Annotations) &&
		got.Annotations[KeptByAnnotation] == FieldOwner &&
		equality.Semantic.DeepEqual(defaulted(want.Spec), defaulted(got.Spec))
}

func subset(want, got map[string]string) bool {
	for k, v := range want {
		if g, ok := got[k]; !ok || g != v {
			return false
		}
	}
	return true
}

// defaulted is a spec as the API server stores it: ports' protocol TCP
// when unset, policyTypes filled in, empty lists as none (the server
// drops `ingress: []`).
func defaulted(in networkingv1.NetworkPolicySpec) networkingv1.NetworkPolicySpec {
	s := *in.DeepCopy()
	if len(s.PolicyTypes) == 0 {
		s.PolicyTypes = []networkingv1.PolicyType{networkingv1.PolicyTypeIngress}
		if len(s.Egress) > 0 {
			s.PolicyTypes = append(s.PolicyTypes, networkingv1.PolicyTypeEgress)
		}
	}
	tcp := corev1.ProtocolTCP
	ports := func(ps []networkingv1.NetworkPolicyPort) []networkingv1.NetworkPolicyPort {
		if len(ps) == 0 {
			return nil
		}
		for i := range ps {
			if ps[i].Protocol == nil {
				ps[i].Protocol = &tcp
			}
		}
		return ps
	}
	if len(s.Ingress) == 0 {
		s.Ingress = nil
	}
	if len(s.Egress) == 0 {
		s.Egress = nil
	}
	for i := range s.Ingress {
		s.Ingress[i].Ports = ports(s.Ingress[i].Ports)
		if len(s.Ingress[i].From) == 0 {
			s.Ingress[i].From = nil
		}
	}
	for i := range s.Egress {
		s.Egress[i].Ports = ports(s.Egress[i].Ports)
		if len(s.Egress[i].To) == 0 {
			s.Egress[i].To = nil
		}
	}
	if len(s.PodSelector.MatchLabels) == 0 {
		s.PodSelector.MatchLabels = nil
	}
	return s
}

// levelRank orders the Pod Security levels, strictest highest.
var levelRank = map[psaapi.Level]int{psaapi.LevelPrivileged: 0, psaapi.LevelBaseline: 1, psaapi.LevelRestricted: 2}

// levelLabels are the labels that hold a Pod Security level.
var levelLabels = []string{psaapi.EnforceLevelLabel, psaapi.WarnLevelLabel, psaapi.AuditLevelLabel}

// lowers reports whether writing want over got would lower a Pod Security
// level that got holds validly. The plan never lowers one, but it may be
// a debounce behind the cluster: a label someone raised since is kept.
func lowers(want, got map[string]string) bool {
	for _, k := range levelLabels {
		w, ok := want[k]
		if !ok {
			continue
		}
		g, err := psaapi.ParseLevel(got[k])
		if err != nil {
			continue
		}
		if levelRank[psaapi.Level(w)] < levelRank[g] {
			return true
		}
	}
	return false
}
