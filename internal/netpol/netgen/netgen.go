// Package netgen generates synthetic tenant-style clusters for benchmarks
// and scale tests of the network engine: many namespaces grouped into
// tenants, a few workloads per namespace with several replicas, the usual
// NetworkPolicies (default deny, allow same namespace, DNS egress, some
// cross-namespace allows) and a tier of AdminNetworkPolicies. Output is
// deterministic for a given Config.
package netgen

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	anp "sigs.k8s.io/network-policy-api/apis/v1alpha1"

	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
)

// Config sizes a generated cluster.
type Config struct {
	Namespaces int
	// Workloads per namespace; each has Replicas pods.
	Workloads int
	Replicas  int
	// PoliciesPerNamespace is 0 to 4: default deny, allow same namespace,
	// DNS egress, one cross-namespace allow (in that order).
	PoliciesPerNamespace int
	AdminPolicies        int
	// NamespacesPerTenant groups consecutive namespaces under one "tenant"
	// label value.
	NamespacesPerTenant int
}

// Large is the scale target: 100,000 pods in 5,000 namespaces,
// 20,000 NetworkPolicies and 50 AdminNetworkPolicies.
var Large = Config{Namespaces: 5000, Workloads: 4, Replicas: 5, PoliciesPerNamespace: 4, AdminPolicies: 50, NamespacesPerTenant: 2}

// Small is 10 namespaces x 80 workloads (one pod each).
var Small = Config{Namespaces: 10, Workloads: 80, Replicas: 1, PoliciesPerNamespace: 4, AdminPolicies: 5, NamespacesPerTenant: 1}

// TenantLabel is the namespace label holding the tenant name.
const TenantLabel = "tenant"

// SystemNamespaces are the generated cluster's system namespaces: DNS and
// monitoring.
var SystemNamespaces = []string{"kube-system", "monitoring"}

type app struct {
	name     string
	port     int32
	portName string
}

var appKinds = []app{{"web", 8080, "http"}, {"api", 9090, "grpc"}, {"db", 5432, "postgres"}, {"worker", 0, ""}}

func tiers(i int) string { return [...]string{"gold", "silver", "bronze"}[i%3] }
func env(i int) string   { return [...]string{"prod", "dev"}[i%2] }

// Generate builds the cluster.
func Generate(cfg Config) *snapshot.Snapshot {
	if cfg.NamespacesPerTenant < 1 {
		cfg.NamespacesPerTenant = 1
	}
	snap := &snapshot.Snapshot{Source: fmt.Sprintf("netgen %+v", cfg)}
	ip := 0
	nextIP := func() string {
		ip++
		return fmt.Sprintf("10.%d.%d.%d", 64+ip>>16, (ip>>8)&255, ip&255)
	}
	// The cluster tenant: DNS and monitoring.
	snap.Namespaces = append(snap.Namespaces,
		corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "kube-system", Labels: map[string]string{corev1.LabelMetadataName: "kube-system"}}},
		corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "monitoring", Labels: map[string]string{corev1.LabelMetadataName: "monitoring"}}})
	for i := 0; i < 2; i++ {
		p := pod("kube-system", fmt.Sprintf("coredns-%d", i), map[string]string{"k8s-app": "kube-dns"}, nextIP())
		p.Spec.Containers[0].Ports = []corev1.ContainerPort{{Name: "dns", ContainerPort: 53, Protocol: corev1.ProtocolUDP}, {Name: "dns-tcp", ContainerPort: 53, Protocol: corev1.ProtocolTCP}}
		snap.Pods = append(snap.Pods, p)
	}
	snap.Pods = append(snap.Pods, pod("monitoring", "prometheus-0", map[string]string{"app": "prometheus"}, nextIP()))

	for n := 0; n < cfg.Namespaces; n++ {
		ns := fmt.Sprintf("tenant-%05d", n)
		tenant := fmt.Sprintf("t%05d", n/cfg.NamespacesPerTenant)
		snap.Namespaces = append(snap.Namespaces, corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns, Labels: map[string]string{
			corev1.LabelMetadataName: ns, TenantLabel: tenant, "tier": tiers(n), "env": env(n / 7),
		}}})
		for w := 0; w < cfg.Workloads; w++ {
			k := appKinds[w%len(appKinds)]
			name := k.name
			if cfg.Workloads > len(appKinds) {
				name = fmt.Sprintf("%s-%d", k.name, w/len(appKinds))
			}
			for r := 0; r < cfg.Replicas; r++ {
				p := pod(ns, fmt.Sprintf("%s-%d", name, r), map[string]string{"app": name, "role": k.name}, nextIP())
				if k.port != 0 {
					p.Spec.Containers[0].Ports = []corev1.ContainerPort{{Name: k.portName, ContainerPort: k.port, Protocol: corev1.ProtocolTCP}}
				}
				snap.Pods = append(snap.Pods, p)
			}
		}
		snap.NetworkPolicies = append(snap.NetworkPolicies, policies(cfg, n, ns, tenant)...)
	}
	for i := 0; i < cfg.AdminPolicies; i++ {
		snap.AdminNetworkPolicies = append(snap.AdminNetworkPolicies, admin(i))
	}
	if cfg.AdminPolicies > 0 {
		snap.BaselineAdminNetworkPolicies = append(snap.BaselineAdminNetworkPolicies, anp.BaselineAdminNetworkPolicy{
			ObjectMeta: metav1.ObjectMeta{Name: "default"},
			Spec: anp.BaselineAdminNetworkPolicySpec{
				Subject: anp.AdminNetworkPolicySubject{Namespaces: &metav1.LabelSelector{MatchLabels: map[string]string{"env": "prod"}}},
				Ingress: []anp.BaselineAdminNetworkPolicyIngressRule{{Name: "deny-dev", Action: anp.BaselineAdminNetworkPolicyRuleActionDeny,
					From: []anp.AdminNetworkPolicyIngressPeer{{Namespaces: &metav1.LabelSelector{MatchLabels: map[string]string{"env": "dev"}}}}}},
			},
		})
	}
	return snap
}

func pod(ns, name string, labels map[string]string, ip string) corev1.Pod {
	return corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Labels: labels},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "main", Image: "registry.example/app"}}},
		Status:     corev1.PodStatus{Phase: corev1.PodRunning, PodIP: ip, PodIPs: []corev1.PodIP{{IP: ip}}},
	}
}

func sel(kv ...string) *metav1.LabelSelector {
	s := &metav1.LabelSelector{MatchLabels: map[string]string{}}
	for i := 0; i+1 < len(kv); i += 2 {
		s.MatchLabels[kv[i]] = kv[i+1]
	}
	return s
}

func port(proto corev1.Protocol, p intstr.IntOrString) networkingv1.NetworkPolicyPort {
	return networkingv1.NetworkPolicyPort{Protocol: &proto, Port: &p}
}

func policies(cfg Config, n int, ns, tenant string) []networkingv1.NetworkPolicy {
	mk := func(name string, spec networkingv1.NetworkPolicySpec) networkingv1.NetworkPolicy {
		return networkingv1.NetworkPolicy{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}, Spec: spec}
	}
	both := []networkingv1.PolicyType{networkingv1.PolicyTypeIngress, networkingv1.PolicyTypeEgress}
	all := []networkingv1.NetworkPolicy{
		mk("default-deny", networkingv1.NetworkPolicySpec{PolicyTypes: both}),
		mk("allow-same-namespace", networkingv1.NetworkPolicySpec{PolicyTypes: both,
			Ingress: []networkingv1.NetworkPolicyIngressRule{{From: []networkingv1.NetworkPolicyPeer{{PodSelector: sel()}}}},
			Egress:  []networkingv1.NetworkPolicyEgressRule{{To: []networkingv1.NetworkPolicyPeer{{PodSelector: sel()}}}}}),
		mk("allow-dns", networkingv1.NetworkPolicySpec{PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeEgress},
			Egress: []networkingv1.NetworkPolicyEgressRule{{
				To:    []networkingv1.NetworkPolicyPeer{{NamespaceSelector: sel(corev1.LabelMetadataName, "kube-system"), PodSelector: sel("k8s-app", "kube-dns")}},
				Ports: []networkingv1.NetworkPolicyPort{port(corev1.ProtocolUDP, intstr.FromInt32(53)), port(corev1.ProtocolTCP, intstr.FromInt32(53))}}}}),
	}
	var cross networkingv1.NetworkPolicy
	switch n % 4 {
	case 0: // web open to the rest of the tenant, to monitoring and to the previous namespace's workers
		prev := fmt.Sprintf("tenant-%05d", (n+cfg.Namespaces-1)%max(cfg.Namespaces, 1))
		cross = mk("allow-web-from-tenant", networkingv1.NetworkPolicySpec{PodSelector: *sel("role", "web"),
			Ingress: []networkingv1.NetworkPolicyIngressRule{{
				From: []networkingv1.NetworkPolicyPeer{{NamespaceSelector: sel(TenantLabel, tenant)}, {NamespaceSelector: sel(corev1.LabelMetadataName, "monitoring")},
					{NamespaceSelector: sel(corev1.LabelMetadataName, prev), PodSelector: sel("role", "worker")}},
				Ports: []networkingv1.NetworkPolicyPort{port(corev1.ProtocolTCP, intstr.FromString("http"))}}}})
	case 1: // db reachable from the api of the next namespace (another tenant)
		cross = mk("allow-db-from-partner", networkingv1.NetworkPolicySpec{PodSelector: *sel("role", "db"),
			Ingress: []networkingv1.NetworkPolicyIngressRule{{
				From:  []networkingv1.NetworkPolicyPeer{{NamespaceSelector: sel(corev1.LabelMetadataName, fmt.Sprintf("tenant-%05d", (n+2)%max(cfg.Namespaces, 1))), PodSelector: sel("role", "api")}},
				Ports: []networkingv1.NetworkPolicyPort{port(corev1.ProtocolTCP, intstr.FromInt32(5432))}}}})
	case 2: // api may call out to the internet on 443, but not the metadata service
		cross = mk("allow-api-egress-https", networkingv1.NetworkPolicySpec{PodSelector: *sel("role", "api"),
			PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeEgress},
			Egress: []networkingv1.NetworkPolicyEgressRule{{
				To:    []networkingv1.NetworkPolicyPeer{{IPBlock: &networkingv1.IPBlock{CIDR: "0.0.0.0/0", Except: []string{"169.254.169.254/32", "10.0.0.0/8"}}}},
				Ports: []networkingv1.NetworkPolicyPort{port(corev1.ProtocolTCP, intstr.FromInt32(443))}}}})
	default: // worker egress to the partner namespace's web
		cross = mk("allow-worker-to-partner-web", networkingv1.NetworkPolicySpec{PodSelector: *sel("role", "worker"),
			PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeEgress},
			Egress: []networkingv1.NetworkPolicyEgressRule{{
				To:    []networkingv1.NetworkPolicyPeer{{NamespaceSelector: sel(corev1.LabelMetadataName, fmt.Sprintf("tenant-%05d", (n+1)%max(cfg.Namespaces, 1))), PodSelector: sel("role", "web")}},
				Ports: []networkingv1.NetworkPolicyPort{port(corev1.ProtocolTCP, intstr.FromInt32(8080))}}}})
	}
	all = append(all, cross)
	if cfg.PoliciesPerNamespace < len(all) {
		all = all[:cfg.PoliciesPerNamespace]
	}
	return all
}

func admin(i int) anp.AdminNetworkPolicy {
	a := anp.AdminNetworkPolicy{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("admin-%02d", i)}, Spec: anp.AdminNetworkPolicySpec{Priority: int32(10 + i)}}
	nsSel := func(kv ...string) *metav1.LabelSelector { return sel(kv...) }
	tcp := func(p int32) anp.AdminNetworkPolicyPort {
		return anp.AdminNetworkPolicyPort{PortNumber: &anp.Port{Protocol: corev1.ProtocolTCP, Port: p}}
	}
	switch i % 5 {
	case 0: // monitoring scrapes every namespace of a tier
		a.Spec.Subject.Namespaces = nsSel("tier", tiers(i/5))
		a.Spec.Ingress = []anp.AdminNetworkPolicyIngressRule{{Name: "scrape", Action: anp.AdminNetworkPolicyRuleActionAllow,
			From: []anp.AdminNetworkPolicyIngressPeer{{Namespaces: nsSel(corev1.LabelMetadataName, "monitoring")}}, Ports: &[]anp.AdminNetworkPolicyPort{tcp(9100)}}}
	case 1: // nobody reaches the metadata service
		a.Spec.Subject.Namespaces = nsSel()
		a.Spec.Egress = []anp.AdminNetworkPolicyEgressRule{{Name: "no-metadata", Action: anp.AdminNetworkPolicyRuleActionDeny,
			To: []anp.AdminNetworkPolicyEgressPeer{{Networks: []anp.CIDR{"169.254.169.254/32"}}}}}
	case 2: // dev never reaches prod
		a.Spec.Subject.Namespaces = nsSel("env", "prod")
		a.Spec.Ingress = []anp.AdminNetworkPolicyIngressRule{{Name: "no-dev", Action: anp.AdminNetworkPolicyRuleActionDeny,
			From: []anp.AdminNetworkPolicyIngressPeer{{Namespaces: nsSel("env", "dev")}}}}
	case 3: // within a tier, leave it to the tenants
		a.Spec.Subject.Namespaces = nsSel("tier", tiers(i))
		a.Spec.Ingress = []anp.AdminNetworkPolicyIngressRule{{Name: "tenants-decide", Action: anp.AdminNetworkPolicyRuleActionPass,
			From: []anp.AdminNetworkPolicyIngressPeer{{Namespaces: nsSel("tier", tiers(i))}}}}
	default: // gold databases refuse bronze on low ports
		a.Spec.Subject.Pods = &anp.NamespacedPod{NamespaceSelector: *nsSel("tier", "gold"), PodSelector: *sel("role", "db")}
		a.Spec.Ingress = []anp.AdminNetworkPolicyIngressRule{{Name: "no-bronze", Action: anp.AdminNetworkPolicyRuleActionDeny,
			From:  []anp.AdminNetworkPolicyIngressPeer{{Namespaces: nsSel("tier", "bronze")}},
			Ports: &[]anp.AdminNetworkPolicyPort{{PortRange: &anp.PortRange{Protocol: corev1.ProtocolTCP, Start: 1, End: 1024}}}}}
	}
	return a
}
