package snapshot

import (
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	anpv1alpha1 "sigs.k8s.io/network-policy-api/apis/v1alpha1"
)

// Snapshot is the cluster as bulkhead sees it. All slices are sorted by
// namespace and name after Normalize, so engines can rely on a stable order.
type Snapshot struct {
	// Source says where the objects came from ("demo", file paths, or a
	// kubeconfig context).
	Source string

	Namespaces             []corev1.Namespace
	Nodes                  []corev1.Node
	Pods                   []corev1.Pod
	Services               []corev1.Service
	Endpoints              []corev1.Endpoints
	EndpointSlices         []discoveryv1.EndpointSlice
	ServiceAccounts        []corev1.ServiceAccount
	Secrets                []corev1.Secret // metadata and type only; Data is always empty
	ConfigMaps             []corev1.ConfigMap
	PersistentVolumes      []corev1.PersistentVolume
	PersistentVolumeClaims []corev1.PersistentVolumeClaim

	Roles               []rbacv1.Role
	RoleBindings        []rbacv1.RoleBinding
	ClusterRoles        []rbacv1.ClusterRole
	ClusterRoleBindings []rbacv1.ClusterRoleBinding

	NetworkPolicies              []networkingv1.NetworkPolicy
	AdminNetworkPolicies         []anpv1alpha1.AdminNetworkPolicy
	BaselineAdminNetworkPolicies []anpv1alpha1.BaselineAdminNetworkPolicy
	Ingresses                    []networkingv1.Ingress

	Deployments            []appsv1.Deployment
	StatefulSets           []appsv1.StatefulSet
	DaemonSets             []appsv1.DaemonSet
	ReplicaSets            []appsv1.ReplicaSet
	ReplicationControllers []corev1.ReplicationController
	Jobs                   []batchv1.Job
	CronJobs               []batchv1.CronJob

	// Unknown counts objects of kinds bulkhead does not model, by
	// "apiVersion/kind". They are kept out of the analysis but never dropped
	// silently: the report lists them.
	Unknown map[string]int

	// Problems lists input that could not be loaded (a malformed document, a
	// list the API server refused). Loading goes on past them.
	Problems []Problem

	// Warnings lists notes about input that was loaded: identical
	// duplicates merged, AdminNetworkPolicies whose order is undefined.
	// Unlike Problems, nothing was left out.
	Warnings []Problem

	// Gaps lists resources that could not be read, so the analyses depending
	// on them are incomplete.
	Gaps []Gap

	// Assumed counts the objects that were not in the input but assumed,
	// as the API server would hold them: the built-in bootstrap RBAC policy
	// of a Kubernetes version, for offline input. Zero when nothing was.
	Assumed Assumed

	// CustomResources are the resource types the input's
	// CustomResourceDefinitions serve (the definitions themselves are
	// counted in Unknown).
	CustomResources []CustomResource

	// PodSecurity lists, per namespace, the pods its Pod Security enforce
	// level refuses (node.DropRefused fills it in): those of manifests
	// and controller templates are left out of the snapshot, live ones
	// kept. Empty, not nil, once judged.
	PodSecurity []RefusedPods

	// Origins says where each object of offline input was read (file and
	// line), for reports that point at manifests; nil for a live cluster.
	Origins Origins
}

// Assumed says which built-in objects a snapshot assumed: the Roles and
// ClusterRoles (Roles) and the RoleBindings and ClusterRoleBindings
// (Bindings) of the bootstrap RBAC policy of Kubernetes Version ("v1.32")
// that the input did not have itself.
type Assumed struct {
	Version  string `json:"version,omitempty"`
	Roles    int    `json:"roles,omitempty"`
	Bindings int    `json:"bindings,omitempty"`
	// ServiceAccounts counts the kube-system accounts the bootstrap
	// bindings name (the controllers'), assumed to exist.
	ServiceAccounts int `json:"serviceAccounts,omitempty"`
}

// Problem is one piece of input that was skipped, with where it was.
type Problem struct {
	// Where names the input: "file.yaml:12 (document 3)" or "live: pods".
	Where   string `json:"where"`
	Message string `json:"message"`
}

func (p Problem) String() string { return p.Where + ": " + p.Message }

// Gap is a resource bulkhead could not read from a live cluster.
type Gap struct {
	// Resource is the plural resource name, with group ("networkpolicies",
	// "adminnetworkpolicies.policy.networking.k8s.io").
	Resource string `json:"resource"`
	// Reason is "forbidden", "not served" or the error text.
	Reason string `json:"reason"`
}

// SyntheticAnnotation marks a pod that Normalize derived from a workload
// controller because no real pod of it existed. Its value is "Kind/name".
const SyntheticAnnotation = "bulkhead.dev/representative-of"

// IsSynthetic reports whether a pod was derived from a controller template.
// A pod with a status was read from a cluster: whatever annotations its
// author gave it, it is real (else a pod annotated so would be taken for
// a template and left out where the API server refuses templates).
func IsSynthetic(p *corev1.Pod) bool {
	_, ok := p.Annotations[SyntheticAnnotation]
	return ok && p.Status.Phase == ""
}

// Workload names what a pod stands for in findings: for a representative
// pod, the kind and name of its controller; for any other pod, "Pod" and
// its own name.
func Workload(p *corev1.Pod) (kind, name string) {
	if !IsSynthetic(p) {
		return "Pod", p.Name
	}
	if kind, name, ok := strings.Cut(p.Annotations[SyntheticAnnotation], "/"); ok {
		return kind, name
	}
	return "Pod", p.Name
}

// Owner names the workload whose owner fixes a pod: the controller a
// representative pod stands for; for a running pod, its controlling owner
// (the reference marked controller, as the controllers write it), a
// ReplicaSet named for a Deployment (its name the Deployment's and the
// pod's pod-template-hash) taken for that Deployment; otherwise the pod
// itself. Snapshot.Owners goes on from a CronJob's Job to the CronJob.
func Owner(p *corev1.Pod) (kind, name string) {
	if IsSynthetic(p) {
		return Workload(p)
	}
	owner := metav1.GetControllerOfNoCopy(p)
	if owner == nil || owner.Name == "" || owner.Kind == "" {
		return "Pod", p.Name
	}
	if hash := p.Labels["pod-template-hash"]; owner.Kind == "ReplicaSet" && hash != "" {
		if deploy, ok := strings.CutSuffix(owner.Name, "-"+hash); ok && deploy != "" {
			return "Deployment", deploy
		}
	}
	return owner.Kind, owner.Name
}

// Owners returns Owner for the snapshot's pods, which goes from a
// ReplicaSet the snapshot holds to its Deployment by the ReplicaSet's own
// controller (a ReplicaSet of none is its own workload, whatever its
// name), and from a Job to the CronJob that made it: the Job's controller when the snapshot
// holds the Job, else a CronJob of the namespace whose name and a number
// make the Job's (as the CronJob controller names its Jobs). So a
// CronJob's pods are the CronJob's, run after run.
func (s *Snapshot) Owners() func(*corev1.Pod) (kind, name string) {
	jobs := controllersOf(s.Jobs, "CronJob")
	sets := controllersOf(s.ReplicaSets, "Deployment")
	crons := map[[2]string]bool{}
	for i := range s.CronJobs {
		crons[[2]string{s.CronJobs[i].Namespace, s.CronJobs[i].Name}] = true
	}
	return func(p *corev1.Pod) (string, string) {
		// A ReplicaSet the snapshot holds says itself whose it is; the
		// pod-template-hash is for one it does not hold.
		if ref := metav1.GetControllerOfNoCopy(p); ref != nil && ref.Kind == "ReplicaSet" && !IsSynthetic(p) {
			if deploy, ok := sets[[2]string{p.Namespace, ref.Name}]; ok {
				if deploy != "" {
					return "Deployment", deploy
				}
				return "ReplicaSet", ref.Name
			}
		}
		kind, name := Owner(p)
		if kind != "Job" {
			return kind, name
		}
		if cron, ok := jobs[[2]string{p.Namespace, name}]; ok {
			if cron != "" {
				return "CronJob", cron
			}
			return kind, name
		}
		if i := strings.LastIndexByte(name, '-'); i > 0 && isDigits(name[i+1:]) && crons[[2]string{p.Namespace, name[:i]}] {
			return "CronJob", name[:i]
		}
		return kind, name
	}
}

// controllersOf maps objects by namespace and name to the name of their
// controller of kind, "" for none.
func controllersOf[T any, PT interface {
	*T
	metav1.Object
}](objs []T, kind string) map[[2]string]string {
	out := make(map[[2]string]string, len(objs))
	for i := range objs {
		o := PT(&objs[i])
		owner := ""
		if ref := metav1.GetControllerOfNoCopy(o); ref != nil && ref.Kind == kind {
			owner = ref.Name
		}
		out[[2]string{o.GetNamespace(), o.GetName()}] = owner
	}
	return out
}

func isDigits(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return s != ""
}

// Namespace returns the named namespace, or nil.
func (s *Snapshot) Namespace(name string) *corev1.Namespace {
	for i := range s.Namespaces {
		if s.Namespaces[i].Name == name {
			return &s.Namespaces[i]
		}
	}
	return nil
}

// NamespacesByName indexes the Namespaces by name.
func (s *Snapshot) NamespacesByName() map[string]*corev1.Namespace {
	out := make(map[string]*corev1.Namespace, len(s.Namespaces))
	for i := range s.Namespaces {
		out[s.Namespaces[i].Name] = &s.Namespaces[i]
	}
	return out
}

// HasGap reports whether the resource could not be read.
func (s *Snapshot) HasGap(resource string) bool {
	for _, g := range s.Gaps {
		if g.Resource == resource {
			return true
		}
	}
	return false
}
