package attackpath

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

func binding(ns, name, roleKind, role, subjectKind, subject, subjectNS string) string {
	nsLine := ""
	if subjectNS != "" {
		nsLine = ", namespace: " + subjectNS
	}
	kind, meta := "RoleBinding", "{name: "+name+", namespace: "+ns+"}"
	if ns == "" {
		kind, meta = "ClusterRoleBinding", "{name: "+name+"}"
	}
	return `apiVersion: rbac.authorization.k8s.io/v1
kind: ` + kind + `
metadata: ` + meta + `
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ` + roleKind + `, name: ` + role + `}
subjects: [{kind: ` + subjectKind + `, name: ` + subject + nsLine + `}]`
}

func clusterRoleYAML(name, rules string) string {
	return `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: ` + name + `}
rules: ` + rules
}

func policy(ns, name, spec string) string {
	return `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: ` + name + `, namespace: ` + ns + `}
spec: ` + spec
}

var (
	alice      = &Vertex{Kind: User, Name: "alice"}
	ingressA   = policy("team-a", "deny-all", "{podSelector: {}, policyTypes: [Ingress]}")
	execRole   = clusterRoleYAML("exec", `[{apiGroups: [""], resources: [pods/exec], verbs: [create]}]`)
	viewRole   = clusterRoleYAML("view", `[{apiGroups: [""], resources: [pods], verbs: [get]}]`)
	bindInB    = role("team-b", "binder", `[{apiGroups: [rbac.authorization.k8s.io], resources: [rolebindings], verbs: [create]}, {apiGroups: [rbac.authorization.k8s.io], resources: [clusterroles], verbs: [bind], resourceNames: [exec]}]`)
	bindViewB  = role("team-b", "binder", `[{apiGroups: [rbac.authorization.k8s.io], resources: [rolebindings], verbs: [create]}, {apiGroups: [rbac.authorization.k8s.io], resources: [clusterroles], verbs: [bind], resourceNames: [view]}]`)
	relabelA   = role("team-a", "labeller", `[{apiGroups: [""], resources: [namespaces], verbs: [patch]}, {apiGroups: [""], resources: [pods], verbs: [create]}]`)
	labelOnlyA = role("team-a", "labeller", `[{apiGroups: [""], resources: [namespaces], verbs: [patch]}]`)
	gcAccount  = "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: gc, namespace: kube-system}"
	adminRole  = clusterRoleYAML("cluster-admin", `[{apiGroups: ["*"], resources: ["*"], verbs: ["*"]}]`)
	noRelabelA = role("team-a", "labeller", `[{apiGroups: [""], resources: [namespaces], verbs: [get]}, {apiGroups: [""], resources: [pods], verbs: [create]}]`)
)

// TestNewHops: each hop of issue 9 point 2 makes a path that was not
// there, and removing its cause removes the path.
func TestNewHops(t *testing.T) {
	for _, tc := range []struct {
		name          string
		with, without []string
		from          Source
		to            Target
		want          string
	}{
		{
			name:    "relabelling out of Pod Security enforcement",
			with:    []string{relabelA, binding("team-a", "labeller", "Role", "labeller", "User", "alice", "")},
			without: []string{noRelabelA, binding("team-a", "labeller", "Role", "labeller", "User", "alice", "")},
			from:    Source{Tenant: "team-a"}, to: Target{Tenant: "team-b"},
			want: "User/alice -lifts-pod-security-> Node/(any node)\nNode/(any node) -node-runs-pod-> Pod/team-b/db",
		},
		{
			name: "relabelling into another tenant's namespaceSelector",
			with: []string{ingressA, labelOnlyA, binding("team-a", "labeller", "Role", "labeller", "User", "alice", ""),
				policy("team-b", "from-team-b", "{podSelector: {}, ingress: [{from: [{namespaceSelector: {matchLabels: {team: b}}}], ports: [{port: 5432}]}]}")},
			without: []string{ingressA, labelOnlyA, binding("team-a", "labeller", "Role", "labeller", "User", "alice", ""),
				policy("team-b", "from-team-b", "{podSelector: {}, ingress: [{from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: team-c}}}], ports: [{port: 5432}]}]}")},
			from: Source{Subject: alice}, to: Target{Tenant: "team-b"},
			want: "User/alice -relabels-> Labels/team-a\nLabels/team-a -joins-selector-> Pod/team-b/db",
		},
		{
			name:    "binding a ClusterRole with more power into a RoleBinding",
			with:    []string{bindInB, execRole, binding("team-b", "binder", "Role", "binder", "ServiceAccount", "builder", "team-a")},
			without: []string{bindViewB, execRole, binding("team-b", "binder", "Role", "binder", "ServiceAccount", "builder", "team-a")},
			from:    Source{Tenant: "team-a"}, to: Target{Tenant: "team-b"},
			want: "ServiceAccount/team-a/builder -binds-role-> Grant/team-b/ClusterRole/exec\nGrant/team-b/ClusterRole/exec -execs-into-> Pod/team-b/db",
		},
		{
			name: "escalating a role one is bound to",
			with: []string{role("team-b", "esc", `[{apiGroups: [rbac.authorization.k8s.io], resources: [roles], verbs: [escalate, update]}]`),
				binding("team-b", "esc", "Role", "esc", "ServiceAccount", "builder", "team-a")},
			without: []string{role("team-b", "esc", `[{apiGroups: [rbac.authorization.k8s.io], resources: [roles], verbs: [update]}]`),
				binding("team-b", "esc", "Role", "esc", "ServiceAccount", "builder", "team-a")},
			from: Source{Tenant: "team-a"}, to: Target{Tenant: "team-b"},
			want: "ServiceAccount/team-a/builder -escalates-role-> Grant/team-b/(any rules)\nGrant/team-b/(any rules) -creates-pods-in-> Workloads/team-b/team-b",
		},
		{
			name: "a tenant's group inherits a grant to system:authenticated",
			with: []string{execRole, viewRole, binding("team-a", "devs", "ClusterRole", "view", "Group", "team-a-devs", ""),
				binding("team-b", "everyone", "ClusterRole", "exec", "Group", "system:authenticated", "")},
			without: []string{execRole, viewRole, binding("team-a", "devs", "ClusterRole", "view", "Group", "team-a-devs", ""),
				binding("team-b", "everyone", "ClusterRole", "exec", "Group", "system:unauthenticated", "")},
			from: Source{Subject: &Vertex{Kind: Group, Name: "team-a-devs"}}, to: Target{Tenant: "team-b"},
			want: "Group/team-a-devs -member-of-> Group/system:authenticated\nGroup/system:authenticated -execs-into-> Pod/team-b/db",
		},
		{
			name: "a namespace's service-account group is in system:serviceaccounts",
			with: []string{execRole, viewRole, binding("team-a", "sas", "ClusterRole", "view", "Group", "system:serviceaccounts:team-a", ""),
				binding("team-b", "every-sa", "ClusterRole", "exec", "Group", "system:serviceaccounts", "")},
			without: []string{execRole, viewRole, binding("team-a", "sas", "ClusterRole", "view", "Group", "system:serviceaccounts:team-a", ""),
				binding("team-b", "every-sa", "ClusterRole", "exec", "Group", "system:serviceaccounts:team-c", "")},
			from: Source{Subject: &Vertex{Kind: Group, Name: "system:serviceaccounts:team-a"}}, to: Target{Tenant: "team-b"},
			want: "Group/system:serviceaccounts:team-a -member-of-> Group/system:serviceaccounts\nGroup/system:serviceaccounts -execs-into-> Pod/team-b/db",
		},
		{
			name: "impersonating another tenant's service accounts",
			with: []string{clusterRoleYAML("imp", `[{apiGroups: [""], resources: [serviceaccounts], verbs: [impersonate]}]`),
				binding("team-b", "imp", "ClusterRole", "imp", "ServiceAccount", "builder", "team-a")},
			without: []string{clusterRoleYAML("imp", `[{apiGroups: [""], resources: [serviceaccounts], verbs: [impersonate]}]`),
				binding("team-a", "imp", "ClusterRole", "imp", "ServiceAccount", "builder", "team-a")},
			from: Source{Tenant: "team-a"}, to: Target{Tenant: "team-b"},
			want: "ServiceAccount/team-a/builder -impersonates-> ServiceAccount/team-b/db",
		},
		{
			name: "creating and reading another tenant's secrets mints its tokens",
			with: []string{role("team-b", "sec", `[{apiGroups: [""], resources: [secrets], verbs: [create, list]}]`),
				binding("team-b", "sec", "Role", "sec", "ServiceAccount", "builder", "team-a")},
			without: []string{role("team-b", "sec", `[{apiGroups: [""], resources: [secrets], verbs: [create]}]`),
				binding("team-b", "sec", "Role", "sec", "ServiceAccount", "builder", "team-a")},
			from: Source{Tenant: "team-a"}, to: Target{Tenant: "team-b"},
			want: "ServiceAccount/team-a/builder -mints-token-of-> ServiceAccount/team-b/db",
		},
		{
			name: "creating and reading secrets cluster-wide mints every account's token, cluster-admin's holder's among them",
			with: []string{clusterRoleYAML("sec", `[{apiGroups: [""], resources: [secrets], verbs: [create, get]}]`),
				binding("", "sec", "ClusterRole", "sec", "ServiceAccount", "builder", "team-a"),
				binding("", "gc", "ClusterRole", "cluster-admin", "ServiceAccount", "gc", "kube-system"), gcAccount, adminRole},
			without: []string{clusterRoleYAML("sec", `[{apiGroups: [""], resources: [secrets], verbs: [get]}]`),
				binding("", "sec", "ClusterRole", "sec", "ServiceAccount", "builder", "team-a"),
				binding("", "gc", "ClusterRole", "cluster-admin", "ServiceAccount", "gc", "kube-system"), gcAccount, adminRole},
			from: Source{Tenant: "team-a"}, to: Target{ClusterAdmin: true},
			want: "ServiceAccount/team-a/builder -mints-token-of-> ServiceAccount/kube-system/gc",
		},
		{
			name: "creating secrets through one binding and reading them through another mints tokens",
			with: []string{gcAccount, adminRole, binding("", "gc", "ClusterRole", "cluster-admin", "ServiceAccount", "gc", "kube-system"),
				clusterRoleYAML("sec-create", `[{apiGroups: [""], resources: [secrets], verbs: [create]}]`),
				clusterRoleYAML("sec-read", `[{apiGroups: [""], resources: [secrets], verbs: [get]}]`),
				binding("", "sec-create", "ClusterRole", "sec-create", "Group", "system:serviceaccounts:team-a", ""),
				binding("kube-system", "sec-read", "ClusterRole", "sec-read", "ServiceAccount", "builder", "team-a")},
			// reading in another namespace than the accounts' mints nothing there
			without: []string{gcAccount, adminRole, binding("", "gc", "ClusterRole", "cluster-admin", "ServiceAccount", "gc", "kube-system"),
				clusterRoleYAML("sec-create", `[{apiGroups: [""], resources: [secrets], verbs: [create]}]`),
				clusterRoleYAML("sec-read", `[{apiGroups: [""], resources: [secrets], verbs: [get]}]`),
				binding("", "sec-create", "ClusterRole", "sec-create", "Group", "system:serviceaccounts:team-a", ""),
				binding("team-a", "sec-read", "ClusterRole", "sec-read", "ServiceAccount", "builder", "team-a")},
			from: Source{Tenant: "team-a"}, to: Target{ClusterAdmin: true},
			want: "ServiceAccount/team-a/builder -mints-token-of-> ServiceAccount/kube-system/gc",
		},
		{
			name: "requesting certificates through one binding and approving them for the client signer through others issues client certificates",
			with: []string{clusterRoleYAML("csr", `[{apiGroups: [certificates.k8s.io], resources: [certificatesigningrequests], verbs: [create]}]`),
				clusterRoleYAML("approve", `[{apiGroups: [certificates.k8s.io], resources: [certificatesigningrequests/approval], verbs: [update]}]`),
				clusterRoleYAML("signer", `[{apiGroups: [certificates.k8s.io], resources: [signers], verbs: [approve], resourceNames: [kubernetes.io/kube-apiserver-client]}]`),
				binding("", "csr", "ClusterRole", "csr", "Group", "system:serviceaccounts:team-a", ""),
				binding("", "approve", "ClusterRole", "approve", "ServiceAccount", "builder", "team-a"),
				binding("", "signer", "ClusterRole", "signer", "ServiceAccount", "builder", "team-a")},
			// approving for the kubelets' serving signer issues no client certificate
			without: []string{clusterRoleYAML("csr", `[{apiGroups: [certificates.k8s.io], resources: [certificatesigningrequests], verbs: [create]}]`),
				clusterRoleYAML("approve", `[{apiGroups: [certificates.k8s.io], resources: [certificatesigningrequests/approval], verbs: [update]}]`),
				clusterRoleYAML("signer", `[{apiGroups: [certificates.k8s.io], resources: [signers], verbs: [approve], resourceNames: [kubernetes.io/kubelet-serving]}]`),
				binding("", "csr", "ClusterRole", "csr", "Group", "system:serviceaccounts:team-a", ""),
				binding("", "approve", "ClusterRole", "approve", "ServiceAccount", "builder", "team-a"),
				binding("", "signer", "ClusterRole", "signer", "ServiceAccount", "builder", "team-a")},
			from: Source{Tenant: "team-a"}, to: Target{ClusterAdmin: true},
			want: "ServiceAccount/team-a/builder -is-cluster-admin-> cluster-admin",
		},
		{
			name: "requesting and approving certificates for the nodes' client signer takes the tokens of the pods on the nodes",
			with: []string{clusterRoleYAML("csr", `[{apiGroups: [certificates.k8s.io], resources: [certificatesigningrequests], verbs: [create]}, {apiGroups: [certificates.k8s.io], resources: [certificatesigningrequests/approval], verbs: [patch]}, {apiGroups: [certificates.k8s.io], resources: [signers], verbs: [approve], resourceNames: [kubernetes.io/kube-apiserver-client-kubelet]}]`),
				binding("", "csr", "ClusterRole", "csr", "ServiceAccount", "builder", "team-a")},
			without: []string{clusterRoleYAML("csr", `[{apiGroups: [certificates.k8s.io], resources: [certificatesigningrequests], verbs: [create]}, {apiGroups: [certificates.k8s.io], resources: [certificatesigningrequests/approval], verbs: [patch]}, {apiGroups: [certificates.k8s.io], resources: [signers], verbs: [approve], resourceNames: [kubernetes.io/kubelet-serving]}]`),
				binding("", "csr", "ClusterRole", "csr", "ServiceAccount", "builder", "team-a")},
			from: Source{Tenant: "team-a"}, to: Target{Tenant: "team-b"},
			want: "ServiceAccount/team-a/builder -mints-token-of-> ServiceAccount/team-b/db",
		},
		{
			name: "patching another tenant's pods replaces their image",
			with: []string{role("team-b", "patch", `[{apiGroups: [""], resources: [pods], verbs: [get, patch]}]`),
				binding("team-b", "patch", "Role", "patch", "ServiceAccount", "builder", "team-a")},
			without: []string{role("team-b", "patch", `[{apiGroups: [""], resources: [pods/status], verbs: [patch]}]`),
				binding("team-b", "patch", "Role", "patch", "ServiceAccount", "builder", "team-a")},
			from: Source{Tenant: "team-a"}, to: Target{Tenant: "team-b"},
			want: "ServiceAccount/team-a/builder -execs-into-> Pod/team-b/db",
		},
		{
			name: "impersonating a named user of another tenant",
			with: []string{execRole, clusterRoleYAML("imp", `[{apiGroups: [""], resources: [users], verbs: [impersonate], resourceNames: [bob]}]`),
				binding("", "imp", "ClusterRole", "imp", "ServiceAccount", "builder", "team-a"), binding("team-b", "bob", "ClusterRole", "exec", "User", "bob", "")},
			without: []string{execRole, clusterRoleYAML("imp", `[{apiGroups: [""], resources: [users], verbs: [impersonate], resourceNames: [carol]}]`),
				binding("", "imp", "ClusterRole", "imp", "ServiceAccount", "builder", "team-a"), binding("team-b", "bob", "ClusterRole", "exec", "User", "bob", "")},
			from: Source{Tenant: "team-a"}, to: Target{Tenant: "team-b"},
			want: "ServiceAccount/team-a/builder -impersonates-> User/bob\nUser/bob -execs-into-> Pod/team-b/db",
		},
		{
			name: "impersonating system:masters by name beside a named user",
			with: []string{clusterRoleYAML("imp", `[{apiGroups: [""], resources: [users], verbs: [impersonate], resourceNames: [nobody]}, {apiGroups: [""], resources: [groups], verbs: [impersonate], resourceNames: [system:masters]}]`),
				binding("", "imp", "ClusterRole", "imp", "ServiceAccount", "builder", "team-a")},
			without: []string{clusterRoleYAML("imp", `[{apiGroups: [""], resources: [users], verbs: [impersonate], resourceNames: [nobody]}, {apiGroups: [""], resources: [groups], verbs: [impersonate], resourceNames: [devs]}]`),
				binding("", "imp", "ClusterRole", "imp", "ServiceAccount", "builder", "team-a")},
			from: Source{Tenant: "team-a"}, to: Target{Tenant: "team-b"},
			want: "ServiceAccount/team-a/builder -is-cluster-admin-> cluster-admin",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			with := build(t, fromYAML(t, replace(base, tc.with)...))
			var got []string
			for _, p := range with.Paths(tc.from, tc.to) {
				got = append(got, hopTypes(&p))
			}
			found := false
			for _, g := range got {
				found = found || strings.Contains(g, tc.want)
			}
			if !found {
				t.Errorf("paths:\n%s\nwant one to be\n%s", strings.Join(got, "\n--\n"), tc.want)
			}
			without := build(t, fromYAML(t, replace(base, tc.without)...))
			if ps := without.Paths(tc.from, tc.to); len(ps) > 0 {
				t.Errorf("path remains with the cause removed:\n%s", hopTypes(&ps[0]))
			}
			if tc.from.Tenant != "" && tc.to.Tenant != "" {
				x := with.Matrix()
				if c := x.Cell(tc.from.Tenant, tc.to.Tenant); c == nil || c.Isolated {
					t.Errorf("matrix cell %s → %s isolated with the cause present", tc.from.Tenant, tc.to.Tenant)
				}
			}
		})
	}
}

// TestEdgeTypesDocumented: every edge type is a row of the table in
// docs/attack-graph.md, and the table has no other.
func TestEdgeTypesDocumented(t *testing.T) {
	doc, err := os.ReadFile("../../docs/attack-graph.md")
	if err != nil {
		t.Fatal(err)
	}
	row := regexp.MustCompile("(?m)^\\| `([a-z-]+)`")
	documented := map[string]bool{}
	for _, m := range row.FindAllStringSubmatch(string(doc), -1) {
		documented[m[1]] = true
	}
	known := map[string]bool{}
	for _, e := range EdgeTypes {
		known[string(e)] = true
		if !documented[string(e)] {
			t.Errorf("edge type %s is not in docs/attack-graph.md", e)
		}
	}
	for d := range documented {
		if !known[d] {
			t.Errorf("docs/attack-graph.md documents %s, which is no edge type", d)
		}
	}
}

// KeepsRelabels: a graph holds across a relabel when every selector the
// namespace could join by relabelling takes it alike, by the same labels
// (a label a NotIn requires absent is dropped by the relabelling, so it
// does not count); labels that join a selector, or leave one, move it.
func TestKeepsRelabels(t *testing.T) {
	snap := fromYAML(t, policy("team-b", "from-team-b",
		"{podSelector: {}, ingress: [{from: [{namespaceSelector: {matchLabels: {team: b}, matchExpressions: [{key: env, operator: NotIn, values: [prod]}]}}]}]}"))
	m := &Model{in: Inputs{Snapshot: snap}}
	for _, c := range []struct {
		name          string
		before, after map[string]string
		keeps         bool
	}{
		{"a label no selector reads", map[string]string{"team": "a"}, map[string]string{"team": "a", "cost": "1"}, true},
		{"no label at all", nil, map[string]string{"cost": "1"}, true},
		{"a label relabelling drops (NotIn)", map[string]string{"team": "a", "env": "prod"}, map[string]string{"team": "a", "env": "dev"}, true},
		{"joined", map[string]string{"team": "a"}, map[string]string{"team": "b"}, false},
		{"joined no longer", map[string]string{"team": "b"}, map[string]string{"team": "b", "env": "prod"}, false},
	} {
		if got := m.KeepsRelabels([]Relabel{{Namespace: "team-a", Before: c.before, After: c.after}}); got != c.keeps {
			t.Errorf("%s: KeepsRelabels = %v, want %v", c.name, got, c.keeps)
		}
	}
}
