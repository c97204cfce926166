package admission

import (
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/bulkhead-dev/bulkhead/internal/service"
	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
)

// serviceFields names the field each Service rule is about.
var serviceFields = map[string]func(*corev1.Service) string{
	service.IDExternalIPs:  func(s *corev1.Service) string { return "spec.externalIPs=" + strings.Join(s.Spec.ExternalIPs, ",") },
	service.IDExternalName: func(s *corev1.Service) string { return "spec.externalName=" + s.Spec.ExternalName },
	service.IDNodePort:     func(s *corev1.Service) string { return "spec.type=" + string(s.Spec.Type) },
}

// service judges a Service with the Service checks, among the snapshot's
// namespaces: external IPs, an ExternalName aliasing another tenant's
// namespace, node ports.
func (a *Admission) service(s *corev1.Service) []Violation {
	one := &snapshot.Snapshot{Namespaces: a.snap.Namespaces, Services: []corev1.Service{*s}}
	var out []Violation
	for _, f := range service.Analyze(one, a.ten) {
		field, ok := serviceFields[f.ID]
		if !ok {
			continue
		}
		out = append(out, Violation{
			Rule:   f.ID,
			Source: f.SourceTenant, Target: f.TargetTenant,
			Object: "Service " + s.Namespace + "/" + s.Name,
			Fields: []string{field(s)},
			Reason: f.Reason,
			Fix:    f.Remediation,
		})
	}
	return out
}
