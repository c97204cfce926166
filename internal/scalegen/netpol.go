package scalegen

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	anp "sigs.k8s.io/network-policy-api/apis/v1alpha1"
)

var (
	both   = []networkingv1.PolicyType{networkingv1.PolicyTypeIngress, networkingv1.PolicyTypeEgress}
	egress = []networkingv1.PolicyType{networkingv1.PolicyTypeEgress}
	tcp    = ptr(corev1.ProtocolTCP)
	udp    = ptr(corev1.ProtocolUDP)
)

func namedPort(name string) []networkingv1.NetworkPolicyPort {
	return []networkingv1.NetworkPolicyPort{{Protocol: tcp, Port: ptr(intstr.FromString(name))}}
}

func selects(kv ...string) *metav1.LabelSelector {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return &metav1.LabelSelector{MatchLabels: m}
}

// writeTenantPolicies writes the NetworkPolicies of tenant namespace i: a
// default deny both ways, then what is allowed: the namespace itself, the
// tenant's other namespaces, the ingress controller to the frontend's http
// port, Prometheus to every metrics port, DNS to CoreDNS, databases in the
// VPC and HTTPS to the internet (never the metadata service), and the
// cross-tenant pairs planned for it.
func (g *generator) writeTenantPolicies(ns, tenant string, i int) {
	all := metav1.LabelSelector{}
	policies := []networkingv1.NetworkPolicySpec{
		{PodSelector: all, PolicyTypes: both},
		{
			PodSelector: all, PolicyTypes: both,
			Ingress: []networkingv1.NetworkPolicyIngressRule{{From: []networkingv1.NetworkPolicyPeer{{PodSelector: &metav1.LabelSelector{}}}}},
			Egress:  []networkingv1.NetworkPolicyEgressRule{{To: []networkingv1.NetworkPolicyPeer{{PodSelector: &metav1.LabelSelector{}}}}},
		},
		{
			PodSelector: all, PolicyTypes: both,
			Ingress: []networkingv1.NetworkPolicyIngressRule{{From: []networkingv1.NetworkPolicyPeer{{NamespaceSelector: selects(tenantLabel, tenant)}}}},
			Egress:  []networkingv1.NetworkPolicyEgressRule{{To: []networkingv1.NetworkPolicyPeer{{NamespaceSelector: selects(tenantLabel, tenant)}}}},
		},
		{
			PodSelector: *selects(componentLabel, "frontend"),
			Ingress: []networkingv1.NetworkPolicyIngressRule{{
				From:  []networkingv1.NetworkPolicyPeer{{NamespaceSelector: selects(nsNameLabel, "ingress-nginx"), PodSelector: selects(nameLabel, "ingress-nginx")}},
				Ports: namedPort("http"),
			}},
		},
		{
			PodSelector: all,
			Ingress: []networkingv1.NetworkPolicyIngressRule{{
				From:  []networkingv1.NetworkPolicyPeer{{NamespaceSelector: selects(nsNameLabel, "monitoring"), PodSelector: selects(nameLabel, "prometheus")}},
				Ports: namedPort("metrics"),
			}},
		},
		{
			PodSelector: all, PolicyTypes: egress,
			Egress: []networkingv1.NetworkPolicyEgressRule{{
				To: []networkingv1.NetworkPolicyPeer{{NamespaceSelector: selects(nsNameLabel, "kube-system"), PodSelector: selects("k8s-app", "kube-dns")}},
				Ports: []networkingv1.NetworkPolicyPort{
					{Protocol: udp, Port: ptr(intstr.FromInt32(53))},
					{Protocol: tcp, Port: ptr(intstr.FromInt32(53))},
				},
			}},
		},
		{
			PodSelector: all, PolicyTypes: egress,
			Egress: []networkingv1.NetworkPolicyEgressRule{
				{
					To:    []networkingv1.NetworkPolicyPeer{{IPBlock: &networkingv1.IPBlock{CIDR: clusterCIDR, Except: []string{podCIDR}}}},
					Ports: []networkingv1.NetworkPolicyPort{{Protocol: tcp, Port: ptr(intstr.FromInt32(5432))}},
				},
				{
					To:    []networkingv1.NetworkPolicyPeer{{IPBlock: &networkingv1.IPBlock{CIDR: "0.0.0.0/0", Except: []string{clusterCIDR, metadataIP}}}},
					Ports: []networkingv1.NetworkPolicyPort{{Protocol: tcp, Port: ptr(intstr.FromInt32(443))}},
				},
			},
		},
	}
	names := []string{"default-deny", "allow-same-namespace", "allow-same-tenant", "allow-from-ingress-nginx", "allow-from-monitoring", "allow-dns", "allow-egress-external"}
	for k, spec := range policies {
		g.writePolicy(ns, names[k], spec)
	}
	for _, src := range g.crossIn[i] {
		g.writePolicy(ns, "allow-from-"+namespaceName(src), networkingv1.NetworkPolicySpec{
			PodSelector: *selects(componentLabel, "api"),
			Ingress: []networkingv1.NetworkPolicyIngressRule{{
				From:  []networkingv1.NetworkPolicyPeer{{NamespaceSelector: selects(nsNameLabel, namespaceName(src))}},
				Ports: namedPort("http"),
			}},
		})
	}
	for _, dst := range g.crossOut[i] {
		g.writePolicy(ns, "allow-to-"+namespaceName(dst), networkingv1.NetworkPolicySpec{
			PodSelector: all, PolicyTypes: egress,
			Egress: []networkingv1.NetworkPolicyEgressRule{{
				To:    []networkingv1.NetworkPolicyPeer{{NamespaceSelector: selects(nsNameLabel, namespaceName(dst)), PodSelector: selects(componentLabel, "api")}},
				Ports: namedPort("http"),
			}},
		})
	}
}

func (g *generator) writePolicy(ns, name string, spec networkingv1.NetworkPolicySpec) {
	if len(spec.PolicyTypes) == 0 {
		spec.PolicyTypes = []networkingv1.PolicyType{networkingv1.PolicyTypeIngress}
	}
	g.e.emit(&networkingv1.NetworkPolicy{
		TypeMeta:   metav1.TypeMeta{APIVersion: "networking.k8s.io/v1", Kind: "NetworkPolicy"},
		ObjectMeta: g.meta(ns, name, nil),
		Spec:       spec,
	})
	g.stats.NetworkPolicies++
}

// writeAdminNetworkPolicies writes AdminNetworkPolicies at priorities 1 to
// AdminNetworkPolicies, each of one of four shapes, and the
// BaselineAdminNetworkPolicy "default".
func (g *generator) writeAdminNetworkPolicies() {
	r := section(g.cfg.Seed, "anp")
	anyTenant := metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: tenantLabel, Operator: metav1.LabelSelectorOpExists}}}
	for p := 1; p <= AdminNetworkPolicies; p++ {
		tenant := TenantName(r.IntN(g.cfg.Tenants))
		var name string
		var spec anp.AdminNetworkPolicySpec
		switch p % 4 {
		case 1: // the platform's guard rail: no tenant reaches the instance metadata
			name = fmt.Sprintf("deny-metadata-%02d", p)
			subject := &anyTenant
			if p > 1 {
				name = fmt.Sprintf("deny-metadata-%s-%02d", tenant, p)
				subject = selects(tenantLabel, tenant)
			}
			spec = anp.AdminNetworkPolicySpec{
				Subject: anp.AdminNetworkPolicySubject{Namespaces: subject},
				Egress: []anp.AdminNetworkPolicyEgressRule{{
					Name: "deny-instance-metadata", Action: anp.AdminNetworkPolicyRuleActionDeny,
					To: []anp.AdminNetworkPolicyEgressPeer{{Networks: []anp.CIDR{metadataIP}}},
				}},
			}
		case 2: // monitoring always reaches a tenant's metrics
			name = fmt.Sprintf("allow-monitoring-%s-%02d", tenant, p)
			spec = anp.AdminNetworkPolicySpec{
				Subject: anp.AdminNetworkPolicySubject{Namespaces: selects(tenantLabel, tenant)},
				Ingress: []anp.AdminNetworkPolicyIngressRule{{
					Name: "allow-prometheus", Action: anp.AdminNetworkPolicyRuleActionAllow,
					From:  []anp.AdminNetworkPolicyIngressPeer{{Namespaces: selects(nsNameLabel, "monitoring")}},
					Ports: &[]anp.AdminNetworkPolicyPort{{PortNumber: &anp.Port{Protocol: corev1.ProtocolTCP, Port: 9090}}},
				}},
			}
		case 3: // production talks to production as its NetworkPolicies say
			name = fmt.Sprintf("pass-prod-to-prod-%02d", p)
			spec = anp.AdminNetworkPolicySpec{
				Subject: anp.AdminNetworkPolicySubject{Namespaces: selects(envLabel, "prod")},
				Ingress: []anp.AdminNetworkPolicyIngressRule{{
					Name: "pass-from-prod", Action: anp.AdminNetworkPolicyRuleActionPass,
					From: []anp.AdminNetworkPolicyIngressPeer{{Namespaces: selects(envLabel, "prod")}},
				}},
			}
		default: // a sensitive tenant: the ingress controller, then no other tenant
			name = fmt.Sprintf("isolate-%s-%02d", tenant, p)
			others := metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: tenantLabel, Operator: metav1.LabelSelectorOpNotIn, Values: []string{tenant}}}}
			spec = anp.AdminNetworkPolicySpec{
				Subject: anp.AdminNetworkPolicySubject{Namespaces: selects(tenantLabel, tenant)},
				Ingress: []anp.AdminNetworkPolicyIngressRule{
					{
						Name: "allow-ingress-controller", Action: anp.AdminNetworkPolicyRuleActionAllow,
						From: []anp.AdminNetworkPolicyIngressPeer{{Pods: &anp.NamespacedPod{NamespaceSelector: *selects(nsNameLabel, "ingress-nginx"), PodSelector: *selects(nameLabel, "ingress-nginx")}}},
					},
					{
						Name: "deny-other-tenants", Action: anp.AdminNetworkPolicyRuleActionDeny,
						From: []anp.AdminNetworkPolicyIngressPeer{{Namespaces: &others}},
					},
				},
			}
		}
		spec.Priority = int32(p)
		obj := anp.AdminNetworkPolicy{
			TypeMeta:   metav1.TypeMeta{APIVersion: "policy.networking.k8s.io/v1alpha1", Kind: "AdminNetworkPolicy"},
			ObjectMeta: g.meta("", name, nil),
			Spec:       spec,
		}
		g.e.emit(&obj)
	}
	g.e.emit(&anp.BaselineAdminNetworkPolicy{
		TypeMeta:   metav1.TypeMeta{APIVersion: "policy.networking.k8s.io/v1alpha1", Kind: "BaselineAdminNetworkPolicy"},
		ObjectMeta: g.meta("", "default", nil),
		Spec: anp.BaselineAdminNetworkPolicySpec{
			Subject: anp.AdminNetworkPolicySubject{Namespaces: &anyTenant},
			Ingress: []anp.BaselineAdminNetworkPolicyIngressRule{{
				Name: "deny-from-other-namespaces", Action: anp.BaselineAdminNetworkPolicyRuleActionDeny,
				From: []anp.AdminNetworkPolicyIngressPeer{{Namespaces: &anyTenant}},
			}},
		},
	})
}
