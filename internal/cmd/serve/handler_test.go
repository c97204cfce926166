package serve

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

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
		{"warn", synced(admission.Config{Rules: map[string]admission.Mode{node.IDNodeEscape: admission.Warn}}), review(t, privileged("a-web"), "Pod", "a-web"), true, http.StatusOK, "", "BH-NODE-001 (tenant a", ""},
		{"audit", synced(admission.Config{Rules: map[string]admission.Mode{node.IDNodeEscape: admission.Audit}}), review(t, privileged("a-web"), "Pod", "a-web"), true, http.StatusOK, "", "", "BH-NODE-001 (tenant a"},
		{"malformed object", synced(admission.Config{}), func() cradmission.Request {
			r := review(t, privileged("a-web"), "Pod", "a-web")
			r.Object.Raw = []byte(`{"spec": 7}`)
			return r
		}(), false, http.StatusBadRequest, "object: decode Pod", "", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := &Handler{decisions: c.state.decisions, log: log}
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
