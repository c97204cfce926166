package harden

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"sigs.k8s.io/yaml"

	"github.com/bulkhead-dev/bulkhead/internal/cli"
	"github.com/bulkhead-dev/bulkhead/internal/cli/clitest"
	"github.com/bulkhead-dev/bulkhead/internal/golden"
	harden "github.com/bulkhead-dev/bulkhead/internal/harden"
)

// execute runs the harden command and returns its exit code as app.Run
// would: 0, the code of a cli.ExitError, or 1 for any other error.
func execute(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	return clitest.Run(NewCommand, args...)
}

func goldenFile(t *testing.T, name, got string) {
	t.Helper()
	golden.Check(t, filepath.Join("testdata", name), []byte(got))
}

// TestDemo: the proof on the demo (testdata/demo.txt), exit 3 while
// busybox's critical escape remains, 0 when the gate is lifted.
func TestDemo(t *testing.T) {
	out, stderr, code := execute(t, "--demo")
	if code != cli.ExitFindings {
		t.Fatalf("exit %d, want %d; stderr %s", code, cli.ExitFindings, stderr)
	}
	goldenFile(t, "demo.txt", out)
	for _, s := range []string{"isolation before: 13 of 16", "isolation after the safe objects:", "CRITICAL default → cluster: node", "pod default/busybox escapes to its node", "rbac: Delete ClusterRoleBinding/pod-reader-binding", "ok     reachability within each tenant unchanged"} {
		if !strings.Contains(out, s) {
			t.Errorf("output lacks %q", s)
		}
	}
	if _, _, code := execute(t, "--demo", "--fail-on", "none"); code != cli.ExitOK {
		t.Errorf("--fail-on none: exit %d, want 0", code)
	}
	// -v, which the text's "… N more" lines name, lists everything: the
	// demo's lists are short, so the same text.
	if verbose, stderr, code := execute(t, "--demo", "-v"); code != cli.ExitFindings || verbose != out {
		t.Errorf("-v: exit %d, stderr %s, same text %v", code, stderr, verbose == out)
	}
}

// TestYAML: -o yaml is the safe objects only, each labelled and
// annotated, and the same bytes twice.
func TestYAML(t *testing.T) {
	out, stderr, code := execute(t, "-f", "../../harden/testdata/cmd/dns-cluster.yaml", "--tenant-label", "tenant", "-o", "yaml")
	if code != cli.ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	again, _, _ := execute(t, "-f", "../../harden/testdata/cmd/dns-cluster.yaml", "--tenant-label", "tenant", "-o", "yaml")
	if out != again {
		t.Error("two runs differ")
	}
	docs := strings.Split(strings.TrimPrefix(out, "---\n"), "\n---\n")
	if len(docs) < 3 {
		t.Fatalf("%d documents", len(docs))
	}
	for _, d := range docs {
		var obj struct {
			Kind     string `json:"kind"`
			Metadata struct {
				Labels      map[string]string `json:"labels"`
				Annotations map[string]string `json:"annotations"`
			} `json:"metadata"`
		}
		if err := yaml.Unmarshal([]byte(d), &obj); err != nil {
			t.Fatal(err)
		}
		// What harden creates is labelled its own; a Namespace it only
		// labels for Pod Security stays its owner's, so that deleting by
		// harden's label never deletes a namespace.
		if (obj.Metadata.Labels[harden.ManagedByLabel] == harden.ManagedBy) == (obj.Kind == "Namespace") || obj.Metadata.Annotations[harden.ReasonAnnotation] == "" {
			t.Errorf("%s with the wrong ownership label, or without a reason:\n%s", obj.Kind, d)
		}
		if obj.Kind == "ClusterRoleBinding" || obj.Kind == "RoleBinding" || obj.Kind == "ConfigMap" {
			t.Errorf("a proposal's %s among the safe objects", obj.Kind)
		}
	}
}

// TestOut: --out writes the directory, byte-identical on a rerun, and the
// proof still goes to stdout.
func TestOut(t *testing.T) {
	read := func(dir string) map[string]string {
		files := map[string]string{}
		err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			data, err := os.ReadFile(p)
			rel, _ := filepath.Rel(dir, p)
			files[filepath.ToSlash(rel)] = string(data)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return files
	}
	var runs []map[string]string
	for range 2 {
		dir := t.TempDir()
		out, stderr, code := execute(t, "--demo", "--out", dir, "--fail-on", "none")
		if code != cli.ExitOK {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		if !strings.Contains(out, "wrote "+dir) {
			t.Errorf("stdout does not say where it wrote")
		}
		runs = append(runs, read(dir))
	}
	if d := cmp.Diff(runs[0], runs[1]); d != "" {
		t.Errorf("reruns differ:\n%s", d)
	}
	for _, f := range []string{"README.md", "kustomization.yaml", "default.yaml", "test.yaml"} {
		if runs[0][f] == "" {
			t.Errorf("%s missing", f)
		}
	}
}

// TestJSON: -o json holds the matrices, the residuals and the checks.
func TestJSON(t *testing.T) {
	out, stderr, code := execute(t, "--demo", "-o", "json", "--fail-on", "none")
	if code != cli.ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var doc struct {
		Before    json.RawMessage   `json:"before"`
		After     json.RawMessage   `json:"after"`
		Residuals []harden.Residual `json:"residuals"`
		Checks    harden.Checks     `json:"checks"`
		Closed    []string          `json:"closed"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Before) == 0 || len(doc.After) == 0 || len(doc.Residuals) == 0 || len(doc.Closed) == 0 || doc.Checks.Pairs == 0 {
		t.Errorf("incomplete document: %s", out)
	}
}

func TestBadFlags(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--demo", "--layers", "firewall"}, `--layers: layer "firewall"`},
		{[]string{"--demo", "--egress", "some"}, `--egress "some": want internet or none`},
		{[]string{"--demo", "--network", "cilium"}, `--network "cilium": want policy or admin`},
		{[]string{"--demo", "-o", "xml"}, `--output "xml": want text, yaml or json`},
		{[]string{"--demo", "--fail-on", "worst"}, `--fail-on`},
		{[]string{"--demo", "--allow-flows", "testdata/none.yaml"}, `--allow-flows`},
		{[]string{"--demo", "--allow-privileged", "nosuchns"}, `--allow-privileged: namespace "nosuchns" is not in the cluster`},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			_, stderr, code := execute(t, tc.args...)
			if code != cli.ExitFailure || !strings.Contains(stderr, tc.want) {
				t.Errorf("exit %d, %q; want 1 and %q", code, stderr, tc.want)
			}
		})
	}
}

func TestReadFlows(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "flows.yaml")
	if err := os.WriteFile(good, []byte("- name: scrape\n  from: {namespace: monitoring}\n  to: {namespace: team-a, pods: {app: web}}\n  ports: [\"TCP/9090\"]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte("- name: x\n  form: {namespace: a}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	flows, err := readFlows(good)
	if err != nil {
		t.Fatal(err)
	}
	want := []harden.Flow{{Name: "scrape", From: harden.Peer{Namespace: "monitoring"}, To: harden.Peer{Namespace: "team-a", Pods: map[string]string{"app": "web"}}, Ports: []string{"TCP/9090"}}}
	if d := cmp.Diff(want, flows); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
	if _, err := readFlows(bad); err == nil || !strings.Contains(err.Error(), `unknown field "form"`) {
		t.Errorf("a misspelt field: %v", err)
	}
}

// TestReviewNamesTheSource: the review command harden prints and writes
// in the README reads the cluster harden read, grouped the same way; a
// bare --with would audit the current kube context instead.
func TestReviewNamesTheSource(t *testing.T) {
	fixture := "../../harden/testdata/cmd/dns-cluster.yaml"
	for _, c := range []struct {
		name string
		args []string
		want string
	}{
		{"demo", []string{"--demo"}, "bulkhead audit --demo --with "},
		{"files and tenancy", []string{"-f", fixture, "--tenant-label", "tenant", "--platform-namespaces", "mon,ingress-*"},
			"bulkhead audit -f " + fixture + " --tenant-label tenant --platform-namespaces 'mon,ingress-*' --with "},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			out, stderr, code := execute(t, append(c.args, "--out", dir, "--fail-on", "none")...)
			if code != cli.ExitOK {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			if flat := strings.Join(strings.Fields(out), " "); !strings.Contains(flat, "review with "+c.want+dir) {
				t.Errorf("stdout does not name %q:\n%s", c.want+dir, out)
			}
			readme, err := os.ReadFile(filepath.Join(dir, "README.md"))
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(readme), c.want+"DIR") {
				t.Errorf("README does not name %q:\n%s", c.want+"DIR", readme)
			}
		})
	}
}

// TestHelpNamesTheChecks: the help names the proof's four checks that
// nothing legitimate broke, as docs/harden.md does.
func TestHelpNamesTheChecks(t *testing.T) {
	out, _, code := execute(t, "--help")
	if code != cli.ExitOK {
		t.Fatalf("exit %d", code)
	}
	flat := strings.Join(strings.Fields(out), " ")
	for _, s := range []string{"reachability within each tenant unchanged", "reached the cluster DNS still reaching it", "traffic from outside the cluster still reaching the pods behind LoadBalancer, NodePort and externalIPs Services", "every pod that reached the API server still reaching it"} {
		if !strings.Contains(flat, s) {
			t.Errorf("help lacks %q", s)
		}
	}
}

// TestIncompleteInput: on input whose network analysis is incomplete (a
// CiliumNetworkPolicy, which bulkhead does not model), the proof says so
// in the text and the JSON and exits 5 where it would exit 0; 3 still
// wins when something remains at --fail-on.
func TestIncompleteInput(t *testing.T) {
	fixture := "../../harden/testdata/cmd/cilium-cluster.yaml"
	out, stderr, code := execute(t, "-f", fixture)
	if code != cli.ExitIncomplete {
		t.Fatalf("exit %d, want %d; stderr %s\n%s", code, cli.ExitIncomplete, stderr, out)
	}
	flat := strings.Join(strings.Fields(out), " ")
	for _, s := range []string{"warning the proof stands on incomplete input", "network incomplete: ciliumnetworkpolicies.cilium.io", "exit 5:"} {
		if !strings.Contains(flat, s) {
			t.Errorf("text lacks %q:\n%s", s, out)
		}
	}
	js, _, code := execute(t, "-f", fixture, "-o", "json")
	if code != cli.ExitIncomplete {
		t.Errorf("-o json: exit %d, want %d", code, cli.ExitIncomplete)
	}
	var doc struct {
		Incomplete []string `json:"incomplete"`
	}
	if err := json.Unmarshal([]byte(js), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Incomplete) != 1 || !strings.HasPrefix(doc.Incomplete[0], "network incomplete") {
		t.Errorf("-o json incomplete = %q, want the network analysis", doc.Incomplete)
	}
	if _, _, code := execute(t, "-f", fixture, "--fail-on", "low"); code != cli.ExitFindings {
		t.Errorf("--fail-on low: exit %d, want %d (3 wins over 5)", code, cli.ExitFindings)
	}
	// Complete input still exits 0.
	if _, _, code := execute(t, "-f", "../../harden/testdata/cmd/dns-cluster.yaml", "--tenant-label", "tenant"); code != cli.ExitOK {
		t.Errorf("complete input: exit %d, want 0", code)
	}
}

// TestOutReplacesEarlierOutput: --out into a directory an earlier harden
// wrote leaves none of the earlier plan's files to apply (a namespace's
// YAML, a review file) and keeps the user's own; a directory of anything
// else is refused and left as it is.
func TestOutReplacesEarlierOutput(t *testing.T) {
	dir := t.TempDir()
	if _, stderr, code := execute(t, "--demo", "--out", dir, "--fail-on", "none"); code != cli.ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	// An earlier plan's namespace file (listed in its kustomization) and
	// proposals, and the user's own files.
	k, err := os.ReadFile(filepath.Join(dir, "kustomization.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	// The user lists a file and a directory of their own in it too.
	if err := os.WriteFile(filepath.Join(dir, "kustomization.yaml"), append(k, "- gone-namespace.yaml\n- my-netpol.yaml\n- overlay\n"...), 0o644); err != nil {
		t.Fatal(err)
	}
	harden := "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  labels:\n    app.kubernetes.io/managed-by: bulkhead\n  name: bulkhead-x\n"
	for _, f := range []struct{ path, data string }{
		{"gone-namespace.yaml", harden}, {filepath.Join("review", "09-node-gone.yaml"), "x"}, {filepath.Join("review", "09-node-gone.diff"), "x"},
		{"notes.txt", "x"}, {"patch.yaml", "x"}, {"NOTES.md", "x"}, {"my-netpol.yaml", "kind: NetworkPolicy\n"}, {filepath.Join("overlay", "x.yaml"), "x"},
	} {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, f.path)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f.path), []byte(f.data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if _, stderr, code := execute(t, "--demo", "--out", dir, "--fail-on", "none"); code != cli.ExitOK {
		t.Fatalf("rerun: exit %d: %s", code, stderr)
	}
	for _, f := range []string{"gone-namespace.yaml", filepath.Join("review", "09-node-gone.yaml"), filepath.Join("review", "09-node-gone.diff")} {
		if _, err := os.Stat(filepath.Join(dir, f)); !os.IsNotExist(err) {
			t.Errorf("%s left from the earlier output: %v", f, err)
		}
	}
	for _, f := range []string{"notes.txt", "patch.yaml", "NOTES.md", "my-netpol.yaml", filepath.Join("overlay", "x.yaml"), "kustomization.yaml", "README.md", "default.yaml"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}

	other := t.TempDir()
	mine := filepath.Join(other, "deployment.yaml")
	if err := os.WriteFile(mine, []byte("kind: Deployment\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, stderr, code := execute(t, "--demo", "--out", other, "--fail-on", "none")
	if code != cli.ExitFailure || !strings.Contains(stderr, "not empty") {
		t.Errorf("a foreign directory: exit %d, %q", code, stderr)
	}
	if b, err := os.ReadFile(mine); err != nil || string(b) != "kind: Deployment\n" {
		t.Errorf("the user's file: %q, %v", b, err)
	}
}

// TestMachineOutputSaysWhyItExits: with -o yaml or json on stdout, stderr
// says why harden exits 3 (what remains) or 5 (incomplete input); the
// text says it in the proof and adds nothing to stderr.
func TestMachineOutputSaysWhyItExits(t *testing.T) {
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--demo", "-o", "yaml"}, cli.ExitFindings, "remain at --fail-on high (exit 3)"},
		{[]string{"--demo", "-o", "json"}, cli.ExitFindings, "remain at --fail-on high (exit 3)"},
		{[]string{"-f", "../../harden/testdata/cmd/cilium-cluster.yaml", "-o", "yaml", "--fail-on", "none"}, cli.ExitIncomplete, "incomplete input"},
		{[]string{"--demo"}, cli.ExitFindings, ""},
	} {
		_, stderr, code := execute(t, c.args...)
		flat := strings.Join(strings.Fields(stderr), " ")
		if code != c.code || (c.want == "") != (flat == "") || !strings.Contains(flat, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit %d saying %q", c.args, code, flat, c.code, c.want)
		}
	}
}

// TestKubeadmControlPlane: on a kubeadm cluster the API server shares its
// node's address with etcd and the scheduler, all on the host network.
// Harden's allow to the API server's address and port is the API every
// pod calls, not a path to etcd: with --egress none nothing remains and
// the proof exits 0. Before it, team-a's open egress reaches etcd.
func TestKubeadmControlPlane(t *testing.T) {
	fixture := "../../harden/testdata/cmd/kubeadm-cluster.yaml"
	out, stderr, code := execute(t, "-f", fixture, "--egress", "none")
	if code != cli.ExitOK {
		t.Fatalf("exit %d, want 0; stderr %s\n%s", code, stderr, out)
	}
	for _, s := range []string{"isolation after the safe objects: 0 of 9 tenant pairs breached", "ok     every pod that reached the API server still does: 3 pods"} {
		if !strings.Contains(out, s) {
			t.Errorf("output lacks %q:\n%s", s, out)
		}
	}
	if strings.Contains(out, "etcd-cp1") {
		t.Errorf("etcd named in the proof:\n%s", out)
	}
	// default serves nothing to the API server: its own Service has no
	// pod behind it.
	yamlOut, _, _ := execute(t, "-f", fixture, "--egress", "none", "-o", "yaml")
	for _, doc := range strings.Split(yamlOut, "\n---\n") {
		if strings.Contains(doc, "name: bulkhead-allow-ingress") && strings.Contains(doc, "namespace: default") && strings.Contains(doc, "10.0.0.10") {
			t.Errorf("default's ingress allow names the API server's address:\n%s", doc)
		}
	}
	// Before the safe objects, team-a's open egress reaches etcd.
	if !strings.Contains(out, "   3 team-a  n ") {
		t.Errorf("before the safe objects, team-a does not reach the cluster tenant over the network:\n%s", out)
	}
}
