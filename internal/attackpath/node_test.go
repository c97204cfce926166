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
