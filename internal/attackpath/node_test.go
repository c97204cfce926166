package attackpath

import (
	"strings"
	"testing"

	"github.com/bulkhead-dev/bulkhead/internal/finding"
	"github.com/bulkhead-dev/bulkhead/internal/node"
)

// nodeExporterYAML is kube-prometheus' node-exporter DaemonSet, cut to
// what node isolation judges: read-only hostPath / and /sys, UID and group
// 65534, runAsNonRoot, no privilege escalation, drop ALL. tweak edits the
// container's securityContext and the root mount's readOnly.
func nodeExporterYAML(containerSecurity, rootReadOnly string) string {
	return `apiVersion: apps/v1
kind: DaemonSet
metadata: {name: node-exporter, namespace: monitoring}
spec:
  selector: {matchLabels: {app: node-exporter}}
  template:
    metadata: {labels: {app: node-exporter}}
    spec:
      automountServiceAccountToken: false
      securityContext: {runAsUser: 65534, runAsGroup: 65534, runAsNonRoot: true}
      containers:
      - name: node-exporter
        image: quay.io/prometheus/node-exporter:v1.8.2
        securityContext:
          allowPrivilegeEscalation: false
          readOnlyRootFilesystem: true
          capabilities: {add: [SYS_TIME], drop: [ALL]}` + containerSecurity + `
        volumeMounts:
        - {name: sys, mountPath: /host/sys, readOnly: true, mountPropagation: HostToContainer}
        - {name: root, mountPath: /host/root, readOnly: ` + rootReadOnly + `, mountPropagation: HostToContainer}
      volumes:
      - {name: sys, hostPath: {path: /sys}}
      - {name: root, hostPath: {path: /}}`
}

// Escape needs the power to use it: only a real escape is an
// escapes-to-node edge and a critical finding.
func TestNodeExporterEscape(t *testing.T) {
	cases := []struct {
		name               string
		security, readOnly string
		escapes            bool
	}{
		{name: "read-only / as UID 65534 with no capabilities", readOnly: "true"},
		{name: "as UID 0", security: "\n          runAsUser: 0", readOnly: "true", escapes: true},
		{name: "writable", readOnly: "false", escapes: true},
		{name: "privileged", security: "\n          privileged: true", readOnly: "true", escapes: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			snap := fromYAML(t, nsYAML("monitoring", "privileged"), nsYAML("team-b", "baseline"),
				nodeExporterYAML(tc.security, tc.readOnly), podYAML("team-b", "app", "default", ""))
			m := build(t, snap)
			edges := 0
			for i := 0; i < m.g.Edges(); i++ {
				if e := m.g.Edge(int32(i)); e.Type == EscapesToNode {
					edges++
					if v := m.g.At(e.From); v.Namespace != "monitoring" {
						t.Errorf("escape edge from %v", v)
					}
				}
			}
			if got := edges > 0; got != tc.escapes {
				t.Errorf("escapes-to-node edges: %d, want any: %v", edges, tc.escapes)
			}
			var escape *finding.Finding
			for i := range m.in.Workload.Findings {
				f := &m.in.Workload.Findings[i]
				if f.ID == node.IDNodeEscape || f.ID == node.IDHostAccess {
					escape = f
				}
			}
			if escape == nil {
				t.Fatalf("no node finding for the DaemonSet: %v", m.in.Workload.Findings)
			}
			if critical := escape.Severity == finding.Critical; critical != tc.escapes {
				t.Errorf("%s %s: %s", escape.ID, escape.Severity, escape.Detail)
			}
			if !tc.escapes && !strings.Contains(escape.Detail, "not an escape") {
				t.Errorf("the detail does not say why: %s", escape.Detail)
			}
		})
	}
}

// A rule on pod controllers only grants "pods create" through them, and
// the step says so.
func TestPodsCreateThroughControllers(t *testing.T) {
	for _, tc := range []struct {
		rules, want string
	}{
		{`[{apiGroups: [""], resources: [pods], verbs: [create]}]`, "pods create"},
		{`[{apiGroups: [apps], resources: [statefulsets, deployments], verbs: ["*"]}]`, "pods create, through statefulsets, deployments"},
	} {
		t.Run(tc.want, func(t *testing.T) {
			m := build(t, fromYAML(t, nsYAML("team-a", "baseline"), role("team-a", "deployer", tc.rules),
				roleBinding("team-a", "deployer", "User", "ann", "")))
			for i := 0; i < m.g.Edges(); i++ {
				if e := m.g.Edge(int32(i)); e.Type == CreatesPods {
					if e.Detail != tc.want {
						t.Errorf("detail %q, want %q", e.Detail, tc.want)
					}
					return
				}
			}
			t.Fatal("no creates-pods-in edge")
		})
	}
}

// Root on a control-plane node is cluster-admin: its disk holds the admin
// credentials and keys. A worker's root is not, nor an escape to the
// control-plane node that is not root (the kubelet's credentials).
func TestRootOnControlPlane(t *testing.T) {
	node := func(name, labels string) string {
		return "apiVersion: v1\nkind: Node\nmetadata: {name: " + name + ", labels: {" + labels + "}}"
	}
	cp := node("cp-1", `node-role.kubernetes.io/control-plane: ""`)
	worker := node("cp-1", `node-role.kubernetes.io/worker: ""`)
	privileged := podYAML("team-a", "shell", "default", "\n    securityContext: {privileged: true}\n  nodeName: cp-1")
	kubeletDir := podYAML("team-a", "reader", "default", "\n    securityContext: {runAsUser: 0}\n    volumeMounts: [{name: k, mountPath: /k, readOnly: true}]\n  nodeName: cp-1\n  volumes: [{name: k, hostPath: {path: /var/lib/kubelet}}]")
	nonRootWriter := podYAML("team-a", "writer", "default", "\n    securityContext: {runAsUser: 1000, runAsNonRoot: true, allowPrivilegeEscalation: false}\n    volumeMounts: [{name: r, mountPath: /r}]\n  nodeName: cp-1\n  volumes: [{name: r, hostPath: {path: /}}]")
	creator := role("team-b", "run", `[{apiGroups: [""], resources: [pods], verbs: [create]}]`) + "\n---\n" + roleBinding("team-b", "run", "User", "bea", "")
	for _, tc := range []struct {
		name  string
		docs  []string
		from  Source
		admin bool
	}{
		{"a privileged pod on the control plane", []string{nsYAML("team-a", "privileged"), cp, privileged}, Source{Tenant: "team-a"}, true},
		{"a privileged pod on a worker", []string{nsYAML("team-a", "privileged"), worker, privileged}, Source{Tenant: "team-a"}, false},
		{"the kubelet's directory on the control plane", []string{nsYAML("team-a", "privileged"), cp, kubeletDir}, Source{Tenant: "team-a"}, false},
		{"the node's / written by a non-root user", []string{nsYAML("team-a", "privileged"), cp, nonRootWriter}, Source{Tenant: "team-a"}, false},
		{"a namespace that admits privileged pods, with a control plane", []string{nsYAML("team-b", ""), cp, creator}, Source{Subject: &Vertex{Kind: User, Name: "bea"}}, true},
		{"a namespace that admits privileged pods, no control plane", []string{nsYAML("team-b", ""), worker, creator}, Source{Subject: &Vertex{Kind: User, Name: "bea"}}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := build(t, fromYAML(t, tc.docs...))
			paths := m.Paths(tc.from, Target{ClusterAdmin: true})
			if got := len(paths) > 0; got != tc.admin {
				for i := range paths {
					m.Explain(&paths[i])
					t.Log(hopTypes(&paths[i]))
				}
				t.Fatalf("a path to cluster-admin: %v, want %v", got, tc.admin)
			}
			if tc.admin {
				m.Explain(&paths[0])
				if got := hopTypes(&paths[0]); !strings.Contains(got, "-root-on-control-plane->") || paths[0].Severity != finding.Critical {
					t.Errorf("path (%s):\n%s", paths[0].Severity, got)
				}
			}
		})
	}
}
