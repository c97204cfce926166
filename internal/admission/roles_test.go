package admission

import (
	"fmt"
	"strings"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"

	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
)

// clusterRole is a ClusterRole with labels and rules given as YAML flow
// lists ("[{apiGroups: [”], resources: [secrets], verbs: [get]}]").
func clusterRole(name, labels, rules string) string {
	return fmt.Sprintf("apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: %s, labels: %s}\nrules: %s\n", name, labels, rules)
}

func role(namespace, name, rules string) string {
	return fmt.Sprintf("apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {name: %s, namespace: %s}\nrules: %s\n", name, namespace, rules)
}

const (
	getSecrets    = `[{apiGroups: [""], resources: [secrets], verbs: [get]}]`
	getConfigMaps = `[{apiGroups: [""], resources: [configmaps], verbs: [get, list]}]`
	noRules       = `[]`
	aggregate     = `{bulkhead.dev/aggregate-to-extras: "true"}`
)

// TestRoles: a Role or ClusterRole is judged by what the bindings that
// already reference it (directly, or through the aggregated ClusterRoles
// its labels feed) would newly grant; what they granted before is not
// held against the change.
func TestRoles(t *testing.T) {
	a := grantsFixture(t, Config{})
	helper := decode(t, clusterRole("helper", "{}", noRules))
	cases := []decideCase{
		{"ClusterRole bound in tenant a to tenant b's account gains secrets get", request(Update, decode(t, clusterRole("helper", "{}", getSecrets)), helper), false, []string{"BH-API-001"}},
		{"ClusterRole bound across tenants updated without new rules", request(Update, decode(t, clusterRole("helper", "{team: platform}", noRules)), helper), true, nil},
		{"ClusterRole whose label an aggregated role bound across tenants selects", request(Create, decode(t, clusterRole("secret-reader", aggregate, getSecrets)), nil), false, []string{"BH-API-001"}},
		{"the same ClusterRole without the label", request(Create, decode(t, clusterRole("secret-reader", "{}", getSecrets)), nil), true, nil},
		{"Role a binding across tenants waited for", request(Create, decode(t, role("a-web", "later", getSecrets)), nil), false, []string{"BH-API-001"}},
		{"Role of the same name in another namespace", request(Create, decode(t, role("a-db", "later", getSecrets)), nil), true, nil},
		{"Role bound across tenants to accounts not created yet gains rules", request(Update, decode(t, role("a-web", "reader", getSecrets)), decode(t, role("a-web", "reader", getConfigMaps))), false, []string{"BH-API-001"}},
		{"Role bound across tenants updated to the rules it has", request(Update, decode(t, role("a-web", "reader", getConfigMaps)), decode(t, role("a-web", "reader", getConfigMaps))), true, nil},
		{"Role in kube-system", request(Create, decode(t, role("kube-system", "later", getSecrets)), nil), true, nil},
		{"Role in a namespace bulkhead has not seen", request(Create, decode(t, role("ghost", "later", getSecrets)), nil), false, []string{IDUnresolved}},
	}
	decideAll(t, a, "roles.txt", cases)
}

// TestRoleMessageBounded: a role bound across tenants by many bindings
// names a few of them and counts the rest.
func TestRoleMessageBounded(t *testing.T) {
	a := grantsFixture(t, Config{})
	var found []roleFinding
	for _, b := range a.authz.Bindings() {
		if b.Ref.Kind == "RoleBinding" {
			found = append(found, roleFinding{binding: b})
		}
	}
	for i := range found {
		found[i].f.ID, found[i].f.Reason = "BH-API-001", "reason"
	}
	if len(found) <= maxBindings {
		t.Fatalf("the fixture has %d RoleBindings, want more than %d", len(found), maxBindings)
	}
	vs := roleViolations("ClusterRole x", found)
	if len(vs) != 1 {
		t.Fatalf("%d violations, want 1", len(vs))
	}
	want := fmt.Sprintf("and %d more bindings", len(found)-maxBindings)
	if msg := vs[0].Message(); !strings.Contains(msg, want) {
		t.Errorf("message does not count the bindings left out (%q): %s", want, msg)
	}
}

// TestRoleLeavesSnapshot: judging a role changes neither the snapshot
// nor the next judgement.
func TestRoleLeavesSnapshot(t *testing.T) {
	a := grantsFixture(t, Config{})
	req := request(Update, decode(t, clusterRole("helper", "{}", getSecrets)), decode(t, clusterRole("helper", "{}", noRules)))
	for range 2 {
		if d := a.Decide(req); d.Allowed {
			t.Fatal("admitted")
		}
	}
	if r := a.authz.ClusterRole("helper"); r == nil || len(r.Rules) != 0 {
		t.Errorf("the snapshot's helper changed: %+v", r)
	}
	for i := range a.snap.ClusterRoles {
		if cr := &a.snap.ClusterRoles[i]; cr.Name == "extras" && len(cr.Rules) != 0 {
			t.Errorf("extras aggregated rules into the snapshot: %v", cr.Rules)
		}
	}
}

// TestRolesConcurrently: role judgements share the RBAC store of the
// snapshot, made once; each works on its own clone (go test -race).
func TestRolesConcurrently(t *testing.T) {
	a := grantsFixture(t, Config{})
	reqs := []Request{
		request(Update, decode(t, clusterRole("helper", "{}", getSecrets)), decode(t, clusterRole("helper", "{}", noRules))),
		request(Create, decode(t, clusterRole("secret-reader", aggregate, getSecrets)), nil),
		request(Create, decode(t, role("a-web", "later", getSecrets)), nil),
	}
	done := make(chan bool)
	for i := range 6 {
		go func() {
			d := a.Decide(reqs[i%len(reqs)])
			done <- d.Allowed
		}()
	}
	for range 6 {
		if <-done {
			t.Error("a role granting across tenants was admitted")
		}
	}
}

// TestRoleNamesOnlyNewGrants: a role's denial lists what its bindings
// newly grant, not what they granted before the change: a rule added
// beside others, a ClusterRole aggregated into view, a dangerous
// permission added to one the binding held.
func TestRoleNamesOnlyNewGrants(t *testing.T) {
	a := grantsFixture(t, Config{})
	// the fixture with a-web's reader holding patch on namespaces
	patching := grantsFixtureWith(t, Config{}, func(s *snapshot.Snapshot) {
		for i := range s.Roles {
			if r := &s.Roles[i]; r.Namespace == "a-web" && r.Name == "reader" {
				r.Rules = []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"namespaces"}, Verbs: []string{"patch"}}}
			}
		}
	})
	const (
		patchNamespaces = `[{apiGroups: [""], resources: [namespaces], verbs: [patch]}]`
		plusBind        = `[{apiGroups: [""], resources: [namespaces], verbs: [patch]}, {apiGroups: [rbac.authorization.k8s.io], resources: [roles], verbs: [bind]}]`
		plusSecrets     = `[{apiGroups: [""], resources: [configmaps], verbs: [get, list]}, {apiGroups: [""], resources: [secrets], verbs: [get]}]`
		widgets         = `[{apiGroups: [example.com], resources: [widgets], verbs: [get, list, watch]}]`
	)
	cases := []struct {
		name      string
		a         *Admission
		req       Request
		rule      string
		want, not []string
	}{
		{"a rule added beside one granted before", a, request(Update, decode(t, role("a-web", "reader", plusSecrets)), decode(t, role("a-web", "reader", getConfigMaps))),
			"BH-API-001", []string{"can get secrets in namespace a-web"}, []string{"configmaps"}},
		{"a ClusterRole aggregated into view", a, request(Create, decode(t, clusterRole("widget-viewer", `{rbac.authorization.k8s.io/aggregate-to-view: "true"}`, widgets)), nil),
			"BH-API-001", []string{"can get, list, watch widgets.example.com in namespace a-db"}, []string{"more rules", "pods", "configmaps"}},
		{"a dangerous permission added to one held before", patching, request(Update, decode(t, role("a-web", "reader", plusBind)), decode(t, role("a-web", "reader", patchNamespaces))),
			"BH-API-004", []string{"(bind)"}, []string{"relabel"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := c.a.Decide(c.req)
			var msg string
			for _, v := range d.Violations {
				if v.Rule == c.rule {
					msg += v.Message() + "\n"
				}
			}
			if msg == "" {
				t.Fatalf("no %s violation:\n%s", c.rule, d.Message)
			}
			for _, w := range c.want {
				if !strings.Contains(msg, w) {
					t.Errorf("the message does not say %q:\n%s", w, msg)
				}
			}
			for _, n := range c.not {
				if strings.Contains(msg, n) {
					t.Errorf("the message says %q, granted before:\n%s", n, msg)
				}
			}
		})
	}
}
