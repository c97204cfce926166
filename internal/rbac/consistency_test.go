package rbac_test

import (
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"

	"github.com/bulkhead-dev/bulkhead/internal/rbac"
	"github.com/bulkhead-dev/bulkhead/internal/rbac/rbacgen"
)

// TestAnswersAgree holds Authorize, WhoCan and RulesFor to one another on
// random configurations: a request is allowed exactly when a subject WhoCan
// lists names the requester, and exactly when one of the requester's
// RulesFor allows it. The differential test proves Authorize against
// kube-apiserver; this carries the proof over to the other two.
func TestAnswersAgree(t *testing.T) {
	for seed := int64(1); seed <= 5; seed++ {
		cfg := rbacgen.Small
		cfg.Seed = seed
		snap := rbacgen.Generate(cfg)
		snap.Aggregate()
		authz := rbac.NewAuthorizer(snap)
		for _, q := range rbacgen.Queries(snap, cfg, seed, 2000) {
			d := authz.Authorize(q)
			if d.Superuser {
				continue
			}
			byWho := false
			for _, x := range authz.WhoCan(q) {
				if names(x.Subject, q) {
					byWho = true
					break
				}
			}
			ns := q.Namespace
			if !q.IsResource() {
				ns = ""
			}
			byRules := false
			for _, x := range authz.RulesFor(q.User, q.Groups, ns) {
				if rbac.RuleAllows(&q, &x.Rule) {
					byRules = true
					break
				}
			}
			if byWho != d.Allowed || byRules != d.Allowed {
				t.Fatalf("seed %d: %+v: Authorize %v, WhoCan %v, RulesFor %v", seed, q, d.Allowed, byWho, byRules)
			}
		}
	}
}

func names(s rbac.Subject, q rbac.Request) bool {
	if s.Kind == rbacv1.GroupKind {
		for _, g := range q.Groups {
			if g == s.Name {
				return true
			}
		}
		return false
	}
	return s.User() == q.User
}
