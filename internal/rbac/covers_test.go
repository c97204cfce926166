package rbac_test

import (
	"math/rand"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/component-helpers/auth/rbac/validation"

	"github.com/bulkhead-dev/bulkhead/internal/rbac"
	"github.com/bulkhead-dev/bulkhead/internal/rbac/rbacgen"
)

// TestCoversMatchesValidation holds the engine's allocation-free coverage
// check equal to validation.Covers on random rule sets of the generator.
func TestCoversMatchesValidation(t *testing.T) {
	snap := rbacgen.Generate(rbacgen.Config{Seed: 7, Namespaces: 3, Roles: 300, ClusterRoles: 300, RoleBindings: 1, ClusterRoleBindings: 1, Users: 1, Groups: 1, ServiceAccounts: 1})
	var sets [][]rbacv1.PolicyRule
	for _, r := range snap.Roles {
		sets = append(sets, r.Rules)
	}
	for _, r := range snap.ClusterRoles {
		sets = append(sets, r.Rules)
	}
	r := rand.New(rand.NewSource(1))
	agree, covered := 0, 0
	for i := 0; i < 6000; i++ {
		var owner []rbacv1.PolicyRule
		for j := r.Intn(40); j >= 0; j-- {
			owner = append(owner, sets[r.Intn(len(sets))]...)
		}
		servant := sets[r.Intn(len(sets))]
		if r.Intn(3) == 0 { // a servant drawn from the owner's own rules
			servant = owner[:1+r.Intn(len(owner))]
		}
		want, _ := validation.Covers(owner, servant)
		if got := rbac.Covers(owner, servant); got != want {
			t.Fatalf("Covers(%v, %v) = %v, validation.Covers = %v", owner, servant, got, want)
		}
		if got := rbac.CoversSplit(owner, servant, r.Intn(len(owner)+1)); got != want {
			t.Fatalf("CoversSplit(%v, %v) = %v, validation.Covers = %v", owner, servant, got, want)
		}
		if got := rbac.CoversIndexed(owner, servant); got != want {
			t.Fatalf("CoversIndexed(%v, %v) = %v, validation.Covers = %v", owner, servant, got, want)
		}
		agree++
		if want {
			covered++
		}
	}
	if covered < agree/10 {
		t.Errorf("only %d of %d cases covered: the test no longer probes both answers", covered, agree)
	}
}
