package rbac

import (
	"sort"

	"github.com/bulkhead-dev/bulkhead/internal/finding"
)

// Grant is a fact for the attack-path engine: a subject holds a dangerous
// capability of the catalogue where a binding says, through one rule of a
// role. Namespace "" means every namespace and the cluster scope.
type Grant struct {
	Subject    Subject     `json:"subject"`
	Binding    finding.Ref `json:"binding"`
	Role       finding.Ref `json:"role"`
	Namespace  string      `json:"namespace,omitempty"`
	Capability string      `json:"capability"`
	RuleIndex  int         `json:"ruleIndex"`
	// ResourceNames limit the rule to these objects, when set.
	ResourceNames []string `json:"resourceNames,omitempty"`
}

// Grants returns every dangerous capability every binding subject holds,
// system identities included, sorted by subject, binding and capability.
// Together with WhoCan and RulesFor it says who can do what where.
func (a *Authorizer) Grants() []Grant {
	var out []Grant
	for bi := range a.bindings {
		b := &a.bindings[bi]
		if b.Role == nil {
			continue
		}
		held := a.Held(b.Role, b.Namespace == "")
		if len(held) == 0 {
			continue
		}
		for s := range b.Resolved() {
			for _, h := range held {
				out = append(out, Grant{Subject: s, Binding: b.Ref, Role: b.Role.Ref, Namespace: b.Namespace,
					Capability: h.Capability.Name, RuleIndex: h.RuleIndex, ResourceNames: b.Role.Rules[h.RuleIndex].ResourceNames})
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		x, y := &out[i], &out[j]
		if x.Subject != y.Subject {
			return lessSubject(x.Subject, y.Subject)
		}
		if x.Binding != y.Binding {
			return lessRef(x.Binding, y.Binding)
		}
		return x.Capability < y.Capability
	})
	return out
}
