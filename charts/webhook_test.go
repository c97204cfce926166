package charts

import (
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/utils/ptr"

	"github.com/bulkhead-dev/bulkhead/internal/cmd/serve"
	"github.com/bulkhead-dev/bulkhead/internal/tenancy"
)

// webhookCases are the values the webhook configuration is checked
// under: the defaults and the overrides that change it.
var webhookCases = []struct {
	name, values, namespace string
	// excluded is the namespaceSelector's NotIn list the chart must give.
	excluded []string
	fail     admissionregistrationv1.FailurePolicyType
	timeout  int32
}{
	{
		name: "defaults", values: withImage, namespace: "bulkhead-system",
		excluded: tenancy.DefaultSystemNamespaces, fail: admissionregistrationv1.Fail, timeout: 3,
	},
	{
		name: "another release namespace", values: withImage, namespace: "platform-bulkhead",
		excluded: []string{"kube-system", "kube-public", "kube-node-lease", "bulkhead-system", "platform-bulkhead"},
		fail:     admissionregistrationv1.Fail, timeout: 3,
	},
	{
		name:      "excluded namespaces added",
		values:    withImage + "webhook: {excludedNamespaces: [ingress-nginx, monitoring, kube-system]}\n",
		namespace: "bulkhead-system",
		excluded:  []string{"kube-system", "kube-public", "kube-node-lease", "bulkhead-system", "ingress-nginx", "monitoring"},
		fail:      admissionregistrationv1.Fail, timeout: 3,
	},
	{
		name:      "system namespaces declared",
		values:    withImage + "systemNamespaces: [calico-system, tigera-operator]\n",
		namespace: "bulkhead-system",
		excluded:  []string{"kube-system", "kube-public", "kube-node-lease", "bulkhead-system", "calico-system", "tigera-operator"},
		fail:      admissionregistrationv1.Fail, timeout: 3,
	},
	{
		name: "shorter timeout, Ignore", values: withImage + "webhook: {timeoutSeconds: 1, failurePolicy: Ignore}\n", namespace: "bulkhead-system",
		excluded: tenancy.DefaultSystemNamespaces, fail: admissionregistrationv1.Ignore, timeout: 1,
	},
	{
		name: "controller and tenant label", values: withImage + "controller: {enabled: true}\ntenantLabel: tenant\n", namespace: "bulkhead-system",
		excluded: tenancy.DefaultSystemNamespaces, fail: admissionregistrationv1.Fail, timeout: 3,
	},
}

// The chart's ValidatingWebhookConfiguration is serve.WebhookConfiguration's
// for the chart's Service and excluded namespaces, with the tenant
// webhook's failurePolicy and both timeouts as set in values.
func TestWebhookConfigurationIsGenerated(t *testing.T) {
	for _, tc := range webhookCases {
		t.Run(tc.name, func(t *testing.T) {
			got := get[*admissionregistrationv1.ValidatingWebhookConfiguration](t, mustRender(t, tc.values, tc.namespace), "ValidatingWebhookConfiguration/"+serve.ConfigurationName)
			want := serve.WebhookConfiguration(serve.Endpoint{Service: &admissionregistrationv1.ServiceReference{
				Namespace: tc.namespace, Name: "bulkhead-webhook", Port: ptr.To[int32](443),
			}}, tc.excluded)
			for i := range want.Webhooks {
				want.Webhooks[i].TimeoutSeconds = ptr.To(tc.timeout)
				if want.Webhooks[i].Name == serve.TenantWebhook {
					want.Webhooks[i].FailurePolicy = ptr.To(tc.fail)
				}
			}
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("the chart's webhook configuration differs from serve.WebhookConfiguration's (-generated +chart):\n%s", d)
			}
		})
	}
}

// Whatever the values, the rendered configuration keeps the safety
// properties of docs/webhook.md: failurePolicy Fail only behind a
// namespaceSelector that leaves out the system namespaces, the release's
// namespace and the configured ones; Ignore for cluster-scoped kinds;
// at most 3 s; never leases, events, nodes, reviews or deletions.
func TestWebhookConfigurationSafety(t *testing.T) {
	never := []string{"leases", "events", "nodes", "tokenreviews", "subjectaccessreviews", "*"}
	clusterScoped := []string{"clusterrolebindings", "namespaces", "namespaces/status", "namespaces/finalize"}
	for _, tc := range webhookCases {
		t.Run(tc.name, func(t *testing.T) {
			vwc := get[*admissionregistrationv1.ValidatingWebhookConfiguration](t, mustRender(t, tc.values, tc.namespace), "ValidatingWebhookConfiguration/"+serve.ConfigurationName)
			if len(vwc.Webhooks) == 0 {
				t.Fatal("no webhooks")
			}
			for _, w := range vwc.Webhooks {
				if w.TimeoutSeconds == nil || *w.TimeoutSeconds > 3 || *w.TimeoutSeconds < 1 {
					t.Errorf("%s: timeoutSeconds %v, want 1 to 3", w.Name, w.TimeoutSeconds)
				}
				if w.FailurePolicy == nil {
					t.Fatalf("%s: no failurePolicy (the API server defaults it to Fail)", w.Name)
				}
				if w.ClientConfig.Service == nil || w.ClientConfig.Service.Namespace != tc.namespace || w.ClientConfig.Service.Name != "bulkhead-webhook" {
					t.Errorf("%s: sent to %+v, not the chart's Service", w.Name, w.ClientConfig.Service)
				}
				fail := *w.FailurePolicy == admissionregistrationv1.Fail
				if fail {
					sel, err := metav1.LabelSelectorAsSelector(w.NamespaceSelector)
					if err != nil || w.NamespaceSelector == nil {
						t.Fatalf("%s: failurePolicy Fail with namespaceSelector %v (%v)", w.Name, w.NamespaceSelector, err)
					}
					for _, ns := range tc.excluded {
						if sel.Matches(labels.Set{"kubernetes.io/metadata.name": ns}) {
							t.Errorf("%s: failurePolicy Fail, but namespace %s is intercepted", w.Name, ns)
						}
					}
					if !sel.Matches(labels.Set{"kubernetes.io/metadata.name": "team-a"}) {
						t.Errorf("%s: tenant namespace team-a is left out", w.Name)
					}
				}
				for _, r := range w.Rules {
					for _, res := range r.Resources {
						base, _, _ := strings.Cut(res, "/")
						if slices.Contains(never, base) {
							t.Errorf("%s: intercepts %s", w.Name, res)
						}
						if fail && slices.Contains(clusterScoped, res) && base != "namespaces" {
							t.Errorf("%s: cluster-scoped %s with failurePolicy Fail", w.Name, res)
						}
					}
					if slices.Contains(r.Operations, admissionregistrationv1.Delete) || slices.Contains(r.Operations, admissionregistrationv1.OperationAll) {
						t.Errorf("%s: intercepts deletions: %v", w.Name, r.Operations)
					}
				}
			}
		})
	}
}

// Values that would make the webhook unsafe, or the chart unusable, are
// refused at render time with a message naming the value.
func TestRenderRefuses(t *testing.T) {
	for _, tc := range []struct{ name, values, want string }{
		{"timeout 5", withImage + "webhook: {timeoutSeconds: 5}\n", "webhook.timeoutSeconds: 5: must be a whole number of seconds from 1 to 3"},
		{"timeout 0", withImage + "webhook: {timeoutSeconds: 0}\n", "webhook.timeoutSeconds: 0"},
		{"timeout 2.5", withImage + "webhook: {timeoutSeconds: 2.5}\n", "webhook.timeoutSeconds: 2.5"},
		{"timeout a string", withImage + "webhook: {timeoutSeconds: \"3s\"}\n", "webhook.timeoutSeconds: 3s"},
		{"timeout null", withImage + "webhook: {timeoutSeconds: null}\n", "webhook.timeoutSeconds"},
		{"failurePolicy", withImage + "webhook: {failurePolicy: fail}\n", `webhook.failurePolicy: "fail": must be Fail or Ignore`},
		{"excluded namespace not a name", withImage + "webhook: {excludedNamespaces: [Kube_System]}\n", `"Kube_System" is not a namespace name`},
		{"no image", "", "publishes no image yet"},
		{"no image tag", "image: {repository: registry.example/bulkhead}\n", "publishes no image yet"},
		{"no replicas", withImage + "replicas: 0\n", "replicas: at least 1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := render(t, tc.values, "bulkhead-system")
			if err == nil {
				t.Fatalf("rendered; want an error with %q", tc.want)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q, want it to contain %q", err, tc.want)
			}
		})
	}
}
