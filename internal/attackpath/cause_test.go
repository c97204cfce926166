package attackpath

import (
	"strings"
	"testing"
)

// base is two tenants isolated in every layer: Pod Security enforced,
// default-deny network policies both ways, no cross-namespace RBAC, and no
// DNS server configuration to leak names.
var base = []string{
	nsYAML("team-a", "baseline"), nsYAML("team-b", "baseline"),
	denyAll("team-a"), denyAll("team-b"),
	podYAML("team-a", "app", "builder", ""),
	podYAML("team-b", "db", "db", ""),
	`apiVersion: v1
kind: ServiceAccount
metadata: {name: builder, namespace: team-a}`,
	`apiVersion: v1
kind: ServiceAccount
metadata: {name: db, namespace: team-b}`,
}

func nsYAML(name, enforce string) string {
	labels := ""
	if enforce != "" {
		labels = "\n  labels: {pod-security.kubernetes.io/enforce: " + enforce + "}"
	}
	return "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: " + name + labels
}

func denyAll(ns string) string {
	return `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny-all, namespace: ` + ns + `}
spec: {podSelector: {}, policyTypes: [Ingress, Egress]}`
}

func podYAML(ns, name, sa, security string) string {
	return `apiVersion: v1
kind: Pod
metadata: {name: ` + name + `, namespace: ` + ns + `, labels: {app: ` + name + `}}
spec:
  serviceAccountName: ` + sa + `
  containers:
  - name: c
    image: busybox` + security
}

func roleBinding(ns, role, subjectKind, subject, subjectNS string) string {
	nsLine := ""
	if subjectNS != "" {
		nsLine = ", namespace: " + subjectNS
	}
	return `apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: grant, namespace: ` + ns + `}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: ` + role + `}
subjects: [{kind: ` + subjectKind + `, name: ` + subject + nsLine + `}]`
}

func role(ns, name, rules string) string {
	return `apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: ` + name + `, namespace: ` + ns + `}
rules: ` + rules
}

const tokenSecret = `apiVersion: v1
kind: Secret
type: kubernetes.io/service-account-token
metadata: {name: db-token, namespace: team-b, annotations: {kubernetes.io/service-account.name: db}}`

func bindRole(names string) string {
	return `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: binder}
rules:
- apiGroups: [rbac.authorization.k8s.io]
  resources: [clusterroles]
  verbs: [bind]` + names + `
- apiGroups: [rbac.authorization.k8s.io]
  resources: [clusterrolebindings]
  verbs: [create]`
}

func crb(role, saNamespace string) string {
	return `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: ` + role + `}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: ` + role + `}
subjects: [{kind: ServiceAccount, name: builder, namespace: ` + saNamespace + `}]`
}

const privileged = `
    securityContext: {privileged: true}
  volumes: [{name: root, hostPath: {path: /}}]`

// Each case is a fixture with a known path and the same fixture with one
// cause removed, in which the path must disappear.
func TestCauseRemoved(t *testing.T) {
	for _, tc := range []struct {
		name string
		with []string // added to base: the path exists
		// without is with, one cause removed; nil means base alone.
		without []string
		from    Source
		to      Target
		want    string // the witness path's hops
	}{
		{
			name: "exec into another tenant's pod",
			with: []string{
				role("team-b", "exec", `[{apiGroups: [""], resources: [pods/exec], verbs: [create]}]`),
				roleBinding("team-b", "exec", "ServiceAccount", "builder", "team-a"),
			},
			without: []string{role("team-b", "exec", `[{apiGroups: [""], resources: [pods/exec], verbs: [create]}]`)},
			from:    Source{Tenant: "team-a"}, to: Target{Tenant: "team-b"},
			want: "ServiceAccount/team-a/builder -execs-into-> Pod/team-b/db",
		},
		{
			name: "create pods to act as another tenant's account",
			with: []string{
				role("team-b", "deployer", `[{apiGroups: [apps], resources: [deployments], verbs: [create]}]`),
				roleBinding("team-b", "deployer", "ServiceAccount", "builder", "team-a"),
			},
			without: []string{
				role("team-b", "deployer", `[{apiGroups: [apps], resources: [deployments], verbs: [get]}]`),
				roleBinding("team-b", "deployer", "ServiceAccount", "builder", "team-a"),
			},
			from: Source{Tenant: "team-a"}, to: Target{Tenant: "team-b"},
			want: "ServiceAccount/team-a/builder -creates-pods-in-> Workloads/team-b/team-b",
		},
		{
			name: "secrets hold another tenant's token",
			with: []string{
				role("team-b", "reader", `[{apiGroups: [""], resources: [secrets], verbs: [list]}]`),
				roleBinding("team-b", "reader", "Group", "system:serviceaccounts:team-a", ""),
				`apiVersion: v1
kind: Secret
type: kubernetes.io/service-account-token
metadata: {name: db-token, namespace: team-b, annotations: {kubernetes.io/service-account.name: db}}`,
			},
			without: []string{
				role("team-b", "reader", `[{apiGroups: [""], resources: [configmaps], verbs: [list]}]`),
				roleBinding("team-b", "reader", "Group", "system:serviceaccounts:team-a", ""),
			},
			from: Source{Subject: &Vertex{Kind: ServiceAccount, Namespace: "team-a", Name: "builder"}}, to: Target{Tenant: "team-b"},
			want: "ServiceAccount/team-a/builder -member-of-> Group/system:serviceaccounts:team-a\n" +
				"Group/system:serviceaccounts:team-a -reads-secrets-of-> Secrets/team-b/team-b\n" +
				"Secrets/team-b/team-b -holds-token-of-> ServiceAccount/team-b/db",
		},
		{
			name: "privileged pod escapes to the node another tenant runs on",
			with: []string{
				nsYAML("team-a", "privileged"),
				podYAML("team-a", "root", "builder", privileged),
			},
			without: []string{
				nsYAML("team-a", "privileged"),
				podYAML("team-a", "root", "builder", ""),
			},
			from: Source{Tenant: "team-a"}, to: Target{Tenant: "team-b"},
			want: "Pod/team-a/root -escapes-to-node-> Node/(any node)\nNode/(any node) -node-runs-pod-> Pod/team-b/db",
		},
		{
			name: "a user creates pods in an unenforced namespace, escapes, owns the other tenant's pod",
			with: []string{
				nsYAML("team-a", ""),
				role("team-a", "dev", `[{apiGroups: [""], resources: [pods], verbs: [create]}]`),
				roleBinding("team-a", "dev", "User", "alice", ""),
			},
			without: []string{
				role("team-a", "dev", `[{apiGroups: [""], resources: [pods], verbs: [create]}]`),
				roleBinding("team-a", "dev", "User", "alice", ""),
			},
			from: Source{Subject: &Vertex{Kind: User, Name: "alice"}}, to: Target{Tenant: "team-b"},
			want: "User/alice -creates-pods-in-> Workloads/team-a/team-a\n" +
				"Workloads/team-a/team-a -runs-privileged-pod-on-> Node/(any node)\n" +
				"Node/(any node) -node-runs-pod-> Pod/team-b/db",
		},
		{
			name: "network reach",
			with: []string{`apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny-all, namespace: team-a}
spec: {podSelector: {}, policyTypes: [Ingress]}`, `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: from-a, namespace: team-b}
spec:
  podSelector: {}
  ingress: [{from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: team-a}}}], ports: [{port: 5432}]}]`},
			without: []string{`apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny-all, namespace: team-a}
spec: {podSelector: {}, policyTypes: [Ingress]}`},
			from: Source{Tenant: "team-a"}, to: Target{Tenant: "team-b"},
			want: "Pod/team-a/app -reaches-> Pod/team-b/db",
		},
		{
			name: "cluster-admin through a ClusterRoleBinding",
			with: []string{`apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: everything}
rules: [{apiGroups: ["*"], resources: ["*"], verbs: ["*"]}]`, `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: oops}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: everything}
subjects: [{kind: ServiceAccount, name: builder, namespace: team-a}]`},
			without: []string{`apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: everything}
rules: [{apiGroups: ["*"], resources: ["*"], verbs: ["*"]}]`},
			from: Source{Tenant: "team-a"}, to: Target{ClusterAdmin: true},
			want: "ServiceAccount/team-a/builder -is-cluster-admin-> cluster-admin",
		},
		{
			name: "nodes/proxy to every pod",
			with: []string{`apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: kubelet-api}
rules: [{apiGroups: [""], resources: [nodes/proxy], verbs: [get]}]`, `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: monitoring}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: kubelet-api}
subjects: [{kind: ServiceAccount, name: builder, namespace: team-a}]`},
			without: []string{`apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: kubelet-api}
rules: [{apiGroups: [""], resources: [nodes/proxy], verbs: [get]}]`, `apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: monitoring, namespace: team-a}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: kubelet-api}
subjects: [{kind: ServiceAccount, name: builder, namespace: team-a}]`},
			from: Source{Tenant: "team-a"}, to: Target{Tenant: "team-b"},
			want: "ServiceAccount/team-a/builder -kubelet-proxy-to-> Node/(any node)\nNode/(any node) -node-runs-pod-> Pod/team-b/db",
		},
		{
			name: "secrets read limited to one token secret",
			with: []string{
				role("team-b", "reader", `[{apiGroups: [""], resources: [secrets], verbs: [get], resourceNames: [db-token]}]`),
				roleBinding("team-b", "reader", "ServiceAccount", "builder", "team-a"),
				tokenSecret,
			},
			without: []string{
				role("team-b", "reader", `[{apiGroups: [""], resources: [secrets], verbs: [get], resourceNames: [public-ca]}]`),
				roleBinding("team-b", "reader", "ServiceAccount", "builder", "team-a"),
				tokenSecret,
			},
			from: Source{Tenant: "team-a"}, to: Target{Tenant: "team-b"},
			want: "ServiceAccount/team-a/builder -reads-secrets-of-> ServiceAccount/team-b/db",
		},
		{
			name:    "bind on every ClusterRole, not only on view",
			with:    []string{bindRole(""), crb("binder", "team-a")},
			without: []string{bindRole("\n  resourceNames: [view]"), crb("binder", "team-a")},
			from:    Source{Tenant: "team-a"}, to: Target{ClusterAdmin: true},
			want: "ServiceAccount/team-a/builder -binds-role-> Grant/ClusterRole/cluster-admin\n" +
				"Grant/ClusterRole/cluster-admin -is-cluster-admin-> cluster-admin",
		},
		{
			name: "privileged pod reaches a pod pinned to a node the snapshot does not list",
			with: []string{
				nsYAML("team-a", "privileged"),
				podYAML("team-a", "root", "builder", privileged),
				podYAML("team-b", "db", "db", "\n  nodeName: n1"),
			},
			without: []string{
				nsYAML("team-a", "privileged"),
				podYAML("team-a", "root", "builder", ""),
				podYAML("team-b", "db", "db", "\n  nodeName: n1"),
			},
			from: Source{Tenant: "team-a"}, to: Target{Tenant: "team-b"},
			want: "Pod/team-a/root -escapes-to-node-> Node/(any node)\nNode/(any node) -may-be-> Node/n1\nNode/n1 -node-runs-pod-> Pod/team-b/db",
		},
		{
			name: "taints do not keep out the author of a privileged pod",
			with: []string{
				nsYAML("team-a", ""),
				role("team-a", "dev", `[{apiGroups: [""], resources: [pods], verbs: [create]}]`),
				roleBinding("team-a", "dev", "User", "alice", ""),
				"apiVersion: v1\nkind: Node\nmetadata: {name: n1}\nspec: {taints: [{key: dedicated, value: b, effect: NoSchedule}]}",
				podYAML("team-b", "db", "db", "\n  nodeName: n1"),
			},
			without: []string{
				role("team-a", "dev", `[{apiGroups: [""], resources: [pods], verbs: [create]}]`),
				roleBinding("team-a", "dev", "User", "alice", ""),
				"apiVersion: v1\nkind: Node\nmetadata: {name: n1}\nspec: {taints: [{key: dedicated, value: b, effect: NoSchedule}]}",
				podYAML("team-b", "db", "db", "\n  nodeName: n1"),
			},
			from: Source{Subject: &Vertex{Kind: User, Name: "alice"}}, to: Target{Tenant: "team-b"},
			want: "User/alice -creates-pods-in-> Workloads/team-a/team-a\n" +
				"Workloads/team-a/team-a -runs-privileged-pod-on-> Node/n1\n" +
				"Node/n1 -node-runs-pod-> Pod/team-b/db",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			baseline := build(t, fromYAML(t, base...))
			if ps := baseline.Paths(tc.from, tc.to); len(ps) > 0 {
				t.Fatalf("base fixture already has a path:\n%s", hopTypes(&ps[0]))
			}
			with := build(t, fromYAML(t, replace(base, tc.with)...))
			ps := with.Paths(tc.from, tc.to)
			if len(ps) == 0 {
				t.Fatal("no path with the cause present")
			}
			var got []string
			for i := range ps {
				got = append(got, hopTypes(&ps[i]))
			}
			if !contains(got, tc.want) {
				t.Errorf("paths:\n%s\nwant one to be\n%s", strings.Join(got, "\n--\n"), tc.want)
			}
			without := build(t, fromYAML(t, replace(base, tc.without)...))
			if ps := without.Paths(tc.from, tc.to); len(ps) > 0 {
				t.Errorf("path remains with the cause removed:\n%s", hopTypes(&ps[0]))
			}
			if tc.from.Tenant != "" && tc.to.Tenant != "" {
				wx, wox := with.Matrix(), without.Matrix()
				if c := wx.Cell(tc.from.Tenant, tc.to.Tenant); c == nil || c.Isolated {
					t.Errorf("matrix cell %s → %s isolated with the cause present", tc.from.Tenant, tc.to.Tenant)
				}
				if c := wox.Cell(tc.from.Tenant, tc.to.Tenant); c == nil || !c.Isolated {
					t.Errorf("matrix cell %s → %s breached with the cause removed: %+v", tc.from.Tenant, tc.to.Tenant, c)
				}
			}
		})
	}
}

// replace returns base with docs added; a doc naming the same kind,
// namespace and name as a base doc replaces it.
func replace(base, docs []string) []string {
	key := func(doc string) string {
		var kind, name, ns string
		for _, line := range strings.Split(doc, "\n") {
			switch {
			case strings.HasPrefix(line, "kind: "):
				kind = strings.TrimPrefix(line, "kind: ")
			case strings.HasPrefix(line, "metadata: {name: "):
				rest := strings.TrimPrefix(line, "metadata: {name: ")
				name, _, _ = strings.Cut(rest, ",")
				name = strings.TrimSuffix(name, "}")
				if i := strings.Index(rest, "namespace: "); i >= 0 {
					ns, _, _ = strings.Cut(rest[i+len("namespace: "):], ",")
					ns = strings.TrimSuffix(strings.TrimSuffix(ns, "}"), "}")
				}
			case strings.HasPrefix(line, "  name: ") && name == "":
				name = strings.TrimPrefix(line, "  name: ")
			}
		}
		return kind + "/" + ns + "/" + name
	}
	out := append([]string(nil), base...)
	for _, d := range docs {
		k := key(d)
		replaced := false
		for i := range out {
			if key(out[i]) == k {
				out[i], replaced = d, true
			}
		}
		if !replaced {
			out = append(out, d)
		}
	}
	return out
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}
