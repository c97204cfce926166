package serve

import (
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	anp "sigs.k8s.io/network-policy-api/apis/v1alpha1"

	"github.com/bulkhead-dev/bulkhead/internal/tenancy"
)

// Names of the webhook configuration and its webhooks.
const (
	ConfigurationName = "bulkhead"
	TenantWebhook     = "tenants.bulkhead.dev"
	ClusterWebhook    = "cluster.bulkhead.dev"
	EndpointsWebhook  = "endpoints.bulkhead.dev"
)

// TimeoutSeconds bounds how long the API server waits for an answer.
const TimeoutSeconds = 3

// Endpoint says where the API server reaches the webhook: a Service (in
// a cluster) or a URL (a webhook outside the cluster, as in tests).
type Endpoint struct {
	Service *admissionregistrationv1.ServiceReference
	URL     string
	// CABundle is the PEM of the CA that signed the serving certificate;
	// empty for one injected later (bulkhead serve --inject-ca-bundle, or
	// cert-manager's cainjector).
	CABundle []byte
}

// WebhookConfiguration is the ValidatingWebhookConfiguration of the
// webhook, safe by construction:
//
//   - tenants.bulkhead.dev judges pods (and their ephemeral containers),
//     workload controllers, Roles, RoleBindings, ServiceAccounts,
//     Services, NetworkPolicies, Ingresses and namespaces (with their
//     status and finalize
//     subresources) with failurePolicy Fail, but only in tenant
//     namespaces: its namespaceSelector leaves out the system namespaces (by
//     kubernetes.io/metadata.name, which the API server sets and nobody
//     can change), so kube-system, kube-node-lease and bulkhead's own
//     namespace keep working while the webhook is down;
//   - cluster.bulkhead.dev judges ClusterRoles, ClusterRoleBindings,
//     AdminNetworkPolicies and BaselineAdminNetworkPolicies, which are in
//     no namespace, with failurePolicy Ignore: the control plane's own
//     RBAC writes (and a cluster admin's policies) never wait for
//     bulkhead;
//   - endpoints.bulkhead.dev judges Endpoints and EndpointSlices in the
//     same tenant namespaces with failurePolicy Ignore: the endpoints
//     controllers write them at every readiness change, and a webhook
//     that is down must not stop a Service from dropping a dead pod;
//   - none ever intercepts leases, events, nodes or token reviews, and
//     all answer within TimeoutSeconds or not at all.
func WebhookConfiguration(ep Endpoint, systemNamespaces []string) *admissionregistrationv1.ValidatingWebhookConfiguration {
	if systemNamespaces == nil {
		systemNamespaces = tenancy.DefaultSystemNamespaces
	}
	cc := admissionregistrationv1.WebhookClientConfig{CABundle: ep.CABundle}
	if ep.Service != nil {
		s := *ep.Service
		s.Path = ptr.To(Path)
		cc.Service = &s
	} else {
		cc.URL = ptr.To(ep.URL + Path)
	}
	none := admissionregistrationv1.SideEffectClassNone
	equivalent := admissionregistrationv1.Equivalent
	write := []admissionregistrationv1.OperationType{admissionregistrationv1.Create, admissionregistrationv1.Update}
	ruleAt := func(group, version string, resources ...string) admissionregistrationv1.RuleWithOperations {
		scope := admissionregistrationv1.AllScopes
		return admissionregistrationv1.RuleWithOperations{Operations: write, Rule: admissionregistrationv1.Rule{
			APIGroups: []string{group}, APIVersions: []string{version}, Resources: resources, Scope: &scope}}
	}
	rule := func(group string, resources ...string) admissionregistrationv1.RuleWithOperations {
		return ruleAt(group, "v1", resources...)
	}
	hook := func(name string, fail admissionregistrationv1.FailurePolicyType, rules ...admissionregistrationv1.RuleWithOperations) admissionregistrationv1.ValidatingWebhook {
		return admissionregistrationv1.ValidatingWebhook{
			Name:                    name,
			ClientConfig:            cc,
			Rules:                   rules,
			FailurePolicy:           ptr.To(fail),
			MatchPolicy:             &equivalent,
			SideEffects:             &none,
			TimeoutSeconds:          ptr.To(int32(TimeoutSeconds)),
			AdmissionReviewVersions: []string{"v1"},
		}
	}
	tenants := hook(TenantWebhook, admissionregistrationv1.Fail,
		rule("", "pods", "pods/ephemeralcontainers", "services", "serviceaccounts", "persistentvolumeclaims", "namespaces", "namespaces/status", "namespaces/finalize"),
		rule("apps", "deployments", "statefulsets", "daemonsets", "replicasets"),
		rule("batch", "jobs", "cronjobs"),
		rule("rbac.authorization.k8s.io", "roles", "rolebindings"),
		rule("networking.k8s.io", "networkpolicies", "ingresses"),
	)
	tenants.NamespaceSelector = &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{
		Key: "kubernetes.io/metadata.name", Operator: metav1.LabelSelectorOpNotIn, Values: append([]string(nil), systemNamespaces...),
	}}}
	cluster := hook(ClusterWebhook, admissionregistrationv1.Ignore,
		rule("rbac.authorization.k8s.io", "clusterroles", "clusterrolebindings"),
		ruleAt(anp.GroupVersion.Group, anp.GroupVersion.Version, "adminnetworkpolicies", "baselineadminnetworkpolicies"),
	)
	endpoints := hook(EndpointsWebhook, admissionregistrationv1.Ignore, rule("", "endpoints"), rule("discovery.k8s.io", "endpointslices"))
	endpoints.NamespaceSelector = tenants.NamespaceSelector.DeepCopy()
	return &admissionregistrationv1.ValidatingWebhookConfiguration{
		TypeMeta:   metav1.TypeMeta{APIVersion: "admissionregistration.k8s.io/v1", Kind: "ValidatingWebhookConfiguration"},
		ObjectMeta: metav1.ObjectMeta{Name: ConfigurationName, Labels: map[string]string{"app.kubernetes.io/name": "bulkhead"}},
		Webhooks:   []admissionregistrationv1.ValidatingWebhook{tenants, cluster, endpoints},
	}
}
