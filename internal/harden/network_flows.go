package harden

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation"
)

// parsedFlow is a Flow checked and ready to write.
type parsedFlow struct {
	Flow
	slug  string
	ports []networkingv1.NetworkPolicyPort
}

var notSlug = regexp.MustCompile(`[^a-z0-9-]+`)

// parseFlows checks the intentional flows: a name, two namespace names,
// valid pod labels and ports ("PROTO/PORT", "PORT" for TCP, or a port
// name), and no two flows whose names give the same policy name.
func parseFlows(flows []Flow) ([]parsedFlow, error) {
	var out []parsedFlow
	slugs := map[string]string{}
	for _, f := range flows {
		slug := strings.Trim(notSlug.ReplaceAllString(strings.ToLower(f.Name), "-"), "-")
		if len(slug) > 40 {
			slug = strings.TrimRight(slug[:40], "-")
		}
		if slug == "" {
			return nil, fmt.Errorf("flow %q: a flow needs a name of letters or digits", f.Name)
		}
		if prev, ok := slugs[slug]; ok {
			return nil, fmt.Errorf("flow %q: its policies would have the name of flow %q's", f.Name, prev)
		}
		slugs[slug] = f.Name
		for _, side := range []Peer{f.From, f.To} {
			if errs := validation.IsDNS1123Label(side.Namespace); len(errs) > 0 {
				return nil, fmt.Errorf("flow %q: namespace %q: %s", f.Name, side.Namespace, strings.Join(errs, "; "))
			}
			if _, err := metav1.LabelSelectorAsSelector(&metav1.LabelSelector{MatchLabels: side.Pods}); err != nil {
				return nil, fmt.Errorf("flow %q: pods of %s: %w", f.Name, side.Namespace, err)
			}
		}
		p := parsedFlow{Flow: f, slug: slug}
		for _, s := range f.Ports {
			port, err := parseFlowPort(s)
			if err != nil {
				return nil, fmt.Errorf("flow %q: %w", f.Name, err)
			}
			p.ports = append(p.ports, port)
		}
		out = append(out, p)
	}
	return out, nil
}

// parseFlowPort reads "PROTO/PORT", "PORT" (TCP), a range "PORT-END"
// (either form) or a port name (TCP, or "PROTO/NAME").
func parseFlowPort(s string) (networkingv1.NetworkPolicyPort, error) {
	proto, port := corev1.ProtocolTCP, s
	if p, rest, ok := strings.Cut(s, "/"); ok {
		proto, port = corev1.Protocol(strings.ToUpper(p)), rest
		if proto != corev1.ProtocolTCP && proto != corev1.ProtocolUDP && proto != corev1.ProtocolSCTP {
			return networkingv1.NetworkPolicyPort{}, fmt.Errorf("port %q: protocol must be TCP, UDP or SCTP", s)
		}
	}
	if lo, hi, ok := strings.Cut(port, "-"); ok {
		a, errA := strconv.Atoi(lo)
		b, errB := strconv.Atoi(hi)
		if errA == nil && errB == nil {
			if a < 1 || b > 65535 || a > b {
				return networkingv1.NetworkPolicyPort{}, fmt.Errorf("port %q: a range is START-END, both in 1-65535, START not above END", s)
			}
			end := int32(b)
			return networkingv1.NetworkPolicyPort{Protocol: netPtr(proto), Port: netPtr(intstr.FromInt32(int32(a))), EndPort: &end}, nil
		}
	}
	if n, err := strconv.Atoi(port); err == nil {
		if n < 1 || n > 65535 {
			return networkingv1.NetworkPolicyPort{}, fmt.Errorf("port %q: out of 1-65535", s)
		}
		return networkingv1.NetworkPolicyPort{Protocol: netPtr(proto), Port: netPtr(intstr.FromInt32(int32(n)))}, nil
	}
	if errs := validation.IsValidPortName(port); len(errs) > 0 {
		return networkingv1.NetworkPolicyPort{}, fmt.Errorf("port %q: %s", s, strings.Join(errs, "; "))
	}
	return networkingv1.NetworkPolicyPort{Protocol: netPtr(proto), Port: netPtr(intstr.FromString(port))}, nil
}

// flows writes each intentional flow's pair of policies: egress in the
// source namespace, ingress in the destination, each where harden walls
// the namespace in (elsewhere nothing stops the flow on that side).
func (w *networkWriter) flows(flows []parsedFlow) ([]Object, []string) {
	var out []Object
	var notes []string
	hardened := func(ns string) bool { return !w.ten.IsSystem(ns) && !w.ten.IsPlatform(ns) }
	for _, f := range flows {
		if w.base.Namespace(f.From.Namespace) == nil || w.base.Namespace(f.To.Namespace) == nil {
			// A policy in a namespace that does not exist cannot be
			// applied (kubectl apply -k refuses it), and the proof would
			// take the namespace for a tenant of its own.
			notes = append(notes, fmt.Sprintf("network: flow %q names a namespace the input does not have (%s → %s): none of its policies is written; give the flow again once the namespace exists", f.Name, f.From.Namespace, f.To.Namespace))
			continue
		}
		why := fmt.Sprintf("keeps the intentional flow %q from %s to %s", f.Name, describePeer(f.From), describePeer(f.To))
		if hardened(f.From.Namespace) {
			np := newPolicy(f.From.Namespace, w.freeName(f.From.Namespace, namePrefix+"flow-"+f.slug+"-egress"), podsOf(f.From), egressOnly)
			np.Spec.Egress = []networkingv1.NetworkPolicyEgressRule{{To: []networkingv1.NetworkPolicyPeer{flowPeer(f.To)}, Ports: copyPorts(f.ports)}}
			stamp(&np.ObjectMeta, nil, why)
			out = append(out, Object{Layer: Network, Namespace: np.Namespace, Obj: np, Why: why})
		}
		if hardened(f.To.Namespace) {
			np := newPolicy(f.To.Namespace, w.freeName(f.To.Namespace, namePrefix+"flow-"+f.slug+"-ingress"), podsOf(f.To), []networkingv1.PolicyType{networkingv1.PolicyTypeIngress})
			np.Spec.Ingress = []networkingv1.NetworkPolicyIngressRule{{From: []networkingv1.NetworkPolicyPeer{flowPeer(f.From)}, Ports: copyPorts(f.ports)}}
			stamp(&np.ObjectMeta, nil, why)
			out = append(out, Object{Layer: Network, Namespace: np.Namespace, Obj: np, Why: why})
		}
	}
	return out, notes
}

func podsOf(p Peer) metav1.LabelSelector {
	return metav1.LabelSelector{MatchLabels: copyLabels(p.Pods)}
}

// flowPeer selects a flow's side: its namespace by name and, when given,
// its pods, in one peer.
func flowPeer(p Peer) networkingv1.NetworkPolicyPeer {
	peer := networkingv1.NetworkPolicyPeer{NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{metadataNameLabel: p.Namespace}}}
	if len(p.Pods) > 0 {
		peer.PodSelector = &metav1.LabelSelector{MatchLabels: copyLabels(p.Pods)}
	}
	return peer
}

func copyLabels(m map[string]string) map[string]string {
	if len(m) == 0 {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func copyPorts(ps []networkingv1.NetworkPolicyPort) []networkingv1.NetworkPolicyPort {
	var out []networkingv1.NetworkPolicyPort
	for i := range ps {
		out = append(out, *ps[i].DeepCopy())
	}
	return out
}

func describePeer(p Peer) string {
	if len(p.Pods) == 0 {
		return "namespace " + p.Namespace
	}
	sel, _ := metav1.LabelSelectorAsSelector(&metav1.LabelSelector{MatchLabels: p.Pods})
	return fmt.Sprintf("pods %s of namespace %s", sel.String(), p.Namespace)
}
