package admission

import (
	"fmt"
	"testing"
)

func serviceAccount(namespace, name string) string {
	return fmt.Sprintf("apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: %s, namespace: %s}\n", name, namespace)
}

// TestServiceAccounts is the attack of a dangling grant: a binding in
// tenant a's namespace names an account of tenant b that does not exist
// (it grants nothing, and may have been admitted before bulkhead, or
// while its subject's namespace belonged to tenant a); tenant b creating
// the account would activate it. The account is denied, naming the
// binding, whichever way the binding names it.
func TestServiceAccounts(t *testing.T) {
	a := grantsFixture(t, Config{})
	cases := []decideCase{
		{"account a RoleBinding of another tenant names", request(Create, decode(t, serviceAccount("b-app", "ghost")), nil), false, []string{"BH-API-001"}},
		{"account a RoleBinding of another tenant names as a user", request(Create, decode(t, serviceAccount("b-app", "phantom")), nil), false, []string{"BH-API-001"}},
		{"any account of a namespace whose group another tenant binds", request(Create, decode(t, serviceAccount("b-strict", "new")), nil), false, []string{"BH-API-001"}},
		{"account a ClusterRoleBinding names", request(Create, decode(t, serviceAccount("b-app", "cluster-ghost")), nil), false, []string{"BH-API-002"}},
		{"account named by a binding of its own tenant", request(Create, decode(t, serviceAccount("a-db", "later")), nil), true, nil},
		{"account no binding names", request(Create, decode(t, serviceAccount("b-app", "fresh")), nil), true, nil},
		{"update of an account a binding names", request(Update, decode(t, serviceAccount("b-app", "ghost")), decode(t, serviceAccount("b-app", "ghost"))), true, nil},
		{"account in kube-system", request(Create, decode(t, serviceAccount("kube-system", "ghost")), nil), true, nil},
	}
	decideAll(t, a, "serviceaccounts.txt", cases)
}
