package harden

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	anp "sigs.k8s.io/network-policy-api/apis/v1alpha1"

	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
)

// apiServer is where the cluster's API server answers, as the input says:
// the endpoints of the Service default/kubernetes (Endpoints or
// EndpointSlices) and their ports, and that Service's cluster IPs and
// ports. Pods that use their service account's token call it there, and
// it calls the admission webhooks and aggregated APIs served from tenant
// namespaces from those addresses.
type apiServer struct {
	endpoints []netip.Prefix
	ports     []networkingv1.NetworkPolicyPort
	service   []netip.Prefix
	svcPorts  []networkingv1.NetworkPolicyPort
}

// findAPIServer finds the API server's addresses in snap; nil when the
// input holds no endpoints of default/kubernetes.
func findAPIServer(snap *snapshot.Snapshot) *apiServer {
	addrs, ports := snap.APIServerEndpoints()
	if len(addrs) == 0 || len(ports) == 0 {
		return nil
	}
	a := &apiServer{}
	for _, ip := range addrs {
		a.endpoints = append(a.endpoints, netip.PrefixFrom(ip, ip.BitLen()))
	}
	for _, p := range ports {
		a.ports = appendPort(a.ports, p.Protocol, p.Port)
	}
	if s := findService(snap, snapshot.APIServiceNamespace, snapshot.APIServiceName); s != nil {
		for _, ip := range append([]string{s.Spec.ClusterIP}, s.Spec.ClusterIPs...) {
			if addr, err := netip.ParseAddr(ip); err == nil {
				if p := netip.PrefixFrom(addr.Unmap(), addr.Unmap().BitLen()); !slices.Contains(a.service, p) {
					a.service = append(a.service, p)
				}
			}
		}
		for _, p := range s.Spec.Ports {
			a.svcPorts = appendPort(a.svcPorts, p.Protocol, p.Port)
		}
	}
	return a
}

// appendPort adds a port (TCP when the protocol is unset) to a policy's
// ports unless it is there.
func appendPort(ports []networkingv1.NetworkPolicyPort, proto corev1.Protocol, port int32) []networkingv1.NetworkPolicyPort {
	if proto == "" {
		proto = corev1.ProtocolTCP
	}
	if port <= 0 || slices.ContainsFunc(ports, func(x networkingv1.NetworkPolicyPort) bool { return *x.Protocol == proto && x.Port.IntVal == port }) {
		return ports
	}
	return append(ports, networkingv1.NetworkPolicyPort{Protocol: &proto, Port: &intstr.IntOrString{IntVal: port}})
}

// egress is the rules that let pods call the API server: its endpoints on
// their ports, and the Service's cluster IP on its ports (a CNI may judge
// a connection before or after the Service address is translated).
func (a *apiServer) egress() []networkingv1.NetworkPolicyEgressRule {
	out := []networkingv1.NetworkPolicyEgressRule{{To: blocks(a.endpoints), Ports: deepCopies(a.ports)}}
	if len(a.service) > 0 && len(a.svcPorts) > 0 {
		out = append(out, networkingv1.NetworkPolicyEgressRule{To: blocks(a.service), Ports: deepCopies(a.svcPorts)})
	}
	return out
}

// ingress is the rule that lets the API server call the namespace's
// admission webhooks and aggregated APIs: it connects from its own
// addresses (the caller sets the ports: those the namespace's Services
// send to, as a webhook's or an APIService's Service does).
func (a *apiServer) ingress() networkingv1.NetworkPolicyIngressRule {
	return networkingv1.NetworkPolicyIngressRule{From: blocks(a.endpoints)}
}

// describe names the API server's addresses: "10.0.0.1:6443".
func (a *apiServer) describe() string {
	var addrs []string
	for _, p := range a.endpoints {
		addrs = append(addrs, p.Addr().String())
	}
	var ports []string
	for _, p := range a.ports {
		ports = append(ports, fmt.Sprintf("%s %d", *p.Protocol, p.Port.IntVal))
	}
	return fmt.Sprintf("the API server (%s on %s, the endpoints of Service %s/%s)", strings.Join(addrs, ", "), strings.Join(ports, ", "), snapshot.APIServiceNamespace, snapshot.APIServiceName)
}

func blocks(ps []netip.Prefix) []networkingv1.NetworkPolicyPeer {
	out := make([]networkingv1.NetworkPolicyPeer, 0, len(ps))
	for _, p := range ps {
		out = append(out, networkingv1.NetworkPolicyPeer{IPBlock: &networkingv1.IPBlock{CIDR: p.String()}})
	}
	return out
}

// noAPIServerNote says what isolating egress means for the API server
// when the input does not say where it is, with or without egress to
// addresses outside the cluster (internet).
func noAPIServerNote(internet bool) string {
	lose := "lose it: nothing outside the cluster is allowed"
	if internet {
		lose = "reach it only through the rule for addresses outside the cluster, and lose it where its address falls in a range that rule leaves out"
	}
	return "network: the input holds no endpoints of the Service default/kubernetes, so the egress policies do not name the API server: pods that call it (operators, anything that uses its service account's token) " +
		lose + ". Add the Endpoints or EndpointSlice of default/kubernetes to the input (a live run reads them)"
}

// servedPorts are, by namespace, the pod ports its Services send to (a
// Service's targetPort, a number or a port name, else its port), with
// their protocols. The API server's own Service is not one: no pod of
// its namespace is behind it.
func servedPorts(snap *snapshot.Snapshot) map[string][]networkingv1.NetworkPolicyPort {
	out := map[string][]networkingv1.NetworkPolicyPort{}
	for i := range snap.Services {
		s := &snap.Services[i]
		if s.Namespace == snapshot.APIServiceNamespace && s.Name == snapshot.APIServiceName {
			continue
		}
		for _, sp := range s.Spec.Ports {
			port := sp.TargetPort
			if port.Type == intstr.Int && port.IntVal == 0 {
				port = intstr.FromInt32(sp.Port)
			}
			proto := sp.Protocol
			if proto == "" {
				proto = corev1.ProtocolTCP
			}
			if !slices.ContainsFunc(out[s.Namespace], func(x networkingv1.NetworkPolicyPort) bool { return *x.Protocol == proto && *x.Port == port }) {
				out[s.Namespace] = append(out[s.Namespace], networkingv1.NetworkPolicyPort{Protocol: &proto, Port: &port})
			}
		}
	}
	return out
}

// adminEgress are the admin policy rules that let pods call the API
// server: its endpoints on their ports, and its cluster IPs on theirs,
// each address with its own ports only.
func (a *apiServer) adminEgress() []anp.AdminNetworkPolicyEgressRule {
	rule := func(name string, addrs []netip.Prefix, ports []networkingv1.NetworkPolicyPort) anp.AdminNetworkPolicyEgressRule {
		var nets []anp.CIDR
		for _, p := range addrs {
			nets = append(nets, anp.CIDR(p.String()))
		}
		var aps []anp.AdminNetworkPolicyPort
		for _, p := range ports {
			aps = append(aps, anp.AdminNetworkPolicyPort{PortNumber: &anp.Port{Protocol: *p.Protocol, Port: p.Port.IntVal}})
		}
		return anp.AdminNetworkPolicyEgressRule{Name: name, Action: anp.AdminNetworkPolicyRuleActionAllow,
			To: []anp.AdminNetworkPolicyEgressPeer{{Networks: nets}}, Ports: &aps}
	}
	out := []anp.AdminNetworkPolicyEgressRule{rule("allow-apiserver", a.endpoints, a.ports)}
	if len(a.service) > 0 && len(a.svcPorts) > 0 {
		out = append(out, rule("allow-apiserver-service", a.service, a.svcPorts))
	}
	return out
}
