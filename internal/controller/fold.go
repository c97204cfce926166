package controller

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/bulkhead-dev/bulkhead/internal/harden"
)

// BaselinePolicy is the name of the one NetworkPolicy into which the
// controller folds the policies of a namespace's baseline that select
// every pod of it (harden's bulkhead-default-deny, bulkhead-allow-dns and,
// when no policy of the cluster isolates any pod, bulkhead-allow-ingress
// and bulkhead-allow-egress): one write per namespace instead of four.
const BaselinePolicy = "bulkhead-baseline"

// FoldsAnnotation lists, on BaselinePolicy, the names of the policies
// harden would write that it stands for.
const FoldsAnnotation = "bulkhead.dev/folds"

// fold returns a namespace's policies with those that select every pod
// written as one, named BaselinePolicy (or, when a policy that is not
// harden's has that name, the first free BaselinePolicy-xN, as harden
// names its own), and the names of the policies it folded.
//
// The NetworkPolicy API makes this exact: "a pod is isolated for a
// direction if there is any NetworkPolicy that both selects the pod and
// has that direction in its policyTypes", and then "the traffic allowed
// is the union of what each such policy allows". Policies with the same
// podSelector select the same pods, so one policy with the union of their
// policyTypes and, per direction, the rules of those among them that have
// that direction isolates and allows exactly what they do together.
// Policies that select some pods only (the open pods of a namespace that
// already has policies, flows) are kept as harden wrote them.
func fold(ns string, policies []*networkingv1.NetworkPolicy, taken func(name string) bool) ([]*networkingv1.NetworkPolicy, []string) {
	var all, rest []*networkingv1.NetworkPolicy
	for _, np := range policies {
		if selectsAll(np.Spec.PodSelector) {
			all = append(all, np)
		} else {
			rest = append(rest, np)
		}
	}
	if len(all) == 0 {
		return policies, nil
	}
	name := BaselinePolicy
	for i := 2; taken != nil && taken(name); i++ {
		name = fmt.Sprintf("%s-x%d", BaselinePolicy, i)
	}
	merged := &networkingv1.NetworkPolicy{
		TypeMeta:   metav1.TypeMeta{APIVersion: "networking.k8s.io/v1", Kind: "NetworkPolicy"},
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Labels: map[string]string{}, Annotations: map[string]string{}},
	}
	var folded, reasons, closes []string
	var ingress, egress bool
	for _, np := range all {
		folded = append(folded, np.Name)
		maps.Copy(merged.Labels, np.Labels)
		if r := np.Annotations[harden.ReasonAnnotation]; r != "" {
			reasons = append(reasons, np.Name+": "+r)
		}
		if c := np.Annotations[harden.ClosesAnnotation]; c != "" {
			closes = append(closes, strings.Split(c, ",")...)
		}
		types := defaulted(np.Spec).PolicyTypes
		if slices.Contains(types, networkingv1.PolicyTypeIngress) {
			ingress = true
			for i := range np.Spec.Ingress {
				merged.Spec.Ingress = append(merged.Spec.Ingress, *np.Spec.Ingress[i].DeepCopy())
			}
		}
		if slices.Contains(types, networkingv1.PolicyTypeEgress) {
			egress = true
			for i := range np.Spec.Egress {
				merged.Spec.Egress = append(merged.Spec.Egress, *np.Spec.Egress[i].DeepCopy())
			}
		}
	}
	if ingress {
		merged.Spec.PolicyTypes = append(merged.Spec.PolicyTypes, networkingv1.PolicyTypeIngress)
	}
	if egress {
		merged.Spec.PolicyTypes = append(merged.Spec.PolicyTypes, networkingv1.PolicyTypeEgress)
	}
	slices.Sort(closes)
	if closes = slices.Compact(closes); len(closes) > 0 {
		merged.Annotations[harden.ClosesAnnotation] = strings.Join(closes, ",")
	}
	if len(reasons) > 0 {
		merged.Annotations[harden.ReasonAnnotation] = strings.Join(reasons, "; ")
	}
	merged.Annotations[FoldsAnnotation] = strings.Join(folded, ",")
	return append([]*networkingv1.NetworkPolicy{merged}, rest...), folded
}

// selectsAll reports whether a podSelector selects every pod of its
// namespace.
func selectsAll(sel metav1.LabelSelector) bool {
	return len(sel.MatchLabels) == 0 && len(sel.MatchExpressions) == 0
}
