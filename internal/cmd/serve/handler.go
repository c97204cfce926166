package serve

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/go-logr/logr"
	"k8s.io/apimachinery/pkg/runtime/schema"
	cradmission "sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	"github.com/bulkhead-dev/bulkhead/internal/admission"
)

// Path is where the webhook server answers admission reviews.
const Path = "/validate"

// decider returns the decisions over the current snapshot, or an error
// while there is none (the caches have not synced).
type decider func() (*admission.Admission, error)

// Handler answers the API server's admission reviews with
// admission.Decide. It never calls the API server: the decisions read the
// informers' snapshot. A panic while judging is logged and answered with
// a denial, and so is a request that arrives before the caches synced.
// Each request is timed and its decision counted (metrics.go).
type Handler struct {
	decisions decider
	// config, when set, is the webhook configuration: its exempt users
	// and groups are admitted first, even while nothing else can be
	// judged (the caches syncing, the namespaces of a tenant contested),
	// so that an operator can always repair the cluster.
	config *admission.Config
	log    logr.Logger
}

var _ cradmission.Handler = (*Handler)(nil)

// Handle decides one request.
func (h *Handler) Handle(_ context.Context, req cradmission.Request) (resp cradmission.Response) {
	gvk := schema.GroupVersionKind(req.Kind)
	start := time.Now()
	defer func() {
		admissionSeconds.WithLabelValues(gvk.Kind, string(req.Operation)).Observe(time.Since(start).Seconds())
	}()
	defer func() {
		if r := recover(); r != nil {
			h.log.Error(fmt.Errorf("panic: %v", r), "judging a request failed; denied", "kind", gvk.Kind, "namespace", req.Namespace, "name", req.Name, "uid", req.UID)
			resp = cradmission.Denied(fmt.Sprintf("bulkhead could not judge %s (an internal error, logged) and denies it", admission.ObjectName(gvk.Kind, req.Namespace, req.Name)))
		}
	}()
	if !admission.Judged(gvk) {
		return cradmission.Allowed("")
	}
	if h.config != nil && h.config.Exempts(admission.User{Name: req.UserInfo.Username, Groups: req.UserInfo.Groups}) {
		return cradmission.Allowed("")
	}
	a, err := h.decisions()
	if err != nil {
		decisions.WithLabelValues(admission.IDUnresolved, metricDenied).Inc()
		return cradmission.Denied(fmt.Sprintf("%s: bulkhead cannot judge %s yet (%v) and denies it; retry shortly", admission.IDUnresolved, admission.ObjectName(gvk.Kind, req.Namespace, req.Name), err))
	}
	r, err := request(req)
	if err == nil && r.Object == nil && (r.Operation == admission.Create || r.Operation == admission.Update) {
		err = fmt.Errorf("a %s of %s without its object", r.Operation, gvk.Kind) // never from the API server
	}
	if err != nil {
		h.log.Info("refused an undecodable request", "kind", gvk.Kind, "namespace", req.Namespace, "name", req.Name, "uid", req.UID, "error", err.Error())
		return cradmission.Errored(http.StatusBadRequest, err)
	}
	d := a.Decide(r)
	observeDecision(d, a.Config().DryRun)
	if !d.Allowed {
		resp = cradmission.Denied(d.Message)
	} else {
		resp = cradmission.Allowed("")
	}
	resp.Warnings = d.Warnings
	for _, v := range d.Violations {
		if v.Mode != admission.Audit {
			continue
		}
		if resp.AuditAnnotations == nil {
			resp.AuditAnnotations = map[string]string{}
		}
		resp.AuditAnnotations[strings.ToLower(v.Rule)] = v.Message()
		h.log.Info("audit", "rule", v.Rule, "message", v.Message(), "uid", req.UID)
	}
	if !d.Allowed {
		h.log.Info("denied", "kind", gvk.Kind, "namespace", req.Namespace, "name", req.Name, "user", req.UserInfo.Username, "message", d.Message)
	}
	return resp
}

// request reads an admission review's request into Decide's.
func request(req cradmission.Request) (admission.Request, error) {
	gvk := schema.GroupVersionKind(req.Kind)
	obj, err := admission.Decode(gvk, req.Object.Raw)
	if err != nil {
		return admission.Request{}, fmt.Errorf("object: %w", err)
	}
	old, err := admission.Decode(gvk, req.OldObject.Raw)
	if err != nil {
		return admission.Request{}, fmt.Errorf("old object: %w", err)
	}
	return admission.Request{
		Operation:   admission.Operation(req.Operation),
		Kind:        gvk,
		SubResource: req.SubResource,
		Namespace:   req.Namespace,
		Name:        req.Name,
		Object:      obj,
		OldObject:   old,
		User:        admission.User{Name: req.UserInfo.Username, Groups: req.UserInfo.Groups},
	}, nil
}
