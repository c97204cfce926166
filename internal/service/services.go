package service

import (
	"fmt"
	"net/netip"
	"strings"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"

	"github.com/bulkhead-dev/bulkhead/internal/finding"
	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
	"github.com/bulkhead-dev/bulkhead/internal/tenancy"
)

// Analyze reports the paths a snapshot's Services and Ingresses open
// across tenants.
func Analyze(snap *snapshot.Snapshot, ten *tenancy.Tenancy) []finding.Finding {
	var out []finding.Finding
	out = append(out, services(snap, ten)...)
	out = append(out, foreignEndpoints(snap, ten)...)
	out = append(out, ingressHosts(snap, ten)...)
	finding.Sort(out)
	return out
}

func svcRef(s *corev1.Service) finding.Ref {
	return finding.Ref{Kind: "Service", Namespace: s.Namespace, Name: s.Name}
}

func services(snap *snapshot.Snapshot, ten *tenancy.Tenancy) []finding.Finding {
	known := map[string]bool{}
	for _, ns := range snap.ReferencedNamespaces() {
		known[ns] = true
	}
	for i := range snap.Namespaces {
		known[snap.Namespaces[i].Name] = true
	}
	// Addresses other Services own, to say whose traffic an external IP
	// would capture.
	owner := map[string]string{}
	for i := range snap.Services {
		s := &snap.Services[i]
		for _, ip := range s.Spec.ClusterIPs {
			owner[ip] = s.Namespace + "/" + s.Name
		}
		for _, in := range s.Status.LoadBalancer.Ingress {
			if in.IP != "" {
				owner[in.IP] = s.Namespace + "/" + s.Name
			}
		}
	}
	var out []finding.Finding
	for i := range snap.Services {
		s := &snap.Services[i]
		if ten.IsSystem(s.Namespace) {
			continue
		}
		ref := svcRef(s)
		tenant := ten.Of(s.Namespace)
		if len(s.Spec.ExternalIPs) > 0 {
			var captured []string
			for _, ip := range s.Spec.ExternalIPs {
				if o, ok := owner[ip]; ok && o != s.Namespace+"/"+s.Name {
					captured = append(captured, ip+" (Service "+o+")")
				}
			}
			detail := "Any address in spec.externalIPs is routed to this Service's pods by kube-proxy on every node, for traffic from every pod and node (CVE-2020-8554): whoever may create Services can intercept traffic meant for those addresses."
			if len(captured) > 0 {
				detail += " These addresses belong to other Services: " + strings.Join(captured, ", ") + "."
			}
			out = append(out, finding.Finding{
				ID: ruleExternalIPs.ID, Severity: ruleExternalIPs.Severity, Category: ruleExternalIPs.Category, SourceTenant: tenant, TargetTenant: "*",
				Reason:      fmt.Sprintf("Service %s/%s claims external IPs %s", s.Namespace, s.Name, strings.Join(s.Spec.ExternalIPs, ", ")),
				Detail:      detail,
				Objects:     []finding.Ref{ref},
				Witness:     []finding.Step{{Object: ref, Fact: "spec.externalIPs: " + strings.Join(s.Spec.ExternalIPs, ", ")}},
				Remediation: "Remove spec.externalIPs, and deny it cluster-wide with the DenyServiceExternalIPs admission plugin or a policy.",
			})
		}
		if s.Spec.Type == corev1.ServiceTypeExternalName {
			if ns, ok := externalNameNamespace(s.Spec.ExternalName, known); ok && ns != s.Namespace && ten.Of(ns) != tenant {
				out = append(out, finding.Finding{
					ID: ruleExternalName.ID, Severity: ruleExternalName.Severity, Category: ruleExternalName.Category, SourceTenant: tenant, TargetTenant: ten.Of(ns),
					Reason:      fmt.Sprintf("ExternalName Service %s/%s aliases a name in namespace %s of tenant %s", s.Namespace, s.Name, ns, ten.Of(ns)),
					Detail:      fmt.Sprintf("%s.%s.svc resolves to %s: clients of this tenant are sent into another tenant's namespace, and ingress controllers that follow ExternalName will proxy to it with their own network identity.", s.Name, s.Namespace, s.Spec.ExternalName),
					Objects:     []finding.Ref{ref, {Kind: "Namespace", Name: ns}},
					Witness:     []finding.Step{{Object: ref, Fact: "spec.externalName: " + s.Spec.ExternalName}},
					Remediation: "Point the alias at a name of the tenant's own namespaces, or remove it.",
				})
			}
		}
		if s.Spec.Type == corev1.ServiceTypeNodePort || s.Spec.Type == corev1.ServiceTypeLoadBalancer {
			var ports []string
			for _, p := range s.Spec.Ports {
				if p.NodePort != 0 {
					ports = append(ports, fmt.Sprintf("%s/%d", protoOr(p.Protocol), p.NodePort))
				} else {
					ports = append(ports, fmt.Sprintf("%s/%d (node port not yet allocated)", protoOr(p.Protocol), p.Port))
				}
			}
			etp := "Cluster"
			if s.Spec.ExternalTrafficPolicy == corev1.ServiceExternalTrafficPolicyLocal {
				etp = "Local"
			}
			out = append(out, finding.Finding{
				ID: ruleNodePort.ID, Severity: ruleNodePort.Severity, Category: ruleNodePort.Category, SourceTenant: "*", TargetTenant: tenant,
				Reason:      fmt.Sprintf("%s Service %s/%s opens node ports %s", s.Spec.Type, s.Namespace, s.Name, strings.Join(ports, ", ")),
				Detail:      fmt.Sprintf("Node ports listen on every node's addresses, outside the namespace; with externalTrafficPolicy %s the pods see %s, so NetworkPolicy namespace and pod selectors cannot tell tenants (or the internet) apart there.", etp, map[string]string{"Cluster": "a node's address instead of the client's", "Local": "the client's address only for traffic arriving at a node that runs a pod"}[etp]),
				Objects:     []finding.Ref{ref},
				Witness:     []finding.Step{{Object: ref, Fact: "spec.type: " + string(s.Spec.Type)}},
				Remediation: nodePortRemediation(ten.IsPlatform(s.Namespace)),
			})
		}
	}
	return out
}

// nodePortRemediation is BH-NET-011's fix: a tenant's Service goes behind
// the shared ingress; the platform's, often that ingress itself, stays,
// walled to what it serves.
func nodePortRemediation(platform bool) string {
	if platform {
		return "A platform Service (the shared ingress itself, often) stays: isolate its pods with NetworkPolicy that admits the node and load balancer ranges (ipBlock) on its target ports only, and keep tenants from creating NodePort and LoadBalancer Services of their own."
	}
	return "Use a ClusterIP Service behind a shared ingress, or restrict who may create NodePort and LoadBalancer Services; allow the node and load balancer ranges explicitly with ipBlock."
}

func protoOr(p corev1.Protocol) string {
	if p == "" {
		return "TCP"
	}
	return string(p)
}

// externalNameNamespace finds the namespace an in-cluster name points to:
// SVC.NS, SVC.NS.svc, SVC.NS.svc.ZONE or ADDR.NS.pod.ZONE, where NS is a
// namespace of the snapshot.
func externalNameNamespace(name string, known map[string]bool) (string, bool) {
	labels := strings.Split(strings.TrimSuffix(strings.ToLower(name), "."), ".")
	if len(labels) < 2 {
		return "", false
	}
	ns := labels[1]
	switch {
	case len(labels) == 2:
	case labels[2] == "svc" || labels[2] == "pod":
	default:
		return "", false
	}
	return ns, known[ns]
}

// foreignEndpoints reports Endpoints and EndpointSlices whose addresses
// are another tenant's pods.
func foreignEndpoints(snap *snapshot.Snapshot, ten *tenancy.Tenancy) []finding.Finding {
	podByIP := map[netip.Addr]*corev1.Pod{}
	for i := range snap.Pods {
		p := &snap.Pods[i]
		if p.Spec.HostNetwork {
			continue
		}
		for _, s := range p.Status.PodIPs {
			if ip, err := netip.ParseAddr(s.IP); err == nil {
				podByIP[ip.Unmap()] = p
			}
		}
		if ip, err := netip.ParseAddr(p.Status.PodIP); err == nil {
			podByIP[ip.Unmap()] = p
		}
	}
	type target struct{ ns, pod, ip string }
	lookup := func(ip string, ref *corev1.ObjectReference) (target, bool) {
		if ref != nil && ref.Kind == "Pod" && ref.Namespace != "" {
			return target{ref.Namespace, ref.Name, ip}, true
		}
		if a, err := netip.ParseAddr(ip); err == nil {
			if p, ok := podByIP[a.Unmap()]; ok {
				return target{p.Namespace, p.Name, ip}, true
			}
		}
		return target{}, false
	}
	var out []finding.Finding
	report := func(kind, ns, name string, targets []target) {
		if ten.IsSystem(ns) {
			return
		}
		ref := finding.Ref{Kind: kind, Namespace: ns, Name: name}
		seen := map[string]bool{}
		for _, t := range targets {
			if t.ns == ns || ten.Of(t.ns) == ten.Of(ns) || seen[t.ns+"/"+t.pod] {
				continue
			}
			seen[t.ns+"/"+t.pod] = true
			pod := finding.Ref{Kind: "Pod", Namespace: t.ns, Name: t.pod}
			out = append(out, finding.Finding{
				ID: ruleForeignEndpoints.ID, Severity: ruleForeignEndpoints.Severity, Category: ruleForeignEndpoints.Category, SourceTenant: ten.Of(ns), TargetTenant: ten.Of(t.ns),
				Reason:      fmt.Sprintf("%s %s/%s points at pod %s/%s of tenant %s", kind, ns, name, t.ns, t.pod, ten.Of(t.ns)),
				Detail:      fmt.Sprintf("Address %s belongs to a pod of another tenant. Whoever may write Endpoints or EndpointSlices in %s can send the traffic of its Service, and of ingress controllers that route by Endpoints, to that pod with the controller's identity (CVE-2021-25740).", t.ip, ns),
				Objects:     []finding.Ref{ref, pod},
				Witness:     []finding.Step{{Object: ref, Fact: "address " + t.ip}, {Object: pod, Fact: "has address " + t.ip}},
				Remediation: "Remove the hand-written endpoints, and take Endpoints and EndpointSlices write access away from tenants (the default edit and admin roles no longer grant it since Kubernetes 1.22).",
			})
		}
	}
	for i := range snap.Endpoints {
		e := &snap.Endpoints[i]
		var ts []target
		for _, ss := range e.Subsets {
			for _, a := range append(append([]corev1.EndpointAddress(nil), ss.Addresses...), ss.NotReadyAddresses...) {
				if t, ok := lookup(a.IP, a.TargetRef); ok {
					ts = append(ts, t)
				}
			}
		}
		report("Endpoints", e.Namespace, e.Name, ts)
	}
	for i := range snap.EndpointSlices {
		es := &snap.EndpointSlices[i]
		if es.AddressType == discoveryv1.AddressTypeFQDN {
			continue
		}
		var ts []target
		for _, ep := range es.Endpoints {
			for _, a := range ep.Addresses {
				if t, ok := lookup(a, ep.TargetRef); ok {
					ts = append(ts, t)
				}
			}
		}
		report("EndpointSlice", es.Namespace, es.Name, ts)
	}
	return out
}
