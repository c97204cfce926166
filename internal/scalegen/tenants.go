package scalegen

import (
	"fmt"
	"math/rand/v2"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// The labels tenants' objects carry.
const (
	tenantLabel    = "tenant"
	envLabel       = "env"
	nameLabel      = "app.kubernetes.io/name"
	componentLabel = "app.kubernetes.io/component"
	partOfLabel    = "app.kubernetes.io/part-of"
	nsNameLabel    = "kubernetes.io/metadata.name"
	psaEnforce     = "pod-security.kubernetes.io/enforce"
	psaWarn        = "pod-security.kubernetes.io/warn"
)

// envs name a tenant's namespaces: <tenant>-<env>.
var envs = [NamespacesPerTenant]string{"prod", "staging", "dev", "ci", "data"}

// Names of a namespace's Deployments by position: the first is the
// frontend the ingress controller reaches, the second the API that other
// tenants' cross-tenant allows reach, the rest backends.
var (
	frontends = []string{"web", "frontend", "storefront", "portal"}
	apis      = []string{"api", "gateway", "graphql", "rest-api"}
	backends  = []string{"worker", "cache", "auth", "catalog", "checkout", "search", "billing", "notifier", "reports", "scheduler", "ledger"}
)

// profile is how a workload's pods are secured.
type profile int

const (
	// restricted pods pass the restricted Pod Security Standard.
	restricted profile = iota
	// baseline pods set no securityContext: baseline, not restricted.
	baseline
	// privileged and hostPath pods are the 1% that escape to the node.
	privileged
	hostPath
)

func namespaceName(i int) string {
	return TenantName(i/NamespacesPerTenant) + "-" + envs[i%NamespacesPerTenant]
}

// planCrossTenant picks the namespace pairs of different tenants that
// NetworkPolicies open to each other.
func (g *generator) planCrossTenant() {
	r := section(g.cfg.Seed, "cross-tenant")
	g.crossIn, g.crossOut = map[int][]int{}, map[int][]int{}
	namespaces := g.cfg.Tenants * NamespacesPerTenant
	seen := map[[2]int]bool{}
	for k := 0; k < g.cfg.CrossTenantAllows && len(seen) < namespaces*(namespaces-NamespacesPerTenant); {
		src, dst := r.IntN(namespaces), r.IntN(namespaces)
		if src/NamespacesPerTenant == dst/NamespacesPerTenant || seen[[2]int{src, dst}] {
			continue
		}
		seen[[2]int{src, dst}] = true
		g.crossOut[src] = append(g.crossOut[src], dst)
		g.crossIn[dst] = append(g.crossIn[dst], src)
		k++
	}
}

func (g *generator) writeTenants() {
	r := section(g.cfg.Seed, "tenants")
	for t := 0; t < g.cfg.Tenants; t++ {
		for e := 0; e < NamespacesPerTenant; e++ {
			g.writeNamespace(r, t*NamespacesPerTenant+e)
		}
	}
}

// writeNamespace writes one tenant namespace with everything in it.
func (g *generator) writeNamespace(r *rand.Rand, i int) {
	tenant, env, ns := TenantName(i/NamespacesPerTenant), envs[i%NamespacesPerTenant], namespaceName(i)
	names := append([]string{frontends[r.IntN(len(frontends))], apis[r.IntN(len(apis))]}, pick(r, backends, DeploymentsPerNamespace-2)...)
	profiles := make([]profile, DeploymentsPerNamespace)
	batch := make([]bool, DeploymentsPerNamespace)
	level := "restricted"
	for k := range profiles {
		switch global := i*DeploymentsPerNamespace + k; {
		case global%100 == 57 && (global/100)%2 == 0:
			profiles[k] = privileged
		case global%100 == 57:
			profiles[k] = hostPath
		case r.IntN(100) < 12:
			profiles[k] = baseline
		}
		batch[k] = k >= 2 && r.IntN(10) == 0
		switch {
		case profiles[k] >= privileged:
			level = ""
		case profiles[k] == baseline && level != "":
			level = "baseline"
		}
	}
	if level == "restricted" && r.IntN(10) < 3 {
		level = "baseline" // restricted would pass, but nobody tightened it
	}
	labels := map[string]string{nsNameLabel: ns, tenantLabel: tenant, envLabel: env}
	if level != "" {
		labels[psaEnforce] = level
		labels[psaWarn] = "restricted"
	}
	nsObj := corev1.Namespace{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Namespace"},
		ObjectMeta: g.meta("", ns, labels),
	}
	nsObj.Annotations = map[string]string{"owner": tenant + "@example.com"}
	g.e.emit(&nsObj)
	g.stats.Namespaces++

	for _, sa := range append([]string{"default", "deployer"}, names...) {
		g.e.emit(&corev1.ServiceAccount{
			TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ServiceAccount"},
			ObjectMeta: g.meta(ns, sa, nil),
		})
	}
	g.writeTenantPolicies(ns, tenant, i)
	g.writeTenantRBAC(r, ns, tenant, i)
	for k, name := range names {
		component := "backend"
		switch k {
		case 0:
			component = "frontend"
		case 1:
			component = "api"
		}
		pool := g.general
		if batch[k] {
			pool = g.batch
		}
		spec := tenantPodSpec(r, tenant, name, profiles[k], batch[k], i*DeploymentsPerNamespace+k)
		g.writeDeployment(r, deployment{
			namespace: ns, name: name,
			selector: map[string]string{nameLabel: name},
			labels:   map[string]string{componentLabel: component, partOfLabel: tenant},
			replicas: Replicas, pool: pool, spec: spec, tenant: true,
			service: &corev1.ServiceSpec{
				Selector: map[string]string{nameLabel: name},
				Ports: []corev1.ServicePort{
					{Name: "http", Protocol: corev1.ProtocolTCP, Port: 80, TargetPort: intstr.FromString("http")},
					{Name: "metrics", Protocol: corev1.ProtocolTCP, Port: 9090, TargetPort: intstr.FromString("metrics")},
				},
			},
			slice: []discoveryv1.EndpointPort{
				{Name: ptr("http"), Protocol: ptr(corev1.ProtocolTCP), Port: ptr(int32(8080))},
				{Name: ptr("metrics"), Protocol: ptr(corev1.ProtocolTCP), Port: ptr(int32(9090))},
			},
		})
	}
}

// pick returns n distinct elements of from, in random order.
func pick(r *rand.Rand, from []string, n int) []string {
	out := make([]string, 0, n)
	for _, k := range r.Perm(len(from))[:n] {
		out = append(out, from[k])
	}
	return out
}

// tenantPodSpec returns the pod template of a tenant Deployment; global
// numbers the Deployment across the cluster.
func tenantPodSpec(r *rand.Rand, tenant, name string, p profile, batch bool, global int) corev1.PodSpec {
	c := corev1.Container{
		Name:  name,
		Image: fmt.Sprintf("123456789012.dkr.ecr.us-east-1.amazonaws.com/%s/%s:1.%d.%d", tenant, name, r.IntN(30), r.IntN(10)),
		Ports: []corev1.ContainerPort{
			{Name: "http", ContainerPort: 8080, Protocol: corev1.ProtocolTCP},
			{Name: "metrics", ContainerPort: 9090, Protocol: corev1.ProtocolTCP},
		},
		Resources: corev1.ResourceRequirements{
			Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m"), corev1.ResourceMemory: resource.MustParse("128Mi")},
			Limits:   corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("256Mi")},
		},
		VolumeMounts: []corev1.VolumeMount{{Name: "tmp", MountPath: "/tmp"}},
	}
	spec := corev1.PodSpec{
		ServiceAccountName: name,
		Volumes:            []corev1.Volume{{Name: "tmp", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}}},
	}
	if r.IntN(10) < 6 {
		spec.AutomountServiceAccountToken = ptr(false)
	}
	switch p {
	case restricted:
		spec.SecurityContext = &corev1.PodSecurityContext{
			RunAsNonRoot: ptr(true), RunAsUser: ptr(int64(10001)), RunAsGroup: ptr(int64(10001)), FSGroup: ptr(int64(10001)),
			SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
		}
		c.SecurityContext = &corev1.SecurityContext{
			AllowPrivilegeEscalation: ptr(false), ReadOnlyRootFilesystem: ptr(true),
			Capabilities: &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
		}
	case baseline:
		spec.SecurityContext = &corev1.PodSecurityContext{}
	case privileged:
		c.SecurityContext = &corev1.SecurityContext{Privileged: ptr(true)}
	case hostPath:
		paths := []string{"/var/log", "/var/run/containerd/containerd.sock", "/var/lib/kubelet"}
		path := paths[(global/200)%len(paths)]
		spec.Volumes = append(spec.Volumes, corev1.Volume{Name: "host", VolumeSource: corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: path}}})
		c.VolumeMounts = append(c.VolumeMounts, corev1.VolumeMount{Name: "host", MountPath: "/host" + path, ReadOnly: true})
	}
	if batch {
		spec.NodeSelector = map[string]string{batchTaint.Key: batchTaint.Value}
		spec.Tolerations = []corev1.Toleration{{Key: batchTaint.Key, Operator: corev1.TolerationOpEqual, Value: batchTaint.Value, Effect: batchTaint.Effect}}
	}
	spec.Containers = []corev1.Container{c}
	return spec
}
