package scalegen

import (
	"math/rand/v2"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// corefile is CoreDNS's default configuration: pods insecure answers any
// pod-style name.
const corefile = `.:53 {
    errors
    health {
        lameduck 5s
    }
    ready
    kubernetes cluster.local in-addr.arpa ip6.arpa {
        pods insecure
        fallthrough in-addr.arpa ip6.arpa
        ttl 30
    }
    prometheus :9153
    forward . /etc/resolv.conf {
        max_concurrent 1000
    }
    cache 30
    loop
    reload
    loadbalance
}
`

var tolerateAll = []corev1.Toleration{{Operator: corev1.TolerationOpExists}}

// writePlatform writes the platform namespaces and what runs in them:
// the API server's Service, CoreDNS and kube-proxy in kube-system, the
// ingress controller, the monitoring stack with a node exporter on every
// node, and cert-manager.
func (g *generator) writePlatform() {
	r := section(g.cfg.Seed, "platform")
	g.platformNamespace("default", nil)
	g.platformNamespace("kube-public", nil)
	g.platformNamespace("kube-node-lease", nil)
	g.platformNamespace("kube-system", nil)
	g.platformNamespace("ingress-nginx", map[string]string{nameLabel: "ingress-nginx", psaEnforce: "baseline"})
	g.platformNamespace("monitoring", map[string]string{psaEnforce: "privileged"})
	g.platformNamespace("cert-manager", map[string]string{psaEnforce: "restricted"})

	g.serviceAccounts("default", "default")
	kubernetes := corev1.ServiceSpec{
		ClusterIP: "10.96.0.1",
		Ports:     []corev1.ServicePort{{Name: "https", Protocol: corev1.ProtocolTCP, Port: 443, TargetPort: intstr.FromInt32(443)}},
	}
	g.writeService(r, "default", "kubernetes", map[string]string{"component": "apiserver", "provider": "kubernetes"}, kubernetes, nil,
		[]discoveryv1.EndpointPort{{Name: ptr("https"), Protocol: ptr(corev1.ProtocolTCP), Port: ptr(int32(443))}},
		[]endpoint{{ip: "10.0.0.10"}, {ip: "10.0.0.11"}})

	g.serviceAccounts("kube-system", "default", "coredns", "kube-proxy")
	g.writeCoreDNS(r)
	g.writeKubeProxy(r)
	g.serviceAccounts("ingress-nginx", "default", "ingress-nginx")
	g.writeIngressController(r)
	g.serviceAccounts("monitoring", "default", "prometheus", "node-exporter", "kube-state-metrics")
	g.writeMonitoring(r)
	g.serviceAccounts("cert-manager", "default", "cert-manager")
	g.writeDeployment(r, deployment{
		namespace: "cert-manager", name: "cert-manager",
		selector: map[string]string{nameLabel: "cert-manager", componentLabel: "controller"},
		replicas: 1, pool: g.general,
		spec: platformSpec("cert-manager", "quay.io/jetstack/cert-manager-controller:v1.16.2",
			[]corev1.ContainerPort{{Name: "http-metrics", ContainerPort: 9402, Protocol: corev1.ProtocolTCP}}, restrictedContainer(), restrictedPod(1000)),
		service: &corev1.ServiceSpec{
			Selector: map[string]string{nameLabel: "cert-manager", componentLabel: "controller"},
			Ports:    []corev1.ServicePort{{Name: "tcp-prometheus-servicemonitor", Protocol: corev1.ProtocolTCP, Port: 9402, TargetPort: intstr.FromString("http-metrics")}},
		},
		slice: []discoveryv1.EndpointPort{{Name: ptr("tcp-prometheus-servicemonitor"), Protocol: ptr(corev1.ProtocolTCP), Port: ptr(int32(9402))}},
	})
}

func (g *generator) platformNamespace(name string, labels map[string]string) {
	if labels == nil {
		labels = map[string]string{}
	}
	labels[nsNameLabel] = name
	g.e.emit(&corev1.Namespace{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Namespace"},
		ObjectMeta: g.meta("", name, labels),
	})
	g.stats.Namespaces++
}

func (g *generator) serviceAccounts(namespace string, names ...string) {
	for _, n := range names {
		g.e.emit(&corev1.ServiceAccount{
			TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ServiceAccount"},
			ObjectMeta: g.meta(namespace, n, nil),
		})
	}
}

func restrictedContainer() *corev1.SecurityContext {
	return &corev1.SecurityContext{
		AllowPrivilegeEscalation: ptr(false), ReadOnlyRootFilesystem: ptr(true),
		Capabilities: &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
	}
}

func restrictedPod(uid int64) *corev1.PodSecurityContext {
	return &corev1.PodSecurityContext{
		RunAsNonRoot: ptr(true), RunAsUser: ptr(uid),
		SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
	}
}

// platformSpec returns a one-container pod spec running as serviceAccount
// (the container's name too).
func platformSpec(name, image string, ports []corev1.ContainerPort, sc *corev1.SecurityContext, psc *corev1.PodSecurityContext) corev1.PodSpec {
	return corev1.PodSpec{
		ServiceAccountName: name,
		SecurityContext:    psc,
		Containers:         []corev1.Container{{Name: name, Image: image, Ports: ports, SecurityContext: sc}},
	}
}

func (g *generator) writeCoreDNS(r *rand.Rand) {
	g.e.emit(&corev1.ConfigMap{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
		ObjectMeta: g.meta("kube-system", "coredns", nil),
		Data:       map[string]string{"Corefile": corefile},
	})
	sc := restrictedContainer()
	sc.Capabilities.Add = []corev1.Capability{"NET_BIND_SERVICE"}
	spec := platformSpec("coredns", "registry.k8s.io/coredns/coredns:v1.11.3", []corev1.ContainerPort{
		{Name: "dns", ContainerPort: 53, Protocol: corev1.ProtocolUDP},
		{Name: "dns-tcp", ContainerPort: 53, Protocol: corev1.ProtocolTCP},
		{Name: "metrics", ContainerPort: 9153, Protocol: corev1.ProtocolTCP},
	}, sc, nil)
	spec.Containers[0].Args = []string{"-conf", "/etc/coredns/Corefile"}
	spec.Containers[0].VolumeMounts = []corev1.VolumeMount{{Name: "config-volume", MountPath: "/etc/coredns", ReadOnly: true}}
	spec.Volumes = []corev1.Volume{{Name: "config-volume", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
		LocalObjectReference: corev1.LocalObjectReference{Name: "coredns"},
		Items:                []corev1.KeyToPath{{Key: "Corefile", Path: "Corefile"}},
	}}}}
	spec.DNSPolicy = corev1.DNSDefault
	spec.PriorityClassName = "system-cluster-critical"
	spec.Tolerations = []corev1.Toleration{{Key: "CriticalAddonsOnly", Operator: corev1.TolerationOpExists}}
	g.writeDeployment(r, deployment{
		namespace: "kube-system", name: "coredns", serviceName: "kube-dns",
		selector: map[string]string{"k8s-app": "kube-dns"},
		replicas: 2, pool: g.general, spec: spec,
		serviceLabels: map[string]string{"k8s-app": "kube-dns", "kubernetes.io/name": "CoreDNS"},
		service: &corev1.ServiceSpec{
			ClusterIP: dnsIP,
			Selector:  map[string]string{"k8s-app": "kube-dns"},
			Ports: []corev1.ServicePort{
				{Name: "dns", Protocol: corev1.ProtocolUDP, Port: 53, TargetPort: intstr.FromInt32(53)},
				{Name: "dns-tcp", Protocol: corev1.ProtocolTCP, Port: 53, TargetPort: intstr.FromInt32(53)},
				{Name: "metrics", Protocol: corev1.ProtocolTCP, Port: 9153, TargetPort: intstr.FromInt32(9153)},
			},
		},
		slice: []discoveryv1.EndpointPort{
			{Name: ptr("dns"), Protocol: ptr(corev1.ProtocolUDP), Port: ptr(int32(53))},
			{Name: ptr("dns-tcp"), Protocol: ptr(corev1.ProtocolTCP), Port: ptr(int32(53))},
			{Name: ptr("metrics"), Protocol: ptr(corev1.ProtocolTCP), Port: ptr(int32(9153))},
		},
	})
}

// hostPathVolume returns a hostPath volume; t "" leaves the type unset.
func hostPathVolume(name, path string, t corev1.HostPathType) corev1.Volume {
	v := corev1.Volume{Name: name, VolumeSource: corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: path}}}
	if t != "" {
		v.HostPath.Type = &t
	}
	return v
}

func (g *generator) writeKubeProxy(r *rand.Rand) {
	spec := platformSpec("kube-proxy", "602401143452.dkr.ecr.us-east-1.amazonaws.com/eks/kube-proxy:v1.32.0-minimal-eksbuild.2", nil,
		&corev1.SecurityContext{Privileged: ptr(true)}, nil)
	spec.Containers[0].Command = []string{"kube-proxy", "--v=2", "--config=/var/lib/kube-proxy-config/config", "--hostname-override=$(NODE_NAME)"}
	spec.Containers[0].VolumeMounts = []corev1.VolumeMount{
		{Name: "xtables-lock", MountPath: "/run/xtables.lock"},
		{Name: "lib-modules", MountPath: "/lib/modules", ReadOnly: true},
	}
	spec.Volumes = []corev1.Volume{
		hostPathVolume("xtables-lock", "/run/xtables.lock", corev1.HostPathFileOrCreate),
		hostPathVolume("lib-modules", "/lib/modules", corev1.HostPathDirectory),
	}
	spec.HostNetwork = true
	spec.PriorityClassName = "system-node-critical"
	spec.Tolerations = tolerateAll
	g.writeDaemonSet(r, "kube-system", "kube-proxy", map[string]string{"k8s-app": "kube-proxy"}, spec)
}

func (g *generator) writeIngressController(r *rand.Rand) {
	sc := restrictedContainer()
	sc.ReadOnlyRootFilesystem = ptr(false)
	sc.Capabilities.Add = []corev1.Capability{"NET_BIND_SERVICE"}
	sc.RunAsNonRoot, sc.RunAsUser = ptr(true), ptr(int64(101))
	sc.SeccompProfile = &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault}
	spec := platformSpec("ingress-nginx", "registry.k8s.io/ingress-nginx/controller:v1.12.0", []corev1.ContainerPort{
		{Name: "http", ContainerPort: 80, Protocol: corev1.ProtocolTCP},
		{Name: "https", ContainerPort: 443, Protocol: corev1.ProtocolTCP},
		{Name: "webhook", ContainerPort: 8443, Protocol: corev1.ProtocolTCP},
	}, sc, nil)
	selector := map[string]string{nameLabel: "ingress-nginx", "app.kubernetes.io/instance": "ingress-nginx", componentLabel: "controller"}
	g.writeDeployment(r, deployment{
		namespace: "ingress-nginx", name: "ingress-nginx-controller",
		selector: selector, replicas: 3, pool: g.general, spec: spec,
		service: &corev1.ServiceSpec{
			Type:                          corev1.ServiceTypeLoadBalancer,
			ExternalTrafficPolicy:         corev1.ServiceExternalTrafficPolicyLocal,
			HealthCheckNodePort:           32181,
			AllocateLoadBalancerNodePorts: ptr(true),
			Selector:                      selector,
			Ports: []corev1.ServicePort{
				{Name: "http", Protocol: corev1.ProtocolTCP, Port: 80, TargetPort: intstr.FromString("http"), NodePort: 31080},
				{Name: "https", Protocol: corev1.ProtocolTCP, Port: 443, TargetPort: intstr.FromString("https"), NodePort: 31443},
			},
		},
		status: &corev1.ServiceStatus{LoadBalancer: corev1.LoadBalancerStatus{Ingress: []corev1.LoadBalancerIngress{
			{Hostname: "a3f9c2d1e8b7a6c5d4e3f2a1b0c9d8e7-1234567890.us-east-1.elb.amazonaws.com"},
		}}},
		slice: []discoveryv1.EndpointPort{
			{Name: ptr("http"), Protocol: ptr(corev1.ProtocolTCP), Port: ptr(int32(80))},
			{Name: ptr("https"), Protocol: ptr(corev1.ProtocolTCP), Port: ptr(int32(443))},
		},
	})
}

func (g *generator) writeMonitoring(r *rand.Rand) {
	spec := platformSpec("node-exporter", "quay.io/prometheus/node-exporter:v1.8.2", []corev1.ContainerPort{
		{Name: "metrics", ContainerPort: 9100, HostPort: 9100, Protocol: corev1.ProtocolTCP},
	}, &corev1.SecurityContext{AllowPrivilegeEscalation: ptr(false), ReadOnlyRootFilesystem: ptr(true)}, &corev1.PodSecurityContext{
		RunAsNonRoot: ptr(true), RunAsUser: ptr(int64(65534)), RunAsGroup: ptr(int64(65534)),
	})
	spec.Containers[0].Args = []string{"--path.rootfs=/host/root", "--web.listen-address=:9100"}
	propagation := corev1.MountPropagationHostToContainer
	spec.Containers[0].VolumeMounts = []corev1.VolumeMount{{Name: "root", MountPath: "/host/root", ReadOnly: true, MountPropagation: &propagation}}
	spec.Volumes = []corev1.Volume{hostPathVolume("root", "/", "")}
	spec.HostNetwork, spec.HostPID = true, true
	spec.Tolerations = tolerateAll
	g.writeDaemonSet(r, "monitoring", "node-exporter", map[string]string{nameLabel: "node-exporter"}, spec)

	for _, app := range []struct {
		name, image, port string
		number            int32
	}{
		{"prometheus", "quay.io/prometheus/prometheus:v2.55.1", "web", 9090},
		{"kube-state-metrics", "registry.k8s.io/kube-state-metrics/kube-state-metrics:v2.14.0", "http-metrics", 8080},
	} {
		g.writeDeployment(r, deployment{
			namespace: "monitoring", name: app.name,
			selector: map[string]string{nameLabel: app.name},
			replicas: 1, pool: g.general,
			spec: platformSpec(app.name, app.image, []corev1.ContainerPort{{Name: app.port, ContainerPort: app.number, Protocol: corev1.ProtocolTCP}},
				restrictedContainer(), restrictedPod(65534)),
			service: &corev1.ServiceSpec{
				Selector: map[string]string{nameLabel: app.name},
				Ports:    []corev1.ServicePort{{Name: app.port, Protocol: corev1.ProtocolTCP, Port: app.number, TargetPort: intstr.FromString(app.port)}},
			},
			slice: []discoveryv1.EndpointPort{{Name: ptr(app.port), Protocol: ptr(corev1.ProtocolTCP), Port: ptr(app.number)}},
		})
	}
}
