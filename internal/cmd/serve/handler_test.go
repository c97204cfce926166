package serve

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/go-logr/logr"
	"github.com/go-logr/logr/funcr"
	admissionv1 "k8s.io/api/admission/v1"
	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/ptr"
	cradmission "sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	"github.com/bulkhead-dev/bulkhead/internal/admission"
	"github.com/bulkhead-dev/bulkhead/internal/node"
	"github.com/bulkhead-dev/bulkhead/internal/tenancy"
)

const tenantLabel = "bulkhead.dev/tenant"

func namespace(name, tenant string) *corev1.Namespace {
	return &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{tenantLabel: tenant, "kubernetes.io/metadata.name": name}}}
}

func privileged(ns string) *corev1.Pod {
	return &corev1.Pod{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: metav1.ObjectMeta{Name: "busybox", Namespace: ns},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "shell", Image: "busybox",
			SecurityContext: &corev1.SecurityContext{Privileged: ptr.To(true)}}}},
	}
}

// synced is a state holding namespaces a-web (tenant a), b-app (tenant b)
// and kube-system, its caches marked synced.
func synced(cfg admission.Config) *state {
	s := newState(tenancy.Config{Label: tenantLabel}, cfg)
	for _, ns := range []*corev1.Namespace{namespace("a-web", "a"), namespace("b-app", "b"), {ObjectMeta: metav1.ObjectMeta{Name: "kube-system"}}} {
		s.apply(ns)
	}
	s.markSynced()
	return s
}

func review(t *testing.T, obj runtime.Object, kind string, namespace string) cradmission.Request {
	t.Helper()
	raw, err := json.Marshal(obj)
	if err != nil {
		t.Fatal(err)
	}
	return cradmission.Request{AdmissionRequest: admissionv1.AdmissionRequest{
		UID:       "1",
		Kind:      metav1.GroupVersionKind{Version: "v1", Kind: kind},
		Operation: admissionv1.Create,
		Namespace: namespace,
		Name:      "busybox",
		Object:    runtime.RawExtension{Raw: raw},
		UserInfo:  authenticationUser("alice"),
	}}
}

// TestHandle calls the controller-runtime handler as the webhook server
// does, with the requests the API server sends.
func TestHandle(t *testing.T) {
	var logged []string
	log := funcr.New(func(prefix, args string) { logged = append(logged, prefix+" "+args) }, funcr.Options{})
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "x", Namespace: "a-web"}}
	for _, c := range []struct {
		name    string
		state   *state
		req     cradmission.Request
		allowed bool
		code    int32
		message string
		warning string
		audit   string
	}{
		{"privileged pod in a tenant namespace", synced(admission.Config{}), review(t, privileged("a-web"), "Pod", "a-web"), false, http.StatusForbidden, "BH-NODE-001 (tenant a → its node and every tenant on it): Pod a-web/busybox would be root on its node", "", ""},
		{"privileged pod in kube-system", synced(admission.Config{}), review(t, privileged("kube-system"), "Pod", "kube-system"), true, http.StatusOK, "", "", ""},
		{"a kind it does not judge", synced(admission.Config{}), review(t, cm, "ConfigMap", "a-web"), true, http.StatusOK, "", "", ""},
		{"before the caches synced", newState(tenancy.Config{}, admission.Config{}), review(t, privileged("a-web"), "Pod", "a-web"), false, http.StatusForbidden, "BH-ADM-002: bulkhead cannot judge Pod a-web/busybox yet", "", ""},
		{"an exempt user before the caches synced", newState(tenancy.Config{}, admission.Config{Exempt: admission.Exempt{Users: []string{"alice"}}}), review(t, privileged("a-web"), "Pod", "a-web"), true, http.StatusOK, "", "", ""},
		{"warn", synced(admission.Config{Rules: map[string]admission.Mode{node.IDNodeEscape: admission.Warn}}), review(t, privileged("a-web"), "Pod", "a-web"), true, http.StatusOK, "", "BH-NODE-001 (tenant a", ""},
		{"audit", synced(admission.Config{Rules: map[string]admission.Mode{node.IDNodeEscape: admission.Audit}}), review(t, privileged("a-web"), "Pod", "a-web"), true, http.StatusOK, "", "", "BH-NODE-001 (tenant a"},
		{"a create without its object", synced(admission.Config{}), func() cradmission.Request {
			r := review(t, privileged("a-web"), "Pod", "a-web")
			r.Object.Raw = nil
			return r
		}(), false, http.StatusBadRequest, "a CREATE of Pod without its object", "", ""},
		{"malformed object", synced(admission.Config{}), func() cradmission.Request {
			r := review(t, privileged("a-web"), "Pod", "a-web")
			r.Object.Raw = []byte(`{"spec": 7}`)
			return r
		}(), false, http.StatusBadRequest, "object: decode Pod", "", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := &Handler{decisions: c.state.decisions, config: &c.state.config, log: log}
			resp := h.Handle(context.Background(), c.req)
			if resp.Allowed != c.allowed || resp.Result.Code != c.code {
				t.Errorf("allowed %v code %d, want %v %d: %+v", resp.Allowed, resp.Result.Code, c.allowed, c.code, resp.Result)
			}
			if !strings.Contains(resp.Result.Message, c.message) {
				t.Errorf("message %q, want it to contain %q", resp.Result.Message, c.message)
			}
			if c.warning == "" && len(resp.Warnings) > 0 || c.warning != "" && (len(resp.Warnings) != 1 || !strings.HasPrefix(resp.Warnings[0], c.warning)) {
				t.Errorf("warnings %q, want one starting %q", resp.Warnings, c.warning)
			}
			if got := resp.AuditAnnotations["bh-node-001"]; !strings.HasPrefix(got, c.audit) || (c.audit == "") != (got == "") {
				t.Errorf("audit annotations %v, want bh-node-001 starting %q", resp.AuditAnnotations, c.audit)
			}
		})
	}
	t.Run("a panic is a logged denial", func(t *testing.T) {
		logged = nil
		h := &Handler{decisions: func() (*admission.Admission, error) { panic("boom") }, log: log}
		resp := h.Handle(context.Background(), review(t, privileged("a-web"), "Pod", "a-web"))
		if resp.Allowed || !strings.Contains(resp.Result.Message, "internal error") {
			t.Errorf("response %+v, want a denial", resp.Result)
		}
		if len(logged) != 1 || !strings.Contains(logged[0], "boom") {
			t.Errorf("logged %q, want the panic", logged)
		}
	})
}

func authenticationUser(name string) authenticationv1.UserInfo {
	return authenticationv1.UserInfo{Username: name, Groups: []string{"system:authenticated"}}
}

// TestHandleLiveTenancy: the tenancy of a running cluster passes through
// states a snapshot's would be refused in, and the webhook keeps judging
// through them: the tenant label on no namespace yet (a fresh install),
// and a namespace two tenants of the file claim, which denies what goes
// into that namespace only.
func TestHandleLiveTenancy(t *testing.T) {
	plain := func(name string, labels map[string]string) *corev1.Namespace {
		return &corev1.Namespace{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Namespace"}, ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels}}
	}
	handle := func(s *state, req cradmission.Request) cradmission.Response {
		h := &Handler{decisions: s.decisions, config: &s.config, log: logr.Discard()}
		return h.Handle(context.Background(), req)
	}

	t.Run("the tenant label on no namespace yet", func(t *testing.T) {
		s := newState(tenancy.Config{Label: tenantLabel}, admission.Config{})
		s.apply(plain("default", nil))
		s.apply(plain("kube-system", nil))
		s.markSynced()
		first := review(t, namespace("team-a", "a"), "Namespace", "")
		first.Name = "team-a"
		if resp := handle(s, first); !resp.Allowed {
			t.Errorf("the first tenant namespace denied: %s", resp.Result.Message)
		}
		if resp := handle(s, review(t, privileged("default"), "Pod", "default")); resp.Allowed || !strings.Contains(resp.Result.Message, "BH-NODE-001") {
			t.Errorf("a privileged pod in default: allowed %v, %q; want BH-NODE-001", resp.Allowed, resp.Result.Message)
		}
	})

	t.Run("a namespace two tenants claim", func(t *testing.T) {
		file, err := tenancy.ParseFile([]byte("tenants:\n- {name: a, selector: {matchLabels: {team: a}}}\n- {name: p, selector: {matchLabels: {env: prod}}}\n"))
		if err != nil {
			t.Fatal(err)
		}
		s := newState(tenancy.Config{File: file}, admission.Config{})
		s.apply(plain("ns-a", map[string]string{"team": "a", "env": "prod"}))
		s.apply(plain("ns-p", map[string]string{"env": "prod"}))
		s.apply(plain("kube-system", nil))
		s.markSynced()
		svc := &corev1.Service{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Service"}, ObjectMeta: metav1.ObjectMeta{Name: "s", Namespace: "ns-p"},
			Spec: corev1.ServiceSpec{Ports: []corev1.ServicePort{{Port: 80}}}}
		if resp := handle(s, review(t, svc, "Service", "ns-p")); !resp.Allowed {
			t.Errorf("a Service in another namespace denied: %s", resp.Result.Message)
		}
		svc.Namespace = "ns-a"
		resp := handle(s, review(t, svc, "Service", "ns-a"))
		if resp.Allowed || !strings.Contains(resp.Result.Message, `namespace ns-a is claimed by tenants "a" (`) {
			t.Errorf("a Service in the contested namespace: allowed %v, %q", resp.Allowed, resp.Result.Message)
		}
		// Its owner fixes its labels: one tenant claims it again.
		fix := review(t, plain("ns-a", map[string]string{"team": "a"}), "Namespace", "")
		fix.Name, fix.Operation = "ns-a", admissionv1.Update
		old, err := json.Marshal(plain("ns-a", map[string]string{"team": "a", "env": "prod"}))
		if err != nil {
			t.Fatal(err)
		}
		fix.OldObject = runtime.RawExtension{Raw: old}
		if resp := handle(s, fix); !resp.Allowed {
			t.Errorf("the labels that end the contest denied: %s", resp.Result.Message)
		}
		// A new namespace both claim is still refused.
		both := review(t, plain("ns-b", map[string]string{"team": "a", "env": "prod"}), "Namespace", "")
		both.Name = "ns-b"
		if resp := handle(s, both); resp.Allowed || !strings.Contains(resp.Result.Message, "claimed by") {
			t.Errorf("a new namespace two tenants claim: allowed %v, %q", resp.Allowed, resp.Result.Message)
		}
	})
}
