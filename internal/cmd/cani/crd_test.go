package cani

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bulkhead-dev/bulkhead/internal/cli"
)

const crdCluster = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.com}
spec:
  group: example.com
  scope: Namespaced
  names: {plural: widgets, singular: widget, kind: Widget, shortNames: [wd]}
  versions: [{name: v1, served: true, storage: true}]
---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: racks.example.com}
spec:
  group: example.com
  scope: Cluster
  names: {plural: racks, singular: rack, kind: Rack}
  versions: [{name: v1beta1, served: true, storage: false}, {name: v1, served: true, storage: true}]
---
apiVersion: v1
kind: Namespace
metadata: {name: team}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: widgets, namespace: team}
rules: [{apiGroups: [example.com], resources: [widgets], verbs: [get]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: alice, namespace: team}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: widgets}
subjects: [{kind: User, name: alice, apiGroup: rbac.authorization.k8s.io}]
`

// TestCustomResources: the input's CustomResourceDefinitions resolve
// resource names, short names, singular names and scope as kubectl's
// discovery would.
func TestCustomResources(t *testing.T) {
	file := filepath.Join(t.TempDir(), "crd.yaml")
	if err := os.WriteFile(file, []byte(crdCluster), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args    []string
		want    string
		warning string
	}{
		{[]string{"get", "wd"}, "yes", ""},
		{[]string{"get", "widget"}, "yes", ""},
		{[]string{"get", "Widget.example.com"}, "yes", ""},
		{[]string{"get", "widgets.v1.example.com"}, "yes", ""},
		{[]string{"list", "wd"}, "no", ""},
		{[]string{"get", "racks"}, "no", "resource 'racks' is not namespace scoped in group 'example.com'"},
		{[]string{"get", "gadgets"}, "no", "taking it literally"},
	} {
		args := append(append([]string{}, tc.args...), "-n", "team", "--as", "alice", "-f", file)
		out, stderr, code := runCanI(t, args...)
		if got := strings.TrimSpace(out); got != tc.want {
			t.Errorf("can-i %v = %q, want %q (stderr %q)", tc.args, got, tc.want, stderr)
		}
		if want := map[string]int{"yes": cli.ExitOK, "no": cli.ExitNo}[tc.want]; code != want {
			t.Errorf("can-i %v: exit %d, want %d", tc.args, code, want)
		}
		if tc.warning == "" && strings.Contains(stderr, "Warning") {
			t.Errorf("can-i %v: unexpected warning %q", tc.args, stderr)
		}
		if tc.warning != "" && !strings.Contains(stderr, tc.warning) {
			t.Errorf("can-i %v: stderr %q lacks %q", tc.args, stderr, tc.warning)
		}
	}
}
