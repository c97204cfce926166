package attackpath

import (
	"strings"
	"testing"

	"github.com/bulkhead-dev/bulkhead/internal/netpol"
	"github.com/bulkhead-dev/bulkhead/internal/tenancy"
)

// A host-network pod reaches every other pod of its node whatever their
// policies (traffic from a pod's own node is always allowed), and no pod
// of another node: each pod it reaches is a path of one hop, with the
// host-network pod and the node as evidence.
func TestHostNetworkReachesItsNodesPods(t *testing.T) {
	pod := func(ns, name, node string, host bool) string {
		return `apiVersion: v1
kind: Pod
metadata: {namespace: ` + ns + `, name: ` + name + `}
spec: {nodeName: ` + node + `, hostNetwork: ` + map[bool]string{true: "true", false: "false"}[host] + `, containers: [{name: c, image: x}]}
status: {phase: Running, podIP: 10.0.0.` + map[string]string{"agent": "1", "agent2": "2", "web": "3", "db": "4", "far": "5"}[name] + `}`
	}
	snap := fromYAML(t,
		"apiVersion: v1\nkind: Namespace\nmetadata: {name: a}",
		"apiVersion: v1\nkind: Namespace\nmetadata: {name: b}",
		"apiVersion: v1\nkind: Node\nmetadata: {name: n1}",
		"apiVersion: v1\nkind: Node\nmetadata: {name: n2}",
		pod("a", "agent", "n1", true), pod("a", "agent2", "n1", true),
		pod("b", "web", "n1", false), pod("b", "db", "n1", false), pod("b", "far", "n2", false),
		`apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {namespace: b, name: deny-all}
spec: {podSelector: {}, policyTypes: [Ingress]}`)
	snap.Normalize()
	ten, err := tenancy.Resolve(snap, tenancy.Config{})
	if err != nil {
		t.Fatal(err)
	}
	m := Build(Inputs{Snapshot: snap, Tenancy: ten, Network: netpol.Compile(snap, netpol.DefaultOptions())})
	got := map[string]bool{}
	for _, p := range m.Paths(Source{Tenant: "a"}, Target{Tenant: "b"}) {
		m.Explain(&p)
		if len(p.Hops) != 1 {
			t.Fatalf("path to %s: %d hops, want 1: %+v", p.Target, len(p.Hops), p.Hops)
		}
		h := p.Hops[0]
		if h.Type != ReachesFromNode || h.From.Namespace != "a" || h.Detail != "any port, from its node" {
			t.Errorf("hop %+v: want a host-network pod of a reaching from its node", h)
		}
		if len(h.Evidence) != 2 || !strings.Contains(h.Evidence[0].Fact, "host network") || h.Evidence[1].Object.Name != "n1" {
			t.Errorf("hop to %s: evidence %+v, want the host-network pod and node n1", h.To, h.Evidence)
		}
		got[h.To.Name] = true
	}
	if !got["web"] || !got["db"] || got["far"] || len(got) != 2 {
		t.Errorf("a reaches %v of b, want web and db (on n1), not far (on n2)", got)
	}
	x := m.Matrix()
	c := x.Cell("a", "b")
	if c == nil || c.Isolated || c.Paths != 2 {
		t.Fatalf("cell a → b: %+v, want 2 pods reached", c)
	}
}

// The hub of the nodes a privileged pod may run on is the cluster's ground,
// as the nodes are: a path of the cluster tenant through its own
// namespace to its own nodes crosses nothing, so its most severe path to
// another tenant's pod is the direct one (exec into it), not a longer one
// through a node.
func TestPrivilegedHubIsTheClustersGround(t *testing.T) {
	snap := fromYAML(t,
		"apiVersion: v1\nkind: Namespace\nmetadata: {name: kube-system}",
		"apiVersion: v1\nkind: Namespace\nmetadata: {name: a}",
		"apiVersion: v1\nkind: Namespace\nmetadata: {name: b, labels: {pod-security.kubernetes.io/enforce: restricted}}",
		"apiVersion: v1\nkind: Node\nmetadata: {name: n1}",
		"apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: op, namespace: kube-system}",
		`apiVersion: v1
kind: Pod
metadata: {namespace: b, name: q}
spec: {nodeName: n1, containers: [{name: c, image: x, securityContext: {runAsNonRoot: true, allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}, seccompProfile: {type: RuntimeDefault}}}]}`,
		`apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: ops}
rules:
- {apiGroups: [""], resources: [pods], verbs: [create]}
- {apiGroups: [""], resources: [pods/exec], verbs: [create]}`,
		`apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: ops, namespace: a}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: ops}
subjects: [{kind: ServiceAccount, name: op, namespace: kube-system}]`,
		`apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: ops, namespace: b}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: ops}
subjects: [{kind: ServiceAccount, name: op, namespace: kube-system}]`)
	got := pathTo(build(t, snap), "cluster", "b", "q")
	if want := "ServiceAccount/kube-system/op -execs-into-> Pod/b/q"; got != want {
		t.Errorf("cluster → Pod/b/q: %q, want %q", got, want)
	}
}

// A hop through a hub ties with a direct edge as the direct edge it
// stands for would: a host-network pod and a pod whose policies let it in
// both reach b/q in one hop, and the path shown is the one through the
// first of them found (the host-network pod, hh, whose vertex comes
// first), as it was before the hub.
func TestHubHopTiesAsADirectEdge(t *testing.T) {
	pod := func(ns, name, node, host, ip string) string {
		return `apiVersion: v1
kind: Pod
metadata: {namespace: ` + ns + `, name: ` + name + `, labels: {app: ` + name + `}}
spec: {nodeName: ` + node + `, hostNetwork: ` + host + `, containers: [{name: c, image: x}]}
status: {phase: Running, podIP: ` + ip + `}`
	}
	snap := fromYAML(t,
		"apiVersion: v1\nkind: Namespace\nmetadata: {name: a}",
		"apiVersion: v1\nkind: Namespace\nmetadata: {name: b}",
		"apiVersion: v1\nkind: Node\nmetadata: {name: n1}",
		"apiVersion: v1\nkind: Node\nmetadata: {name: n2}",
		pod("a", "aa", "n2", "false", "10.0.0.1"), pod("a", "hh", "n1", "true", "10.0.1.1"),
		pod("b", "q", "n1", "false", "10.0.0.3"),
		`apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {namespace: b, name: allow}
spec: {podSelector: {}, ingress: [{}]}`)
	snap.Normalize()
	ten, err := tenancy.Resolve(snap, tenancy.Config{})
	if err != nil {
		t.Fatal(err)
	}
	m := Build(Inputs{Snapshot: snap, Tenancy: ten, Network: netpol.Compile(snap, netpol.DefaultOptions())})
	if got, want := pathTo(m, "a", "b", "q"), "Pod/a/hh -reaches-from-node-> Pod/b/q"; got != want {
		t.Errorf("a → Pod/b/q: %q, want %q", got, want)
	}
}

// pathTo is the hops of the path from tenant from to the pod named pod of
// tenant to, "" for none.
func pathTo(m *Model, from, to, pod string) string {
	for _, p := range m.Paths(Source{Tenant: from}, Target{Tenant: to}) {
		if p.Target.Kind == Pod && p.Target.Name == pod {
			return hopTypes(&p)
		}
	}
	return ""
}
