package rbac

import (
	"slices"
	"strings"

	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
)

// APIResource is one built-in resource type, enough to resolve what a user
// types (pods, po, Pod, deployments.apps, deployments.v1.apps) without
// discovery.
type APIResource struct {
	Group      string
	Version    string
	Resource   string // plural
	Kind       string
	ShortNames []string
	Namespaced bool
}

// builtinResources are the resources a v1.32 kube-apiserver serves by
// default, in discovery's group order (core first), plus the network policy
// API's CRDs that bulkhead models. When two groups serve the same name
// (events), the first wins, as with kubectl.
var builtinResources = []APIResource{
	{"", "v1", "bindings", "Binding", nil, true},
	{"", "v1", "componentstatuses", "ComponentStatus", []string{"cs"}, false},
	{"", "v1", "configmaps", "ConfigMap", []string{"cm"}, true},
	{"", "v1", "endpoints", "Endpoints", []string{"ep"}, true},
	{"", "v1", "events", "Event", []string{"ev"}, true},
	{"", "v1", "limitranges", "LimitRange", []string{"limits"}, true},
	{"", "v1", "namespaces", "Namespace", []string{"ns"}, false},
	{"", "v1", "nodes", "Node", []string{"no"}, false},
	{"", "v1", "persistentvolumeclaims", "PersistentVolumeClaim", []string{"pvc"}, true},
	{"", "v1", "persistentvolumes", "PersistentVolume", []string{"pv"}, false},
	{"", "v1", "pods", "Pod", []string{"po"}, true},
	{"", "v1", "podtemplates", "PodTemplate", nil, true},
	{"", "v1", "replicationcontrollers", "ReplicationController", []string{"rc"}, true},
	{"", "v1", "resourcequotas", "ResourceQuota", []string{"quota"}, true},
	{"", "v1", "secrets", "Secret", nil, true},
	{"", "v1", "serviceaccounts", "ServiceAccount", []string{"sa"}, true},
	{"", "v1", "services", "Service", []string{"svc"}, true},
	{"apiregistration.k8s.io", "v1", "apiservices", "APIService", nil, false},
	{"apps", "v1", "controllerrevisions", "ControllerRevision", nil, true},
	{"apps", "v1", "daemonsets", "DaemonSet", []string{"ds"}, true},
	{"apps", "v1", "deployments", "Deployment", []string{"deploy"}, true},
	{"apps", "v1", "replicasets", "ReplicaSet", []string{"rs"}, true},
	{"apps", "v1", "statefulsets", "StatefulSet", []string{"sts"}, true},
	{"events.k8s.io", "v1", "events", "Event", []string{"ev"}, true},
	{"authentication.k8s.io", "v1", "selfsubjectreviews", "SelfSubjectReview", nil, false},
	{"authentication.k8s.io", "v1", "tokenreviews", "TokenReview", nil, false},
	{"authorization.k8s.io", "v1", "localsubjectaccessreviews", "LocalSubjectAccessReview", nil, true},
	{"authorization.k8s.io", "v1", "selfsubjectaccessreviews", "SelfSubjectAccessReview", nil, false},
	{"authorization.k8s.io", "v1", "selfsubjectrulesreviews", "SelfSubjectRulesReview", nil, false},
	{"authorization.k8s.io", "v1", "subjectaccessreviews", "SubjectAccessReview", nil, false},
	{"autoscaling", "v2", "horizontalpodautoscalers", "HorizontalPodAutoscaler", []string{"hpa"}, true},
	{"batch", "v1", "cronjobs", "CronJob", []string{"cj"}, true},
	{"batch", "v1", "jobs", "Job", nil, true},
	{"certificates.k8s.io", "v1", "certificatesigningrequests", "CertificateSigningRequest", []string{"csr"}, false},
	{"networking.k8s.io", "v1", "ingressclasses", "IngressClass", nil, false},
	{"networking.k8s.io", "v1", "ingresses", "Ingress", []string{"ing"}, true},
	{"networking.k8s.io", "v1", "networkpolicies", "NetworkPolicy", []string{"netpol"}, true},
	{"policy", "v1", "poddisruptionbudgets", "PodDisruptionBudget", []string{"pdb"}, true},
	{"rbac.authorization.k8s.io", "v1", "clusterrolebindings", "ClusterRoleBinding", nil, false},
	{"rbac.authorization.k8s.io", "v1", "clusterroles", "ClusterRole", nil, false},
	{"rbac.authorization.k8s.io", "v1", "rolebindings", "RoleBinding", nil, true},
	{"rbac.authorization.k8s.io", "v1", "roles", "Role", nil, true},
	{"storage.k8s.io", "v1", "csidrivers", "CSIDriver", nil, false},
	{"storage.k8s.io", "v1", "csinodes", "CSINode", nil, false},
	{"storage.k8s.io", "v1", "csistoragecapacities", "CSIStorageCapacity", nil, true},
	{"storage.k8s.io", "v1", "storageclasses", "StorageClass", []string{"sc"}, false},
	{"storage.k8s.io", "v1", "volumeattachments", "VolumeAttachment", nil, false},
	{"admissionregistration.k8s.io", "v1", "mutatingwebhookconfigurations", "MutatingWebhookConfiguration", nil, false},
	{"admissionregistration.k8s.io", "v1", "validatingadmissionpolicies", "ValidatingAdmissionPolicy", nil, false},
	{"admissionregistration.k8s.io", "v1", "validatingadmissionpolicybindings", "ValidatingAdmissionPolicyBinding", nil, false},
	{"admissionregistration.k8s.io", "v1", "validatingwebhookconfigurations", "ValidatingWebhookConfiguration", nil, false},
	{"apiextensions.k8s.io", "v1", "customresourcedefinitions", "CustomResourceDefinition", []string{"crd", "crds"}, false},
	{"scheduling.k8s.io", "v1", "priorityclasses", "PriorityClass", []string{"pc"}, false},
	{"coordination.k8s.io", "v1", "leases", "Lease", nil, true},
	{"node.k8s.io", "v1", "runtimeclasses", "RuntimeClass", nil, false},
	{"discovery.k8s.io", "v1", "endpointslices", "EndpointSlice", nil, true},
	{"flowcontrol.apiserver.k8s.io", "v1", "flowschemas", "FlowSchema", nil, false},
	{"flowcontrol.apiserver.k8s.io", "v1", "prioritylevelconfigurations", "PriorityLevelConfiguration", nil, false},
	{"policy.networking.k8s.io", "v1alpha1", "adminnetworkpolicies", "AdminNetworkPolicy", []string{"anp"}, false},
	{"policy.networking.k8s.io", "v1alpha1", "baselineadminnetworkpolicies", "BaselineAdminNetworkPolicy", []string{"banp"}, false},
}

// LookupResource resolves a resource argument as kubectl's REST mapper does
// for built-in types: TYPE[.VERSION][.GROUP], where TYPE is a plural, a
// singular (the lowercased kind) or a short name, case-insensitively. "*"
// stands for every resource. It returns false for a type it does not know.
//
// Custom resources (the input's CustomResourceDefinitions) come after the
// built-in ones, as discovery lists them.
func LookupResource(arg string, custom ...snapshot.CustomResource) (APIResource, bool) {
	if arg == "*" {
		return APIResource{Resource: "*", Namespaced: true}, true
	}
	arg = strings.ToLower(arg)
	table := builtinResources
	if len(custom) > 0 {
		table = append(slices.Clone(builtinResources), customResources(custom)...)
	}
	// kubectl first tries the arg as resource.version.group, then as
	// resource.group.
	if parts := strings.SplitN(arg, ".", 3); len(parts) == 3 {
		if r, ok := findResource(table, parts[0], parts[2], parts[1]); ok {
			return r, true
		}
	}
	name, group, _ := strings.Cut(arg, ".")
	return findResource(table, name, group, "")
}

// customResources lists the resource types of CustomResourceDefinitions,
// one per served version, the storage version first.
func customResources(crs []snapshot.CustomResource) []APIResource {
	var out []APIResource
	for _, c := range crs {
		versions := c.Versions
		if len(versions) == 0 {
			versions = []string{""}
		}
		for _, v := range versions {
			// The singular name resolves like a short name.
			names := slices.Clone(c.ShortNames)
			if c.Singular != "" {
				names = append(names, strings.ToLower(c.Singular))
			}
			out = append(out, APIResource{Group: c.Group, Version: v, Resource: c.Resource, Kind: c.Kind,
				ShortNames: names, Namespaced: c.Namespaced})
		}
	}
	return out
}

// SplitResourceArg returns the resource and group an argument names when
// it is taken literally: "foos.example.com" is resource foos of group
// example.com.
func SplitResourceArg(arg string) (resource, group string) {
	resource, group, _ = strings.Cut(arg, ".")
	return resource, group
}

// findResource finds a resource by plural, singular or short name in a
// group ("" for any group, core first) and version ("" for any).
func findResource(table []APIResource, name, group, version string) (APIResource, bool) {
	for _, r := range table {
		if (group != "" && r.Group != group) || (version != "" && r.Version != version) {
			continue
		}
		if r.Resource == name || strings.ToLower(r.Kind) == name || contains(r.ShortNames, name) {
			return r, true
		}
	}
	return APIResource{}, false
}
