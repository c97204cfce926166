package harden

import (
	"fmt"
	"maps"
	"net/netip"
	"slices"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
	"github.com/bulkhead-dev/bulkhead/internal/tenancy"
)

// dnsServiceNames are the Services that front the cluster DNS server by
// distribution (kubeadm, kind, k3s and the managed clouds; some installs;
// OpenShift), in the order netpol looks for them.
var dnsServiceNames = []struct{ namespace, name string }{
	{"kube-system", "kube-dns"},
	{"kube-system", "coredns"},
	{"openshift-dns", "dns-default"},
}

// dnsPort is the port DNS clients query.
const dnsPort = 53

// clusterDNS is where the cluster's DNS pods are and the pod ports they
// answer on: what a tenant's egress must keep.
type clusterDNS struct {
	service   string // "namespace/name"
	namespace string
	selector  map[string]string
	// ports are the pods' ports (numbers resolved from the Service's
	// targetPorts, else a port name the pods will resolve).
	ports []intstr.IntOrString
	// protocols per port: bothDirections UDP and TCP for a number, the Service
	// port's own for a name.
	named map[string]corev1.Protocol
	pods  int
}

// findDNS finds the Service that fronts the cluster DNS pods: one of the
// usual names, else a Service of a system namespace with a port 53 that
// selects pods. The notes say what was found and what could not be.
func findDNS(snap *snapshot.Snapshot, ten *tenancy.Tenancy) (*clusterDNS, []string) {
	var cand []*corev1.Service
	for _, d := range dnsServiceNames {
		if s := findService(snap, d.namespace, d.name); s != nil && len(s.Spec.Selector) > 0 {
			cand = append(cand, s)
		}
	}
	var notes []string
	if len(cand) == 0 {
		for i := range snap.Services {
			s := &snap.Services[i]
			if ten.IsSystem(s.Namespace) && len(s.Spec.Selector) > 0 && hasPort(s, dnsPort) && len(selected(snap, s)) > 0 {
				cand = append(cand, s)
				notes = append(notes, fmt.Sprintf("network: the cluster DNS Service is taken to be %s/%s (a Service of a system namespace on port 53; none of the usual names was found)", s.Namespace, s.Name))
				break
			}
		}
	}
	if len(cand) == 0 {
		what := "no DNS Service (kube-system/kube-dns, kube-system/coredns, openshift-dns/dns-default, or a Service on port 53 in a system namespace) was found"
		if cm := findConfigMap(snap, "kube-system", "coredns"); cm != nil {
			what = "the CoreDNS configuration kube-system/coredns is there, but no Service fronting its pods was found"
		}
		return nil, append(notes, "network: "+what+", so egress is left open: an egress deny could not be proven to keep name resolution. Run harden on the live cluster, or add the DNS Service and its pods to the input, to isolate egress too")
	}
	s := cand[0]
	d := &clusterDNS{service: s.Namespace + "/" + s.Name, namespace: s.Namespace, selector: s.Spec.Selector, named: map[string]corev1.Protocol{}}
	pods := selected(snap, s)
	d.pods = len(pods)
	if d.pods == 0 {
		notes = append(notes, fmt.Sprintf("network: the DNS Service %s selects no pod in the input; DNS egress is allowed to the pods its selector will select", d.service))
	}
	var sps []corev1.ServicePort
	for _, sp := range s.Spec.Ports {
		if sp.Port == dnsPort {
			sps = append(sps, sp)
		}
	}
	if len(sps) == 0 {
		sps = s.Spec.Ports
		notes = append(notes, fmt.Sprintf("network: the DNS Service %s has no port 53; DNS egress is allowed to all its target ports", d.service))
	}
	nums := map[int32]bool{}
	for _, sp := range sps {
		proto := sp.Protocol
		if proto == "" {
			proto = corev1.ProtocolTCP
		}
		switch {
		case sp.TargetPort.Type == intstr.Int && sp.TargetPort.IntVal == 0:
			nums[sp.Port] = true
		case sp.TargetPort.Type == intstr.Int:
			nums[sp.TargetPort.IntVal] = true
		default:
			found := false
			for _, p := range pods {
				if n, ok := containerPort(p, sp.TargetPort.StrVal, proto); ok {
					nums[n], found = true, true
				}
			}
			if !found {
				d.named[sp.TargetPort.StrVal] = proto
				notes = append(notes, fmt.Sprintf("network: the DNS Service %s's targetPort %q matches no container port of its pods in the input; the policy names the port, which the API resolves on the DNS pods", d.service, sp.TargetPort.StrVal))
			}
		}
	}
	for _, n := range slices.Sorted(maps.Keys(nums)) {
		d.ports = append(d.ports, intstr.FromInt32(n))
	}
	for _, n := range slices.Sorted(maps.Keys(d.named)) {
		d.ports = append(d.ports, intstr.FromString(n))
	}
	return d, notes
}

func findService(snap *snapshot.Snapshot, ns, name string) *corev1.Service {
	for i := range snap.Services {
		if s := &snap.Services[i]; s.Namespace == ns && s.Name == name {
			return s
		}
	}
	return nil
}

func findConfigMap(snap *snapshot.Snapshot, ns, name string) *corev1.ConfigMap {
	for i := range snap.ConfigMaps {
		if c := &snap.ConfigMaps[i]; c.Namespace == ns && c.Name == name {
			return c
		}
	}
	return nil
}

func hasPort(s *corev1.Service, port int32) bool {
	for _, p := range s.Spec.Ports {
		if p.Port == port {
			return true
		}
	}
	return false
}

// selected lists the pods (not on the host network) a Service selects.
func selected(snap *snapshot.Snapshot, s *corev1.Service) []*corev1.Pod {
	sel := labels.SelectorFromSet(s.Spec.Selector)
	var out []*corev1.Pod
	for i := range snap.Pods {
		p := &snap.Pods[i]
		if p.Namespace == s.Namespace && !p.Spec.HostNetwork && sel.Matches(labels.Set(p.Labels)) {
			out = append(out, p)
		}
	}
	return out
}

// containerPort resolves a port name of a protocol on a pod.
func containerPort(p *corev1.Pod, name string, proto corev1.Protocol) (int32, bool) {
	for _, c := range p.Spec.Containers {
		for _, cp := range c.Ports {
			cpProto := cp.Protocol
			if cpProto == "" {
				cpProto = corev1.ProtocolTCP
			}
			if cp.Name == name && cpProto == proto {
				return cp.ContainerPort, true
			}
		}
	}
	return 0, false
}

// describe renders the DNS target for a policy's reason.
func (d *clusterDNS) describe() string {
	var ports []string
	for _, p := range d.ports {
		ports = append(ports, p.String())
	}
	keys := slices.Sorted(maps.Keys(d.selector))
	var sel []string
	for _, k := range keys {
		sel = append(sel, k+"="+d.selector[k])
	}
	sort.Strings(sel)
	return fmt.Sprintf("the DNS pods of %s (%s) on port %s, UDP and TCP", d.service, strings.Join(sel, ","), strings.Join(ports, ", "))
}

// peer selects the DNS pods: their namespace by name and the Service's
// selector, in one peer so that bothDirections must hold.
func (d *clusterDNS) peer() networkingv1.NetworkPolicyPeer {
	sel := map[string]string{}
	for k, v := range d.selector {
		sel[k] = v
	}
	return networkingv1.NetworkPolicyPeer{
		NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{metadataNameLabel: d.namespace}},
		PodSelector:       &metav1.LabelSelector{MatchLabels: sel},
	}
}

// policyPorts are the DNS pods' ports, UDP then TCP for each number; a
// port left named keeps its Service port's protocol.
func (d *clusterDNS) policyPorts() []networkingv1.NetworkPolicyPort {
	var out []networkingv1.NetworkPolicyPort
	for _, proto := range []corev1.Protocol{corev1.ProtocolUDP, corev1.ProtocolTCP} {
		for _, p := range d.ports {
			if p.Type == intstr.String && d.named[p.StrVal] != proto {
				continue
			}
			out = append(out, networkingv1.NetworkPolicyPort{Protocol: netPtr(proto), Port: netPtr(p)})
		}
	}
	return out
}

func netPtr[T any](v T) *T { return &v }

// nodeLocalDNS returns the addresses NodeLocal DNSCache answers on, from
// the -localip argument of its host-network pods (or of its DaemonSet's
// template) in system namespaces: the link-local address it binds on
// every node, and often the DNS Service's cluster IP, which it takes over
// so that queries to it never reach the DNS pods. Pods then query those
// addresses, which no pod selector names. The notes name a -localip that
// is no address (a template whose placeholders were never filled in).
func nodeLocalDNS(snap *snapshot.Snapshot, ten *tenancy.Tenancy) ([]netip.Prefix, []string) {
	var out []netip.Prefix
	var notes []string
	add := func(ns string, spec *corev1.PodSpec) {
		if !spec.HostNetwork || !ten.IsSystem(ns) {
			return
		}
		for _, c := range spec.Containers {
			args := append(append([]string(nil), c.Command...), c.Args...)
			for i, a := range args {
				var v string
				switch {
				case (a == "-localip" || a == "--localip") && i+1 < len(args):
					v = args[i+1]
				case strings.HasPrefix(a, "-localip="), strings.HasPrefix(a, "--localip="):
					_, v, _ = strings.Cut(a, "=")
				default:
					continue
				}
				for _, s := range strings.Split(v, ",") {
					ip, err := netip.ParseAddr(strings.TrimSpace(s))
					if err != nil {
						if n := fmt.Sprintf("network: NodeLocal DNSCache in %s answers on %q, which is no address (a template not filled in?): the DNS allow does not name it", ns, s); !slices.Contains(notes, n) {
							notes = append(notes, n)
						}
						continue
					}
					if p := netip.PrefixFrom(ip.Unmap(), ip.Unmap().BitLen()); !slices.Contains(out, p) {
						out = append(out, p)
					}
				}
			}
		}
	}
	for i := range snap.Pods {
		add(snap.Pods[i].Namespace, &snap.Pods[i].Spec)
	}
	for i := range snap.DaemonSets {
		add(snap.DaemonSets[i].Namespace, &snap.DaemonSets[i].Spec.Template.Spec)
	}
	slices.SortFunc(out, func(a, b netip.Prefix) int { return a.Addr().Compare(b.Addr()) })
	return out, notes
}

// nodeLocalRule is the egress rule to NodeLocal DNSCache's addresses on
// the DNS port, UDP and TCP.
func nodeLocalRule(addrs []netip.Prefix) networkingv1.NetworkPolicyEgressRule {
	udp, tcp := corev1.ProtocolUDP, corev1.ProtocolTCP
	port := intstr.FromInt32(dnsPort)
	return networkingv1.NetworkPolicyEgressRule{To: blocks(addrs),
		Ports: []networkingv1.NetworkPolicyPort{{Protocol: &udp, Port: &port}, {Protocol: &tcp, Port: &port}}}
}
