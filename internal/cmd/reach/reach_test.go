package reach

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bulkhead-dev/bulkhead/internal/cli"
	"github.com/bulkhead-dev/bulkhead/internal/netpol"
)

func execute(t *testing.T, args ...string) (string, int) {
	t.Helper()
	var out, errOut bytes.Buffer
	cmd := NewCommand(cli.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut})
	cmd.SetArgs(args)
	cmd.SetOut(&out)
	cmd.SetErr(&errOut)
	err := cmd.ExecuteContext(context.Background())
	var exit cli.ExitError
	switch {
	case err == nil:
		return out.String(), 0
	case errors.As(err, &exit):
		return out.String(), exit.Code
	}
	t.Fatalf("reach %v: %v\n%s", args, err, errOut.String())
	return "", -1
}

const seed = "../../../examples/seed-cluster"

func TestSeedCurlFlips(t *testing.T) {
	for _, src := range []string{"default/busybox", "default/nginx-default"} {
		out, code := execute(t, src, "network/nginx", "--port", "80", "--demo")
		if code != 0 || !strings.HasPrefix(out, "yes\n") || !strings.Contains(out, "neither side isolated") {
			t.Errorf("%s before: exit %d\n%s", src, code, out)
		}
		out, code = execute(t, src, "network/nginx", "--port", "80", "-f", seed, "-f", "testdata/deny-network.yaml")
		if code != cli.ExitNo || !strings.HasPrefix(out, "no\n") || !strings.Contains(out, "NetworkPolicy network/default-deny-ingress") {
			t.Errorf("%s after: exit %d\n%s", src, code, out)
		}
	}
}

func TestAnyPortListsPorts(t *testing.T) {
	out, code := execute(t, "default/nginx", "test/nginx-test", "--demo")
	if code != 0 || !strings.Contains(out, "allowed ports from default/nginx to test/nginx-test: TCP any port, UDP any port, SCTP any port") {
		t.Fatalf("exit %d\n%s", code, out)
	}
	out, code = execute(t, "default/nginx", "network/nginx", "-f", seed, "-f", "testdata/deny-network.yaml")
	if code != cli.ExitNo || !strings.Contains(out, "no port is allowed") {
		t.Fatalf("exit %d\n%s", code, out)
	}
}

func TestMatrix(t *testing.T) {
	out, _ := execute(t, "--matrix", "-f", seed, "-f", "testdata/deny-network.yaml", "-o", "json")
	var mx netpol.Matrix
	if err := json.Unmarshal([]byte(out), &mx); err != nil {
		t.Fatal(err)
	}
	if len(mx.Endpoints) != 4 {
		t.Fatalf("endpoints %v", mx.Endpoints)
	}
	for _, c := range mx.Allowed {
		if c.To == "network" {
			t.Errorf("%s reaches network after default deny: %v", c.From, c.Ports)
		}
	}
	if len(mx.Allowed) != 12 { // 4x4 minus the 4 pairs into network
		t.Errorf("allowed pairs = %d, want 12", len(mx.Allowed))
	}
	out, _ = execute(t, "--matrix", "--pods", "-o", "csv", "--demo")
	if !strings.HasPrefix(out, "from,to,ports\n") || !strings.Contains(out, "default/busybox,network/nginx,TCP any port;UDP any port;SCTP any port") {
		t.Fatalf("csv:\n%s", out)
	}
	out, _ = execute(t, "--matrix", "-f", seed, "-f", "testdata/deny-network.yaml")
	if !strings.Contains(out, "2 network        * . * *") {
		t.Fatalf("text:\n%s", out)
	}
}

func TestBadArguments(t *testing.T) {
	var out bytes.Buffer
	for _, args := range [][]string{
		{"default/nginx", "--demo"},
		{"--matrix", "a/b", "c/d", "--demo"},
		{"a", "b/c", "--demo"},
		{"a/b", "c/d", "--protocol", "ICMP", "--demo"},
		{"a/b", "c/d", "--port", "70000", "--demo"},
		{"default/nope", "network/nginx", "--demo"},
	} {
		cmd := NewCommand(cli.IOStreams{Out: &out, ErrOut: &out})
		cmd.SetArgs(args)
		cmd.SetOut(&out)
		cmd.SetErr(&out)
		err := cmd.Execute()
		var exit cli.ExitError
		if err == nil || errors.As(err, &exit) {
			t.Errorf("%v: want a usage error, got %v", args, err)
		}
	}
}

// TestControllerName: a controller's name finds the pod that stands for
// it when the input holds none of its pods.
func TestControllerName(t *testing.T) {
	file := filepath.Join(t.TempDir(), "c.yaml")
	doc := `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: a}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: c, image: x, ports: [{containerPort: 80}]}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: client, namespace: b}
spec:
  selector: {matchLabels: {app: client}}
  template:
    metadata: {labels: {app: client}}
    spec: {containers: [{name: c, image: x}]}
`
	if err := os.WriteFile(file, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	out, code := execute(t, "b/client", "a/web", "--port", "80", "-f", file)
	if code != 0 || !strings.Contains(out, "from b/deployment-client to a/deployment-web") {
		t.Errorf("exit %d\n%s", code, out)
	}
}

// TestOutputChecks: -o is checked before anything is loaded, an unknown
// format in the words every command uses.
func TestOutputChecks(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"unknown", []string{"--matrix", "-o", "xml"}, `--output "xml": want text, json or csv`},
		{"csv without --matrix", []string{"a/b", "c/d", "-o", "csv"}, "-o csv needs --matrix"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			cmd := NewCommand(cli.IOStreams{Out: &out, ErrOut: &out})
			cmd.SetArgs(append(tc.args, "-f", "testdata/nope.yaml"))
			cmd.SetOut(&out)
			cmd.SetErr(&out)
			if err := cmd.Execute(); err == nil || err.Error() != tc.want {
				t.Errorf("err = %v, want %q", err, tc.want)
			}
		})
	}
}

// --with applies manifests as a server-side apply would: the seed's curl
// is refused with the deny policy applied, and allowed again when a later
// manifest replaces that policy (same namespace and name) instead of
// clashing with it as a second -f would.
func TestWith(t *testing.T) {
	out, code := execute(t, "default/nginx-default", "network/nginx", "--port", "80", "--demo", "--with", "testdata/deny-network.yaml")
	if code != cli.ExitNo || !strings.Contains(out, "NetworkPolicy network/default-deny-ingress") {
		t.Errorf("with the deny policy: exit %d\n%s", code, out)
	}
	out, code = execute(t, "default/nginx-default", "network/nginx", "--port", "80", "--demo", "--with", "testdata/deny-network.yaml", "--with", "testdata/allow-network.yaml")
	if code != 0 || !strings.HasPrefix(out, "yes\n") {
		t.Errorf("with the policy replaced: exit %d\n%s", code, out)
	}
	// A change of a kind the network analysis does not model makes the
	// answer incomplete, as the same object given with -f would.
	out, code = execute(t, "default/busybox", "network/nginx", "--port", "80", "--demo", "--with", "testdata/unmodelled.yaml")
	if code != cli.ExitIncomplete || !strings.Contains(out, "ciliumnetworkpolicies") {
		t.Errorf("with a CiliumNetworkPolicy: exit %d, want 5 and why\n%s", code, out)
	}
	for file, want := range map[string]string{
		"testdata/missing.yaml":         "--with:",
		"testdata/removed-version.yaml": "--with: no Kubernetes objects in testdata/removed-version.yaml that bulkhead analyses: 1 object(s) of kinds it does not model (networking.k8s.io/v1beta1/NetworkPolicy)",
	} {
		var outBuf, errOut bytes.Buffer
		cmd := NewCommand(cli.IOStreams{In: strings.NewReader(""), Out: &outBuf, ErrOut: &errOut})
		cmd.SetArgs([]string{"default/busybox", "network/nginx", "--demo", "--with", file})
		cmd.SetOut(&outBuf)
		cmd.SetErr(&errOut)
		err := cmd.ExecuteContext(context.Background())
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("--with %s: error %v, want %q", file, err, want)
		}
	}
}

// A namespace relabelled by --with keeps the pods it had: busybox, which
// the new Pod Security level refuses, still runs and still reaches.
func TestWithKeepsRunningPods(t *testing.T) {
	out, code := execute(t, "default/busybox", "network/nginx", "--port", "80", "--demo", "--with", "testdata/baseline-default.yaml")
	if code != 0 || !strings.HasPrefix(out, "yes\n") {
		t.Errorf("busybox after relabelling its namespace: exit %d\n%s", code, out)
	}
}

// A pod that is not there is named with the pods that are.
func TestPodNotFoundNamesPods(t *testing.T) {
	for _, c := range []struct{ src, want string }{
		{"default/nope", "pods of default: busybox, nginx, nginx-default"},
		{"nowhere/nope", "namespace nowhere has no pods in the input"},
	} {
		var out bytes.Buffer
		cmd := NewCommand(cli.IOStreams{Out: &out, ErrOut: &out})
		cmd.SetArgs([]string{c.src, "network/nginx", "--demo"})
		cmd.SetOut(&out)
		cmd.SetErr(&out)
		if err := cmd.Execute(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want it to say %q", c.src, err, c.want)
		}
	}
}

// A change of nothing (harden's output of a layer without a safe object,
// whose kustomization lists no resources) and a change of quotas alone
// (harden --layers quota) review as no change, not as errors.
func TestWithNothingToAnalyse(t *testing.T) {
	empty := t.TempDir()
	if err := os.WriteFile(filepath.Join(empty, "kustomization.yaml"), []byte("apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: []\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	quotas := filepath.Join(t.TempDir(), "quota.yaml")
	if err := os.WriteFile(quotas, []byte("apiVersion: v1\nkind: ResourceQuota\nmetadata: {name: q, namespace: default}\nspec: {hard: {services.nodeports: \"0\"}}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, with := range []string{empty, quotas} {
		out, code := execute(t, "default/nginx-default", "network/nginx", "--port", "80", "--demo", "--with", with)
		if code != 0 || !strings.HasPrefix(out, "yes\n") {
			t.Errorf("--with %s: exit %d\n%s", with, code, out)
		}
	}
}

// TestNoOnUnknownAddressIsIncomplete: a "no" that depends on an address
// the input does not give (an address block a pod without an address may
// fall in) exits 5, its note saying why; a "yes" does not depend on it.
func TestNoOnUnknownAddressIsIncomplete(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "cluster.yaml")
	if err := os.WriteFile(file, []byte(`apiVersion: v1
kind: Pod
metadata: {name: client, namespace: a}
spec: {containers: [{name: c, image: x}]}
---
apiVersion: v1
kind: Pod
metadata: {name: db, namespace: b}
spec: {containers: [{name: c, image: x}]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: private-only, namespace: a}
spec:
  podSelector: {}
  policyTypes: [Egress]
  egress: [{to: [{ipBlock: {cidr: 10.0.0.0/8}}]}]
`), 0o644); err != nil {
		t.Fatal(err)
	}
	out, code := execute(t, "a/client", "b/db", "--port", "5432", "-f", file)
	if code != cli.ExitIncomplete || !strings.Contains(out, "has no address in the input") {
		t.Errorf("exit %d:\n%s", code, out)
	}
	if out, code := execute(t, "b/db", "a/client", "--port", "80", "-f", file); code != 0 {
		t.Errorf("a yes: exit %d:\n%s", code, out)
	}
}
