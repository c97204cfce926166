package admission

import (
	"fmt"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"

	"github.com/bulkhead-dev/bulkhead/internal/finding"

	"github.com/bulkhead-dev/bulkhead/internal/rbac"
)

// serviceAccount judges a ServiceAccount by the bindings that already
// name its identity: the account itself (as a ServiceAccount subject, or
// the user system:serviceaccount:NS:NAME) or the group of its namespace's
// accounts (system:serviceaccounts:NS). A binding in another tenant's
// namespace, or a ClusterRoleBinding reaching into every tenant, that
// names an account which does not exist grants nothing yet; creating the
// account activates it, so the account is judged as the binding is, with
// the binding rules' IDs (BH-API-001, BH-API-002), and the binding named.
// On an update the account exists already: the stored one broke the same
// rules, and nothing new is held against it.
func (a *Admission) serviceAccount(sa *corev1.ServiceAccount, namespace string) []Violation {
	if sa.Namespace != "" {
		namespace = sa.Namespace
	}
	obj := "ServiceAccount " + namespace + "/" + sa.Name
	var out []Violation
	for _, b := range a.authz.Bindings() {
		var mine []rbac.Subject
		for si := range b.Subjects {
			s, ok := b.SubjectAt(si)
			if ok && namesAccount(s, namespace, sa.Name) {
				mine = append(mine, s)
			}
		}
		if len(mine) == 0 {
			continue
		}
		fs, _ := a.authz.JudgeBinding(bindingObject(&b), a.ten)
		bref := b.Ref.Kind + " " + refName(b.Ref)
		for i := range fs {
			f := &fs[i]
			if f.ID != rbac.IDCrossTenant && f.ID != rbac.IDEveryTenant {
				continue
			}
			var named []string
			var refs []finding.Ref
			for _, s := range mine {
				if r := rbac.SubjectRef(s); slices.Contains(f.Subjects, r) {
					named = append(named, s.String())
					refs = append(refs, r)
				}
			}
			if len(named) == 0 {
				continue
			}
			out = append(out, Violation{
				Rule:   f.ID,
				Source: f.SourceTenant, Target: f.TargetTenant,
				Object: obj,
				Fields: append([]string{"metadata.name=" + sa.Name}, subjectFields(b.Subjects, refs)...),
				Reason: fmt.Sprintf("%s would activate %s, which names %s: %s", obj, bref, strings.Join(named, ", "), strings.TrimSuffix(f.Reason, ".")),
				Fix:    fmt.Sprintf("remove %s from %s before creating the account, or name the account differently", strings.Join(named, ", "), bref),
			})
		}
	}
	return out
}

// namesAccount reports whether a binding subject is the service account
// ns/name or the group of the accounts of ns.
func namesAccount(s rbac.Subject, ns, name string) bool {
	switch s.Kind {
	case rbacv1.ServiceAccountKind:
		return s.Namespace == ns && s.Name == name
	case rbacv1.UserKind:
		n, sa, ok := rbac.SplitServiceAccountUser(s.Name)
		return ok && n == ns && sa == name
	case rbacv1.GroupKind:
		return s.Name == rbac.ServiceAccountsPrefix+ns
	}
	return false
}
