package scalegen

import (
	"maps"
	"math/rand/v2"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// deployment is what writeDeployment needs to write a Deployment, its
// running Pods and, when service is set, its Service and EndpointSlice.
type deployment struct {
	namespace, name string
	// selector labels select the pods; labels are the pods' other labels.
	selector, labels map[string]string
	replicas         int
	// pool lists the nodes the pods may run on.
	pool []int
	spec corev1.PodSpec
	// service, when set, is the Service's spec; slice lists the
	// EndpointSlice's ports (the pods' port numbers). The Service is named
	// serviceName (default: the Deployment's name) and labelled
	// serviceLabels (default: the pods' labels).
	service       *corev1.ServiceSpec
	serviceName   string
	serviceLabels map[string]string
	slice         []discoveryv1.EndpointPort
	// status, when set, is the Service's status (a load balancer's).
	status *corev1.ServiceStatus
	// tenant says whether the pods count as tenant pods.
	tenant bool
}

// endpoint is what an EndpointSlice says of one pod.
type endpoint struct {
	pod, ip string
	node    int
}

func (g *generator) writeDeployment(r *rand.Rand, d deployment) {
	podLabels := maps.Clone(d.selector)
	maps.Copy(podLabels, d.labels)
	replicas := int32(d.replicas)
	dep := appsv1.Deployment{
		TypeMeta:   metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"},
		ObjectMeta: g.meta(d.namespace, d.name, maps.Clone(podLabels)),
		Spec: appsv1.DeploymentSpec{
			Replicas: &replicas,
			Selector: &metav1.LabelSelector{MatchLabels: d.selector},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: podLabels}, Spec: d.spec},
		},
	}
	g.e.emit(&dep)
	g.stats.Workloads++

	// The pods belong to the Deployment's ReplicaSet, which the output
	// leaves out (as kubectl get deployments,pods does): the pods name it.
	hash := suffix(r, 10)
	rsName := d.name + "-" + hash
	template := corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: maps.Clone(podLabels)}, Spec: d.spec}
	template.Labels["pod-template-hash"] = hash
	owner := controllerRef("apps/v1", "ReplicaSet", rsName, g.uid())
	eps := make([]endpoint, 0, d.replicas)
	for i := 0; i < d.replicas; i++ {
		n, ip := g.place(r, d.pool)
		pod := g.pod(d.namespace, rsName+"-"+suffix(r, 5), template, n, ip)
		pod.OwnerReferences = owner
		g.e.emit(pod)
		g.countPod(d.tenant)
		eps = append(eps, endpoint{pod: pod.Name, ip: ip, node: n})
	}
	if d.service != nil {
		name, labels := d.serviceName, d.serviceLabels
		if name == "" {
			name = d.name
		}
		if labels == nil {
			labels = podLabels
		}
		g.writeService(r, d.namespace, name, labels, *d.service, d.status, d.slice, eps)
	}
}

func (g *generator) countPod(tenant bool) {
	g.stats.Pods++
	if tenant {
		g.stats.TenantPods++
	}
}

// pod returns a running pod of template on node n with address ip (the
// node's own address for a host-network pod).
func (g *generator) pod(namespace, name string, template corev1.PodTemplateSpec, n int, ip string) *corev1.Pod {
	nd := &g.nodes[n]
	spec := template.Spec
	spec.NodeName = nd.name
	return &corev1.Pod{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: g.meta(namespace, name, template.Labels),
		Spec:       spec,
		Status: corev1.PodStatus{
			Phase:  corev1.PodRunning,
			HostIP: nd.ip.String(),
			PodIP:  ip,
			PodIPs: []corev1.PodIP{{IP: ip}},
		},
	}
}

// writeService writes a ClusterIP (or other) Service selecting selector's
// pods and the EndpointSlice listing eps.
func (g *generator) writeService(r *rand.Rand, namespace, name string, labels map[string]string, spec corev1.ServiceSpec, status *corev1.ServiceStatus, ports []discoveryv1.EndpointPort, eps []endpoint) {
	if spec.Type == "" {
		spec.Type = corev1.ServiceTypeClusterIP
	}
	if spec.ClusterIP == "" {
		spec.ClusterIP = g.serviceIP()
	}
	spec.ClusterIPs = []string{spec.ClusterIP}
	svc := corev1.Service{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Service"},
		ObjectMeta: g.owner(namespace, name, labels),
		Spec:       spec,
	}
	if status != nil {
		svc.Status = *status
	}
	g.e.emit(&svc)
	g.writeSlice(namespace, name+"-"+suffix(r, 5), &svc, ports, eps)
}

func (g *generator) writeSlice(namespace, name string, svc *corev1.Service, ports []discoveryv1.EndpointPort, eps []endpoint) {
	slice := discoveryv1.EndpointSlice{
		TypeMeta: metav1.TypeMeta{APIVersion: "discovery.k8s.io/v1", Kind: "EndpointSlice"},
		ObjectMeta: g.meta(namespace, name, map[string]string{
			discoveryv1.LabelServiceName: svc.Name,
			discoveryv1.LabelManagedBy:   "endpointslice-controller.k8s.io",
		}),
		AddressType: discoveryv1.AddressTypeIPv4,
		Ports:       ports,
	}
	slice.OwnerReferences = controllerRef("v1", "Service", svc.Name, svc.UID)
	for _, ep := range eps {
		e := discoveryv1.Endpoint{
			Addresses:  []string{ep.ip},
			Conditions: discoveryv1.EndpointConditions{Ready: ptr(true)},
		}
		if ep.pod != "" {
			e.NodeName = ptr(g.nodes[ep.node].name)
			e.TargetRef = &corev1.ObjectReference{Kind: "Pod", Name: ep.pod}
		}
		slice.Endpoints = append(slice.Endpoints, e)
	}
	g.e.emit(&slice)
}

// writeDaemonSet writes a DaemonSet and its pod on every node: host-network
// pods, so each has its node's address.
func (g *generator) writeDaemonSet(r *rand.Rand, namespace, name string, selector map[string]string, spec corev1.PodSpec) {
	labels := maps.Clone(selector)
	ds := appsv1.DaemonSet{
		TypeMeta:   metav1.TypeMeta{APIVersion: "apps/v1", Kind: "DaemonSet"},
		ObjectMeta: g.owner(namespace, name, maps.Clone(labels)),
		Spec: appsv1.DaemonSetSpec{
			Selector: &metav1.LabelSelector{MatchLabels: selector},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels}, Spec: spec},
		},
	}
	g.e.emit(&ds)
	g.stats.Workloads++
	template := ds.Spec.Template
	template.Labels = maps.Clone(labels)
	template.Labels["controller-revision-hash"] = suffix(r, 10)
	template.Labels["pod-template-generation"] = "1"
	for n := range g.nodes {
		pod := g.pod(namespace, name+"-"+suffix(r, 5), template, n, g.nodes[n].ip.String())
		pod.OwnerReferences = controllerRef("apps/v1", "DaemonSet", ds.Name, ds.UID)
		g.e.emit(pod)
		g.countPod(false)
	}
}
