package rbac

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	rbacv1 "k8s.io/api/rbac/v1"

	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
)

func TestRuleAllows(t *testing.T) {
	res := func(verb, group, resource, sub, name string) Request {
		return Request{Verb: verb, APIGroup: group, Resource: resource, Subresource: sub, Name: name, Namespace: "ns"}
	}
	url := func(verb, path string) Request { return Request{Verb: verb, Path: path} }
	tests := []struct {
		name string
		rule rbacv1.PolicyRule
		req  Request
		want bool
	}{
		{"exact", rule(l("get"), l(""), l("pods")), res("get", "", "pods", "", ""), true},
		{"other verb", rule(l("get"), l(""), l("pods")), res("list", "", "pods", "", ""), false},
		{"verb star", rule(l("*"), l(""), l("pods")), res("escalate", "", "pods", "", ""), true},
		{"core group is not apps", rule(l("get"), l(""), l("deployments")), res("get", "apps", "deployments", "", ""), false},
		{"group star", rule(l("get"), l("*"), l("deployments")), res("get", "apps", "deployments", "", ""), true},
		{"no groups matches nothing", rule(l("get"), nil, l("pods")), res("get", "", "pods", "", ""), false},
		{"resource star covers subresources", rule(l("create"), l(""), l("*")), res("create", "", "pods", "exec", ""), true},
		{"resource does not cover its subresources", rule(l("create"), l(""), l("pods")), res("create", "", "pods", "exec", ""), false},
		{"res/sub exact", rule(l("create"), l(""), l("pods/exec")), res("create", "", "pods", "exec", ""), true},
		{"res/sub is not res", rule(l("get"), l(""), l("pods/log")), res("get", "", "pods", "", ""), false},
		{"star/sub any resource", rule(l("get"), l("*"), l("*/scale")), res("get", "apps", "deployments", "scale", ""), true},
		{"star/sub needs a subresource", rule(l("get"), l("*"), l("*/scale")), res("get", "apps", "deployments", "", ""), false},
		{"star/sub other subresource", rule(l("get"), l(""), l("*/exec")), res("get", "", "pods", "log", ""), false},
		{"pods/* is no wildcard", rule(l("create"), l(""), l("pods/*")), res("create", "", "pods", "exec", ""), false},
		{"pods/* matches subresource named *", rule(l("create"), l(""), l("pods/*")), res("create", "", "pods", "*", ""), true},
		{"resourceNames match", rule(l("get"), l(""), l("secrets"), "a", "b"), res("get", "", "secrets", "", "b"), true},
		{"resourceNames other", rule(l("get"), l(""), l("secrets"), "a"), res("get", "", "secrets", "", "c"), false},
		{"resourceNames no name (list)", rule(l("list"), l(""), l("secrets"), "a"), res("list", "", "secrets", "", ""), false},
		{"resourceNames create without name", rule(l("create"), l(""), l("pods"), "a"), res("create", "", "pods", "", ""), false},
		{"resourceNames named review of list", rule(l("list"), l(""), l("secrets"), "a"), res("list", "", "secrets", "", "a"), true},
		{"resource rule never matches a URL", rule(l("get"), l("*"), l("*")), url("get", "/healthz"), false},
		{"url exact", urlRule(l("get"), "/healthz"), url("get", "/healthz"), true},
		{"url exact no prefix", urlRule(l("get"), "/healthz"), url("get", "/healthz/etcd"), false},
		{"url prefix", urlRule(l("get"), "/healthz/*"), url("get", "/healthz/etcd"), true},
		{"url prefix without slash", urlRule(l("get"), "/api*"), url("get", "/apis/apps"), true},
		{"url prefix needs the prefix", urlRule(l("get"), "/healthz/*"), url("get", "/healthz"), false},
		{"url star", urlRule(l("get"), "*"), url("get", "/anything"), true},
		{"url verb", urlRule(l("get"), "*"), url("post", "/anything"), false},
		{"url rule never matches a resource", urlRule(l("*"), "*"), res("get", "", "pods", "", ""), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := RuleAllows(&tt.req, &tt.rule); got != tt.want {
				t.Errorf("RuleAllows(%+v, %s) = %v, want %v", tt.req, RuleString(tt.rule), got, tt.want)
			}
		})
	}
}

func TestAuthorize(t *testing.T) {
	snap := &snapshot.Snapshot{
		Roles: []rbacv1.Role{
			role("a", "reader", rule(l("get"), l(""), l("configmaps"))),
			role("b", "reader", rule(l("get"), l(""), l("secrets"))),
		},
		ClusterRoles: []rbacv1.ClusterRole{
			clusterRole("pod-reader", rule(l("get", "list"), l(""), l("pods"))),
			clusterRole("ns-getter", rule(l("get", "patch"), l(""), l("namespaces"))),
			clusterRole("health", urlRule(l("get"), "/healthz", "/metrics*")),
			clusterRole("aggregated", rule(l("delete"), l(""), l("pods"))),
		},
		RoleBindings: []rbacv1.RoleBinding{
			roleBinding("a", "alice-reads", "Role", "reader", user("alice")),
			roleBinding("a", "local-sa", "Role", "reader", rbacv1.Subject{Kind: "ServiceAccount", Name: "builder"}),
			roleBinding("a", "pods-here", "ClusterRole", "pod-reader", group("team-a")),
			roleBinding("a", "ns-self", "ClusterRole", "ns-getter", user("carol")),
			roleBinding("a", "health-here", "ClusterRole", "health", user("carol")),
			roleBinding("a", "missing", "Role", "nope", user("dave")),
			roleBinding("a", "b-role", "Role", "reader", user("erin")), // Role "reader" of a, not of b
			roleBinding("b", "sas", "ClusterRole", "pod-reader", group("system:serviceaccounts:a")),
			roleBinding("b", "all-sas", "ClusterRole", "aggregated", group("system:serviceaccounts")),
			roleBinding("b", "weird", "Kind", "pod-reader", user("frank")),
		},
		ClusterRoleBindings: []rbacv1.ClusterRoleBinding{
			clusterRoleBinding("health", "ClusterRole", "health", group("system:authenticated")),
			clusterRoleBinding("sa-no-ns", "ClusterRole", "pod-reader", rbacv1.Subject{Kind: "ServiceAccount", Name: "ghost"}),
			clusterRoleBinding("to-role", "Role", "reader", user("gina")),
			clusterRoleBinding("sa-pods", "ClusterRole", "pod-reader", sa("c", "runner")),
		},
	}
	authz := NewAuthorizer(snap)
	saGroups := func(ns string) []string {
		return l("system:serviceaccounts", "system:serviceaccounts:"+ns, "system:authenticated")
	}
	tests := []struct {
		name string
		req  Request
		want bool
	}{
		{"alice own namespace", Request{User: "alice", Verb: "get", Resource: "configmaps", Namespace: "a"}, true},
		{"alice other namespace", Request{User: "alice", Verb: "get", Resource: "configmaps", Namespace: "b"}, false},
		{"alice cluster-wide", Request{User: "alice", Verb: "get", Resource: "configmaps"}, false},
		{"sa with empty subject namespace is the binding's", Request{User: "system:serviceaccount:a:builder", Verb: "get", Resource: "configmaps", Namespace: "a"}, true},
		{"same sa name elsewhere", Request{User: "system:serviceaccount:b:builder", Verb: "get", Resource: "configmaps", Namespace: "a"}, false},
		{"group in role binding", Request{User: "x", Groups: l("team-a"), Verb: "list", Resource: "pods", Namespace: "a"}, true},
		{"group only where bound", Request{User: "x", Groups: l("team-a"), Verb: "list", Resource: "pods", Namespace: "b"}, false},
		{"namespace object through its own role binding", Request{User: "carol", Verb: "patch", Resource: "namespaces", Name: "a", Namespace: "a"}, true},
		{"other namespace object", Request{User: "carol", Verb: "patch", Resource: "namespaces", Name: "b", Namespace: "b"}, false},
		{"cluster-scoped namespace request", Request{User: "carol", Verb: "get", Resource: "namespaces", Name: "a"}, false},
		{"non-resource url via role binding never", Request{User: "carol", Verb: "get", Path: "/metrics/x"}, false},
		{"non-resource url via cluster role binding", Request{User: "x", Groups: l("system:authenticated"), Verb: "get", Path: "/metrics/x"}, true},
		{"unauthenticated", Request{User: "system:anonymous", Groups: l("system:unauthenticated"), Verb: "get", Path: "/healthz"}, false},
		{"missing role grants nothing", Request{User: "dave", Verb: "get", Resource: "configmaps", Namespace: "a"}, false},
		{"role of the binding's namespace", Request{User: "erin", Verb: "get", Resource: "configmaps", Namespace: "a"}, true},
		{"role of the binding's namespace, not b's", Request{User: "erin", Verb: "get", Resource: "secrets", Namespace: "a"}, false},
		{"sa namespace group", Request{User: "system:serviceaccount:a:x", Groups: saGroups("a"), Verb: "get", Resource: "pods", Namespace: "b"}, true},
		{"sa namespace group other ns", Request{User: "system:serviceaccount:c:x", Groups: saGroups("c"), Verb: "get", Resource: "pods", Namespace: "b"}, false},
		{"all service accounts", Request{User: "system:serviceaccount:c:x", Groups: saGroups("c"), Verb: "delete", Resource: "pods", Namespace: "b"}, true},
		{"sa without groups is still its user", Request{User: "system:serviceaccount:c:runner", Verb: "list", Resource: "pods"}, true},
		{"sa subject without namespace in a crb names nobody", Request{User: "system:serviceaccount::ghost", Verb: "list", Resource: "pods", Namespace: "a"}, false},
		{"unknown role kind", Request{User: "frank", Verb: "get", Resource: "pods", Namespace: "b"}, false},
		{"crb to a role grants nothing", Request{User: "gina", Verb: "get", Resource: "configmaps", Namespace: "a"}, false},
		{"masters bypass", Request{User: "root", Groups: l("system:masters"), Verb: "nuke", Resource: "anything"}, true},
		{"group named like a user", Request{User: "team-a", Verb: "list", Resource: "pods", Namespace: "a"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := authz.Authorize(tt.req)
			if d.Allowed != tt.want {
				t.Errorf("Authorize(%+v) = %v (%s), want %v", tt.req, d.Allowed, d.Reason(), tt.want)
			}
			if d.Allowed && !d.Superuser && d.By == nil {
				t.Errorf("allowed without a witness")
			}
		})
	}
}

func TestSeedArticle(t *testing.T) {
	authz := NewAuthorizer(seedSnapshot())
	for _, tt := range []struct {
		user, verb, ns string
		want           bool
	}{
		{"alice", "list", "test-namespace", true},
		{"alice", "list", "default", false},
		{"alice", "list", "kube-system", false},
		{"alice", "delete", "test-namespace", false},
		{"bob", "list", "test-namespace", true},
		{"bob", "get", "kube-system", true},
		{"bob", "watch", "", true},
		{"bob", "create", "default", false},
	} {
		req := Request{User: tt.user, Groups: ImpersonatedGroups(tt.user, nil), Verb: tt.verb, Resource: "pods", Namespace: tt.ns}
		if got := authz.Authorize(req).Allowed; got != tt.want {
			t.Errorf("%s %s pods -n %q = %v, want %v", tt.user, tt.verb, tt.ns, got, tt.want)
		}
	}
	d := authz.Authorize(Request{User: "bob", Verb: "get", Resource: "pods", Namespace: "x"})
	if want := `RBAC: allowed by ClusterRoleBinding "pod-reader-binding" of ClusterRole "pod-reader" to User "bob"`; d.Reason() != want {
		t.Errorf("reason = %q, want %q", d.Reason(), want)
	}
}

func TestImpersonatedGroups(t *testing.T) {
	tests := []struct {
		user   string
		groups []string
		want   []string
	}{
		{"alice", nil, l("system:authenticated")},
		{"alice", l("dev"), l("dev", "system:authenticated")},
		{"alice", l("system:unauthenticated"), l("system:unauthenticated")},
		{"system:serviceaccount:ns:sa", nil, l("system:serviceaccounts", "system:serviceaccounts:ns", "system:authenticated")},
		{"system:serviceaccount:ns:sa", l("dev"), l("dev", "system:authenticated")},
		{"system:anonymous", nil, l("system:unauthenticated")},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, ImpersonatedGroups(tt.user, tt.groups)); diff != "" {
			t.Errorf("ImpersonatedGroups(%q, %q) (-want +got):\n%s", tt.user, tt.groups, diff)
		}
	}
}

func TestWhoCan(t *testing.T) {
	snap := seedSnapshot()
	snap.RoleBindings = append(snap.RoleBindings,
		roleBinding("test-namespace", "dup", "ClusterRole", "pod-reader", user("carol"), user("carol"), sa("", "app")))
	authz := NewAuthorizer(snap)
	got := authz.WhoCan(Request{Verb: "list", Resource: "pods", Namespace: "test-namespace"})
	var subjects []string
	for _, x := range got {
		subjects = append(subjects, x.Subject.String()+" via "+x.Binding.String())
	}
	want := l(
		"ServiceAccount/test-namespace/app via RoleBinding/test-namespace/dup",
		"User/alice via RoleBinding/test-namespace/test-master-binding",
		"User/bob via ClusterRoleBinding/pod-reader-binding",
		"User/carol via RoleBinding/test-namespace/dup",
	)
	if diff := cmp.Diff(want, subjects); diff != "" {
		t.Errorf("WhoCan (-want +got):\n%s", diff)
	}
	if got := authz.WhoCan(Request{Verb: "list", Resource: "pods", Namespace: "default"}); len(got) != 1 || got[0].Subject.Name != "bob" {
		t.Errorf("WhoCan in default = %+v, want bob only", got)
	}
}

func TestRulesFor(t *testing.T) {
	authz := NewAuthorizer(seedSnapshot())
	got := authz.RulesFor("alice", l("system:authenticated"), "test-namespace")
	if len(got) != 1 || got[0].Role.Name != "test-master-role" {
		t.Fatalf("RulesFor(alice) = %+v", got)
	}
	if got := authz.RulesFor("alice", nil, "default"); len(got) != 0 {
		t.Errorf("RulesFor(alice, default) = %+v, want none", got)
	}
	if got := authz.RulesFor("bob", nil, ""); len(got) != 1 || got[0].Binding.Name != "pod-reader-binding" {
		t.Errorf("RulesFor(bob, cluster) = %+v", got)
	}
}

func TestLookupResource(t *testing.T) {
	for _, tt := range []struct {
		arg, group, resource string
		ok                   bool
	}{
		{"pods", "", "pods", true},
		{"po", "", "pods", true},
		{"Pod", "", "pods", true},
		{"deployments.apps", "apps", "deployments", true},
		{"deployments.v1.apps", "apps", "deployments", true},
		{"deploy", "apps", "deployments", true},
		{"ev", "", "events", true},
		{"events.events.k8s.io", "events.k8s.io", "events", true},
		{"csr", "certificates.k8s.io", "certificatesigningrequests", true},
		{"*", "", "*", true},
		{"foos.example.com", "", "", false},
		{"deployments.v2.apps", "", "", false}, // kubectl: no such version
	} {
		r, ok := LookupResource(tt.arg)
		if ok != tt.ok || r.Group != tt.group || r.Resource != tt.resource {
			t.Errorf("LookupResource(%q) = %q/%q %v, want %q/%q %v", tt.arg, r.Group, r.Resource, ok, tt.group, tt.resource, tt.ok)
		}
	}
}

func TestGrants(t *testing.T) {
	snap := &snapshot.Snapshot{
		ClusterRoles: []rbacv1.ClusterRole{
			clusterRole("exec", rule(l("create"), l(""), l("pods/exec"))),
			clusterRole("nodes", rule(l("get"), l(""), l("nodes/proxy"))),
			clusterRole("reader", rule(l("get"), l(""), l("pods"))),
		},
		RoleBindings: []rbacv1.RoleBinding{
			roleBinding("a", "exec-here", "ClusterRole", "exec", sa("", "ci")),
			roleBinding("a", "nodes-here", "ClusterRole", "nodes", user("eve")), // nodes/proxy is cluster-scoped: nothing here
			roleBinding("a", "read", "ClusterRole", "reader", user("eve")),
		},
		ClusterRoleBindings: []rbacv1.ClusterRoleBinding{
			clusterRoleBinding("nodes", "ClusterRole", "nodes", group("monitoring")),
		},
	}
	var got []string
	for _, g := range NewAuthorizer(snap).Grants() {
		got = append(got, g.Subject.String()+" "+g.Capability+" in "+g.Namespace+" via "+g.Binding.String())
	}
	want := l(
		"Group/monitoring nodes/proxy in  via ClusterRoleBinding/nodes",
		"ServiceAccount/a/ci pods exec in a via RoleBinding/a/exec-here",
	)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Grants (-want +got):\n%s", diff)
	}
}
