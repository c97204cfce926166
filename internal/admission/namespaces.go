package admission

import (
	"fmt"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	psaapi "k8s.io/pod-security-admission/api"

	"github.com/bulkhead-dev/bulkhead/internal/node"
	"github.com/bulkhead-dev/bulkhead/internal/rbac"
	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
	"github.com/bulkhead-dev/bulkhead/internal/tenancy"
)

// namespace judges a Namespace written through the object or its status
// or finalize subresource: all three can change its labels
// (GHSA-2ww6-hf35-mfjm was a webhook that watched only the first). An
// update may not move it into another tenant (its tenant label, or what a
// tenants file selects it by) nor lower the Pod Security level it
// enforces; a service account may not create a namespace into a tenant
// other than its own, nor a namespace whose service accounts a binding
// of another tenant already names. A namespace whose tenant cannot be
// resolved is denied.
func (a *Admission) namespace(req Request) []Violation {
	ns := req.Object.(*corev1.Namespace)
	object := "Namespace " + ns.Name
	if req.SubResource != "" {
		object += " (subresource " + req.SubResource + ")"
	}
	newT, err := a.tenantWith(ns)
	if err != nil {
		return []Violation{{Rule: IDUnresolved, Object: object,
			Reason: fmt.Sprintf("the tenant of namespace %s cannot be resolved: %v", ns.Name, err),
			Fix:    "give the namespace labels that place it in exactly one tenant"}}
	}
	old, _ := req.OldObject.(*corev1.Namespace)
	if req.Operation == Create || old == nil {
		vs := append(a.namespaceCreated(req, ns, newT, object), a.namespaceActivations(ns, newT, object)...)
		return append(vs, a.selectorJoins(nil, ns, newT, object)...)
	}
	oldT, err := a.tenantWith(old)
	if err != nil {
		oldT = "" // the stored labels were already ambiguous: judge the new ones
	}
	var vs []Violation
	if oldT != "" && oldT != newT {
		vs = append(vs, Violation{
			Rule: IDTenantChange, Source: oldT, Target: newT, Object: object,
			Fields: changedLabels(old.Labels, ns.Labels, a.tenantLabels()),
			Reason: fmt.Sprintf("%s would move from tenant %s into tenant %s: what its tenant runs there would be selected by the other tenant's namespace selectors and policies", object, oldT, newT),
			Fix:    "keep the namespace's tenant labels; moving a namespace between tenants is a platform operator's change (exempt in the webhook configuration)",
		})
	}
	if was, now := enforceLevel(old.Labels), enforceLevel(ns.Labels); less(now, was) && !isCluster(newT) {
		vs = append(vs, Violation{
			Rule: node.IDRelabel, Source: newT, Target: targetNode, Object: object,
			Fields: changedLabels(old.Labels, ns.Labels, []string{psaapi.EnforceLevelLabel}),
			Reason: fmt.Sprintf("%s would lower its Pod Security enforce level from %s to %s: its pods could then escape to their nodes", object, was, now),
			Fix:    fmt.Sprintf("keep %s=%s; tenants must not edit their namespace's Pod Security labels", psaapi.EnforceLevelLabel, was),
		})
	}
	return append(vs, a.selectorJoins(old, ns, newT, object)...)
}

// namespaceCreated judges a new namespace: a tenant's service account
// creates namespaces into its own tenant only.
func (a *Admission) namespaceCreated(req Request, ns *corev1.Namespace, newT, object string) []Violation {
	own, ok := a.requesterTenant(req.User)
	if !ok || own == newT {
		return nil
	}
	return []Violation{{
		Rule: IDTenantChange, Source: own, Target: newT, Object: object,
		Fields: changedLabels(nil, ns.Labels, a.tenantLabels()),
		Reason: fmt.Sprintf("service account %s of tenant %s would create %s in tenant %s", req.User.Name, own, object, newT),
		Fix:    fmt.Sprintf("create namespaces of tenant %s only, or have a platform operator create this one", own),
	}}
}

// namespaceActivations judges a new namespace by the bindings that
// already name the group of its service accounts
// (system:serviceaccounts:NS) or its default account: kube-controller-
// manager creates that account with the namespace, so creating the
// namespace activates them. They are judged as the binding is, in the
// tenants the namespace joins, with the binding rules' IDs (BH-API-001,
// BH-API-002) and the binding named: the namespace is denied here, where
// its creator can act, not its default account after it, which nobody
// can rename. A namespace the snapshot holds already activates nothing.
func (a *Admission) namespaceActivations(ns *corev1.Namespace, newT, object string) []Violation {
	if _, ok := a.index.labels[ns.Name]; ok || isCluster(newT) {
		return nil
	}
	match := func(s rbac.Subject) bool { return namesAccount(s, ns.Name, defaultAccount) }
	if !slices.ContainsFunc(a.authz.Bindings(), func(b rbac.Binding) bool {
		for s := range b.Resolved() {
			if match(s) {
				return true
			}
		}
		return false
	}) {
		return nil // no binding names it: the tenants are not grouped again
	}
	ten, err := a.tenancyWith(ns)
	if err != nil {
		return nil // tenantWith resolved it: not reached
	}
	var out []Violation
	for _, act := range a.activations(ten, match) {
		named := act.names()
		what := "the namespace's default account, which Kubernetes creates with it"
		if act.group {
			what = "every service account of the namespace, the default one Kubernetes creates with it included"
		}
		out = append(out, Violation{
			Rule:   act.f.ID,
			Source: act.f.SourceTenant, Target: act.f.TargetTenant,
			Object: object,
			Fields: append([]string{"metadata.name=" + ns.Name}, act.fields...),
			Reason: fmt.Sprintf("%s would activate %s, which names %s (%s): %s", object, act.binding, named, what, strings.TrimSuffix(act.f.Reason, ".")),
			Fix:    fmt.Sprintf("remove %s from %s (or have its owner do it) before creating the namespace, or create the namespace under another name", named, act.binding),
		})
	}
	return out
}

// tenancyWith groups the snapshot's namespaces into tenants again, with
// ns among them in place of the namespace of its name.
func (a *Admission) tenancyWith(ns *corev1.Namespace) (*tenancy.Tenancy, error) {
	nss := make([]corev1.Namespace, 0, len(a.snap.Namespaces)+1)
	for i := range a.snap.Namespaces {
		if a.snap.Namespaces[i].Name != ns.Name {
			nss = append(nss, a.snap.Namespaces[i])
		}
	}
	return tenancy.Resolve(&snapshot.Snapshot{Namespaces: append(nss, *ns)}, a.tenCfg)
}

// requesterTenant returns the tenant of a service account requester, and
// false for any other requester or a service account of the cluster or
// platform tenant.
func (a *Admission) requesterTenant(u User) (string, bool) {
	rest, ok := strings.CutPrefix(u.Name, "system:serviceaccount:")
	if !ok {
		return "", false
	}
	ns, _, ok := strings.Cut(rest, ":")
	if !ok {
		return "", false
	}
	t := a.ten.Of(ns)
	if isCluster(t) || t == tenancy.Platform {
		return "", false
	}
	return t, true
}

// tenantLabels are the labels that place a namespace in a tenant: the
// tenant label, or none known (a tenants file selects by any label).
func (a *Admission) tenantLabels() []string {
	if a.tenCfg.Label != "" {
		return []string{a.tenCfg.Label}
	}
	return nil
}

// changedLabels lists the labels whose values differ, as
// "metadata.labels[k]: old → new"; only keys when given.
func changedLabels(old, now map[string]string, keys []string) []string {
	if keys == nil {
		for k := range old {
			keys = append(keys, k)
		}
		for k := range now {
			if _, ok := old[k]; !ok {
				keys = append(keys, k)
			}
		}
		slices.Sort(keys)
	}
	var out []string
	for _, k := range keys {
		o, had := old[k]
		n, has := now[k]
		if o == n && had == has {
			continue
		}
		out = append(out, fmt.Sprintf("metadata.labels[%s]: %s → %s", k, labelValue(o, had), labelValue(n, has)))
	}
	return out
}

func labelValue(v string, ok bool) string {
	if !ok {
		return "(none)"
	}
	return v
}

// enforceLevel is the Pod Security level a namespace's labels enforce, as
// the admission plugin reads them (privileged without a label, restricted
// for an invalid one).
func enforceLevel(labels map[string]string) psaapi.Level {
	pol, _ := psaapi.PolicyToEvaluate(labels, psaapi.Policy{
		Enforce: psaapi.LevelVersion{Level: psaapi.LevelPrivileged, Version: psaapi.LatestVersion()},
	})
	return pol.Enforce.Level
}

var levelRank = map[psaapi.Level]int{psaapi.LevelPrivileged: 0, psaapi.LevelBaseline: 1, psaapi.LevelRestricted: 2}

// less reports whether level a is weaker than b.
func less(a, b psaapi.Level) bool { return levelRank[a] < levelRank[b] }
