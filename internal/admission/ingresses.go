package admission

import (
	"fmt"
	"slices"

	networkingv1 "k8s.io/api/networking/v1"

	"github.com/bulkhead-dev/bulkhead/internal/finding"
	"github.com/bulkhead-dev/bulkhead/internal/service"
	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
)

// ingress judges an Ingress with the Ingress check (BH-NET-013), rule by
// rule, among the snapshot's Ingresses (the stored one of the same name
// replaced by it): a host, or a wildcard host, that an Ingress of another
// tenant already claims in the same ingress class lets the one tenant take
// the other's traffic and TLS host.
func (a *Admission) ingress(ing *networkingv1.Ingress, namespace string) []Violation {
	if ing.Namespace == "" {
		ing = ing.DeepCopy()
		ing.Namespace = namespace
	}
	own := a.ten.Of(ing.Namespace)
	others := make([]networkingv1.Ingress, 0, len(a.snap.Ingresses))
	for i := range a.snap.Ingresses {
		o := &a.snap.Ingresses[i]
		if o.Namespace == ing.Namespace && o.Name == ing.Name {
			continue
		}
		others = append(others, *o)
	}
	self := finding.Ref{Kind: "Ingress", Namespace: ing.Namespace, Name: ing.Name}
	var out []Violation
	for i, r := range ing.Spec.Rules {
		one := ing.DeepCopy()
		one.Spec.Rules = []networkingv1.IngressRule{r}
		snap := &snapshot.Snapshot{Namespaces: a.snap.Namespaces, Ingresses: append(slices.Clip(others), *one)}
		field := fmt.Sprintf("spec.rules[%d].host=%s", i, r.Host)
		if r.Host == "" {
			field = fmt.Sprintf("spec.rules[%d].host=<none> (every host)", i)
		}
		for _, f := range service.Analyze(snap, a.ten) {
			if f.ID != service.IDIngressHost || !slices.Contains(f.Objects, self) {
				continue
			}
			for _, t := range f.TargetTenants {
				if t == own || isCluster(t) {
					continue
				}
				out = append(out, Violation{
					Rule:   f.ID,
					Source: own, Target: t,
					Object: "Ingress " + ing.Namespace + "/" + ing.Name,
					Fields: []string{field},
					Reason: f.Reason + ": the controller merges their rules or picks one, so either tenant can take the other's traffic (and TLS host)",
					Fix:    "claim only hosts no other tenant holds (or use an ingress class of tenant " + own + "'s own); a host passes to tenant " + own + " once the other tenant's Ingress gives it up",
				})
			}
		}
	}
	return out
}
