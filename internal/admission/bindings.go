package admission

import (
	"fmt"

	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/bulkhead-dev/bulkhead/internal/finding"
)

// binding judges a RoleBinding or ClusterRoleBinding with the RBAC
// engine's per-binding checks, against the roles of the snapshot: grants
// across tenants, to every tenant, to broad groups, of dangerous
// permissions, and to a role that does not exist.
func (a *Admission) binding(obj runtime.Object) []Violation {
	fs, err := a.authz.JudgeBinding(obj, a.ten)
	if err != nil {
		return nil // not a binding: object only passes bindings here
	}
	var subjects []rbacv1.Subject
	var roleRef rbacv1.RoleRef
	switch o := obj.(type) {
	case *rbacv1.RoleBinding:
		subjects, roleRef = o.Subjects, o.RoleRef
	case *rbacv1.ClusterRoleBinding:
		subjects, roleRef = o.Subjects, o.RoleRef
	}
	out := make([]Violation, 0, len(fs))
	for i := range fs {
		f := &fs[i]
		v := Violation{
			Rule:   f.ID,
			Source: f.SourceTenant, Target: f.TargetTenant,
			Reason: f.Reason,
			Fix:    f.Remediation,
			Fields: subjectFields(subjects, f.Subjects),
		}
		if len(f.Objects) > 0 {
			v.Object = f.Objects[0].Kind + " " + refName(f.Objects[0])
		}
		if len(v.Fields) == 0 {
			v.Fields = []string{fmt.Sprintf("roleRef=%s/%s", roleRef.Kind, roleRef.Name)}
		}
		out = append(out, v)
	}
	return out
}

// subjectFields names the subjects of a binding that a finding is about,
// by their index in the binding.
func subjectFields(subjects []rbacv1.Subject, refs []finding.Ref) []string {
	var out []string
	for i, s := range subjects {
		for _, r := range refs {
			if r.Kind == s.Kind && r.Name == s.Name && (r.Namespace == s.Namespace || s.Namespace == "") {
				out = append(out, fmt.Sprintf("subjects[%d]=%s", i, r))
				break
			}
		}
	}
	return out
}

func refName(r finding.Ref) string {
	if r.Namespace == "" {
		return r.Name
	}
	return r.Namespace + "/" + r.Name
}
