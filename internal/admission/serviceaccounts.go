package admission

import (
	"fmt"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"

	"github.com/bulkhead-dev/bulkhead/internal/finding"
	"github.com/bulkhead-dev/bulkhead/internal/rbac"
	"github.com/bulkhead-dev/bulkhead/internal/tenancy"
)

// defaultAccount is the service account kube-controller-manager creates
// in every namespace, and creates again when it is deleted.
const defaultAccount = "default"

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
//
// The namespace's default account and its group are judged when the
// namespace is created (namespaceActivations), where a user can still act
// on it; a default account denied here (its namespace was admitted before
// the binding was, or while the rule only warned) is one its namespace's
// user cannot rename, and the fix says so.
func (a *Admission) serviceAccount(sa *corev1.ServiceAccount, namespace string) []Violation {
	if sa.Namespace != "" {
		namespace = sa.Namespace
	}
	obj := "ServiceAccount " + namespace + "/" + sa.Name
	var out []Violation
	for _, act := range a.activations(a.ten, func(s rbac.Subject) bool { return namesAccount(s, namespace, sa.Name) }) {
		named := act.names()
		out = append(out, Violation{
			Rule:   act.f.ID,
			Source: act.f.SourceTenant, Target: act.f.TargetTenant,
			Object: obj,
			Fields: append([]string{"metadata.name=" + sa.Name}, act.fields...),
			Reason: fmt.Sprintf("%s would activate %s, which names %s: %s", obj, act.binding, named, strings.TrimSuffix(act.f.Reason, ".")),
			Fix:    accountFix(sa.Name, named, act),
		})
	}
	return out
}

// accountFix says what the creator of an account a binding names can do:
// take the subject out of the binding, or name the account differently
// when the binding names this account alone (not its namespace's group,
// which every account of the namespace is in, nor the default account,
// which Kubernetes names).
func accountFix(name, named string, act activation) string {
	remove := fmt.Sprintf("remove %s from %s", named, act.binding)
	switch {
	case name == defaultAccount:
		return remove + " (or have its owner do it): kube-controller-manager creates the default account of every namespace and retries until it is admitted; until then pods that name no other account cannot be created in the namespace"
	case act.group:
		return remove + " before creating the account: every account of the namespace is in that group, whatever its name"
	}
	return remove + " before creating the account, or name the account differently"
}

// activation is a rule a binding would break once the identities it
// names, which do not exist yet, are created.
type activation struct {
	f       finding.Finding
	binding string   // "RoleBinding ns/name"
	named   []string // the subjects that name the identities
	group   bool     // one of them is a group of service accounts
	fields  []string // the subjects, by index in the binding
}

func (act activation) names() string { return strings.Join(act.named, ", ") }

// activations judges, with the tenancy ten, every binding a subject of
// which match selects, and returns the cross-tenant and every-tenant
// findings (BH-API-001, BH-API-002) about those subjects.
func (a *Admission) activations(ten *tenancy.Tenancy, match func(rbac.Subject) bool) []activation {
	var out []activation
	for _, b := range a.authz.Bindings() {
		var mine []rbac.Subject
		for s := range b.Resolved() {
			if match(s) {
				mine = append(mine, s)
			}
		}
		if len(mine) == 0 {
			continue
		}
		fs, _ := a.authz.JudgeBinding(bindingObject(&b), ten)
		for i := range fs {
			f := &fs[i]
			if f.ID != rbac.IDCrossTenant && f.ID != rbac.IDEveryTenant {
				continue
			}
			act := activation{f: *f, binding: b.Ref.Kind + " " + refName(b.Ref)}
			var refs []finding.Ref
			for _, s := range mine {
				if r := rbac.SubjectRef(s); slices.Contains(f.Subjects, r) {
					act.named = append(act.named, s.String())
					act.group = act.group || s.Kind == rbacv1.GroupKind
					refs = append(refs, r)
				}
			}
			if len(act.named) == 0 {
				continue
			}
			act.fields = subjectFields(b.Subjects, refs)
			out = append(out, act)
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
