package node

import (
	"fmt"
	"strings"

	"github.com/bulkhead-dev/bulkhead/internal/finding"
	"github.com/bulkhead-dev/bulkhead/internal/rbac"
	"github.com/bulkhead-dev/bulkhead/internal/tenancy"
)

/*
A Pod Security label is only as strong as the right to edit it: whoever
may patch or update the Namespace object can set enforce=privileged and
then run privileged pods there. kube-apiserver checks the Namespace object
X against ClusterRoleBindings and the RoleBindings of X.

	namespaces/X: patch, update

Reported: service accounts of tenant namespaces, the groups of a tenant's
service accounts, groups every identity is in (system:authenticated,
system:serviceaccounts, system:unauthenticated) and anyone granted it by a
RoleBinding in X (a tenant-scoped grant). Users and groups bound
cluster-wide are taken for the platform's operators, service accounts of
the platform's namespaces (and their groups) for the platform's own
controllers, and system identities and service accounts of system
namespaces for the control plane.
*/

// relabelers returns who, of the reportable subjects, may edit the
// labels of a namespace, with the access that allows it.
func relabelers(a *rbac.Authorizer, ten *tenancy.Tenancy, namespace string) []rbac.Access {
	var out []rbac.Access
	seen := map[rbac.Subject]bool{}
	for _, verb := range []string{"patch", "update"} {
		for _, x := range a.WhoCan(rbac.Request{Verb: verb, Resource: "namespaces", Name: namespace, Namespace: namespace}) {
			if seen[x.Subject] || !tenantSubject(x, ten) {
				continue
			}
			seen[x.Subject] = true
			out = append(out, x)
		}
	}
	return out
}

func tenantSubject(x rbac.Access, ten *tenancy.Tenancy) bool {
	s := x.Subject
	switch {
	case s.Kind == "ServiceAccount":
		return tenantNamespace(ten, s.Namespace)
	case s.Kind == "Group" && (s.Name == rbac.AllAuthenticated || s.Name == rbac.AllUnauthenticated || s.Name == rbac.AllServiceAccounts):
		return true
	case s.Kind == "Group" && strings.HasPrefix(s.Name, rbac.ServiceAccountsPrefix):
		return tenantNamespace(ten, strings.TrimPrefix(s.Name, rbac.ServiceAccountsPrefix))
	case s.Kind == "User" && s.Name == rbac.AnonymousUser:
		return true
	case strings.HasPrefix(s.Name, "system:"):
		return false
	}
	return x.Namespace != "" // granted by a RoleBinding in the namespace
}

// tenantNamespace reports whether a namespace belongs to a tenant, not to
// the cluster's control plane or the platform.
func tenantNamespace(ten *tenancy.Tenancy, namespace string) bool {
	t := ten.Of(namespace)
	return t != tenancy.Cluster && t != tenancy.Platform
}

// relabelFindings reports namespaces that enforce a Pod Security level
// someone other than the platform may remove.
func relabelFindings(r *Result, a *rbac.Authorizer, ten *tenancy.Tenancy) []finding.Finding {
	var out []finding.Finding
	var whose func(rbac.Subject) (string, bool) // a subject's tenant, as the API findings say it
	for i := range r.Namespaces {
		ns := &r.Namespaces[i]
		if !ns.Enforces() || !ns.InSnapshot || ns.Tenant == tenancy.Cluster {
			continue
		}
		xs := relabelers(a, ten, ns.Namespace)
		if len(xs) == 0 {
			continue
		}
		if whose == nil {
			whose = a.SubjectTenants(ten)
		}
		nsRef := finding.Ref{Kind: "Namespace", Name: ns.Namespace}
		f := finding.Finding{ID: ruleRelabel.ID, Severity: ruleRelabel.Severity, Category: ruleRelabel.Category, TargetTenant: ns.Tenant,
			Objects: []finding.Ref{nsRef},
			Witness: []finding.Step{{Object: nsRef, Fact: "enforces " + ns.Policy.Enforce.String() + " through its pod-security.kubernetes.io labels"}}}
		sources := map[string]bool{}
		var names []string
		for _, x := range xs {
			f.Subjects = append(f.Subjects, rbac.SubjectRef(x.Subject))
			if len(f.Witness) < 1+2*maxWitnessTenants {
				f.Witness = append(f.Witness, x.Witness()...)
			}
			names = append(names, x.Subject.String())
			t, every := whose(x.Subject)
			if every {
				t = "*"
			}
			if t != "" {
				sources[t] = true
			}
		}
		src := sortedKeys(sources)
		switch {
		case sources["*"]:
			f.SourceTenant = "*" // every tenant
		case len(src) > 1:
			f.SourceTenant, f.SourceTenants = "*", src // exactly these
		case len(src) == 1:
			f.SourceTenant = src[0]
		}
		f.Reason = fmt.Sprintf("%s can relabel namespace %s and lift the Pod Security level it enforces", nameList(names, 3, len(names)), ns.Namespace)
		f.Detail = fmt.Sprintf("Namespace %s enforces %s, but %s may patch or update the Namespace object: setting pod-security.kubernetes.io/enforce=privileged admits privileged pods, and from them every node they reach.",
			ns.Namespace, ns.Policy.Enforce.String(), nameList(names, maxNamedTenants, len(names)))
		f.Remediation = fmt.Sprintf("Remove namespaces patch/update on %s from tenant roles; label changes belong to the platform (or a validating admission policy that pins pod-security labels).", ns.Namespace)
		out = append(out, f)
	}
	return out
}
