package cli_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bulkhead-dev/bulkhead/internal/app"
	"github.com/bulkhead-dev/bulkhead/internal/cli"
)

const (
	goodNS  = "apiVersion: v1\nkind: Namespace\nmetadata: {name: team-a}\n"
	goodSA  = "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: builder}\n"
	badPod  = "apiVersion: v1\nkind: Pod\nmetadata: {name: Bad_Name, namespace: team-a}\nspec: {containers: [{name: c, image: i}]}\n"
	helmDoc = "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: {{ .Release.Name }}\n"
)

// TestFilesExitCodes is the table of bad input, end to end: the files
// given to -f, the flags, the message on stderr and the exit code.
func TestFilesExitCodes(t *testing.T) {
	for _, tc := range []struct {
		name  string
		files map[string]string // relative path → content; "" path is a directory marker
		args  []string          // after the command; DIR stands for the temporary directory
		code  int
		want  string // on stderr (exit 1) or stdout (exit 0)
	}{
		{"empty file", map[string]string{"empty.yaml": ""}, []string{"-f", "DIR/empty.yaml"},
			cli.ExitFailure, "no Kubernetes objects in DIR/empty.yaml: the input is empty"},
		{"empty stdin", nil, []string{"-f", "-"},
			cli.ExitFailure, "no Kubernetes objects in <stdin>: the input is empty"},
		{"only comments", map[string]string{"c.yaml": "# nothing\n---\n---\n"}, []string{"-f", "DIR/c.yaml"},
			cli.ExitFailure, "no Kubernetes objects in DIR/c.yaml: the input is empty"},
		{"binary garbage", map[string]string{"garbage.yaml": "\x00\x01\xfe\xff\x89PNG\r\n\x1a\n\x00\x00"}, []string{"-f", "DIR/garbage.yaml"},
			cli.ExitFailure, "no Kubernetes objects in DIR/garbage.yaml (1 document skipped: DIR/garbage.yaml:1: invalid YAML"},
		{"not objects", map[string]string{"values.yaml": "replicas: 3\nimage: nginx\n"}, []string{"-f", "DIR/values.yaml"},
			cli.ExitFailure, "no Kubernetes objects in DIR/values.yaml (1 document skipped: DIR/values.yaml:1: missing apiVersion and kind)"},
		{"directory of Helm templates", map[string]string{"templates/sa.yaml": helmDoc, "templates/cm.yaml": helmDoc + "---\n" + helmDoc}, []string{"-f", "DIR/templates"},
			cli.ExitFailure, "no Kubernetes objects in DIR/templates (3 documents skipped: DIR/templates/cm.yaml:1: Helm template syntax ({{ ... }}) in 2 document(s), skipped: render the chart and pipe the output instead"},
		{"Helm chart", map[string]string{"chart/Chart.yaml": "apiVersion: v2\nname: c\nversion: 1.0.0\n", "chart/values.yaml": "a: 1\n", "chart/templates/sa.yaml": helmDoc}, []string{"-f", "DIR/chart"},
			cli.ExitFailure, "no Kubernetes objects in DIR/chart (1 document skipped: DIR/chart: a Helm chart (it has a Chart.yaml)"},
		{"directory without manifests", map[string]string{"docs/README.md": "# hi\n"}, []string{"-f", "DIR/docs"},
			cli.ExitFailure, "no Kubernetes objects in DIR/docs: no .yaml, .yml or .json files (nor .gz of them)"},
		{"only kinds bulkhead does not model", map[string]string{"w.yaml": "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n"}, []string{"-f", "DIR/w.yaml"},
			cli.ExitFailure, "no Kubernetes objects in DIR/w.yaml that bulkhead analyses: 1 object(s) of kinds it does not model (example.com/v1/Widget)"},
		{"only ConfigMaps no analysis reads", map[string]string{"cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: app, namespace: team-a}\ndata: {a: b}\n"}, []string{"-f", "DIR/cm.yaml"},
			cli.ExitFailure, "no Kubernetes objects in DIR/cm.yaml that bulkhead analyses: only 1 ConfigMap, and no analysis reads a ConfigMap but the CoreDNS Corefile (kube-system/coredns)"},
		{"the CoreDNS Corefile alone is analysed", map[string]string{"cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: coredns, namespace: kube-system}\ndata:\n  Corefile: |\n    .:53 {\n        kubernetes cluster.local {\n           pods insecure\n        }\n    }\n"}, []string{"-f", "DIR/cm.yaml"},
			cli.ExitOK, "    name: coredns\n    namespace: kube-system\n"},
		{"every document refused", map[string]string{"bad.yaml": badPod}, []string{"-f", "DIR/bad.yaml"},
			cli.ExitFailure, `(1 document skipped: DIR/bad.yaml:1: Pod team-a/Bad_Name refused by the API server: metadata.name: Invalid value: "Bad_Name"`},
		{"several inputs named", map[string]string{"a.yaml": "", "b/x.txt": ""}, []string{"-f", "DIR/a.yaml", "-f", "DIR/b"},
			cli.ExitFailure, "no Kubernetes objects in DIR/a.yaml, DIR/b"},
		{"missing file", nil, []string{"-f", "DIR/nope.yaml"},
			cli.ExitFailure, "load DIR/nope.yaml: stat DIR/nope.yaml: no such file or directory"},
		{"differing duplicates", map[string]string{"a.yaml": goodNS, "b.yaml": strings.Replace(goodNS, "team-a}", "team-a, labels: {x: z}}", 1)}, []string{"-f", "DIR"},
			cli.ExitFailure, "Namespace team-a is defined twice, differently, at DIR/a.yaml:1 and at DIR/b.yaml:1"},
		{"differing duplicates across inputs: a change given with -f", map[string]string{"a.yaml": goodNS, "b.yaml": strings.Replace(goodNS, "team-a}", "team-a, labels: {x: z}}", 1)}, []string{"-f", "DIR/a.yaml", "-f", "DIR/b.yaml"},
			cli.ExitFailure, "the cluster has\n(to analyse manifests applied on top of a cluster, such as harden's output, give them with --with"},
		{"a skipped document is fatal with --strict", map[string]string{"m.yaml": goodNS + "---\n" + badPod}, []string{"--strict", "-f", "DIR/m.yaml"},
			cli.ExitFailure, "--strict: 1 document of the input skipped: DIR/m.yaml:5 (document 2): Pod team-a/Bad_Name refused by the API server"},
		{"a skipped document is not fatal without it", map[string]string{"m.yaml": goodNS + "---\n" + badPod}, []string{"-f", "DIR/m.yaml"},
			cli.ExitOK, "# skipped: DIR/m.yaml:5 (document 2): Pod team-a/Bad_Name refused by the API server"},
		{"identical duplicates are merged", map[string]string{"a.yaml": goodNS, "b.yaml": goodNS}, []string{"-f", "DIR"},
			cli.ExitOK, "# warning: DIR/b.yaml:1: Namespace team-a is identical to the one at DIR/a.yaml:1; merged"},
		{"objects without a namespace go to default", map[string]string{"sa.yaml": goodSA}, []string{"-f", "DIR/sa.yaml"},
			cli.ExitOK, "    name: builder\n    namespace: default\n"},
		{"or to --namespace", map[string]string{"sa.yaml": goodSA}, []string{"-n", "team-a", "-f", "DIR/sa.yaml"},
			cli.ExitOK, "    name: builder\n    namespace: team-a\n"},
		{"the demo", nil, []string{"--demo"}, cli.ExitOK, "kind: Namespace"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			for p, content := range tc.files {
				full := filepath.Join(dir, p)
				if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(full, []byte(content), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			args := []string{"snapshot", "--no-builtin-roles"}
			for _, a := range tc.args {
				args = append(args, strings.ReplaceAll(a, "DIR", dir))
			}
			var out, errOut bytes.Buffer
			code := app.Run(context.Background(), args, cli.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut})
			if code != tc.code {
				t.Errorf("exit %d, want %d; stderr: %s", code, tc.code, errOut.String())
			}
			got := out.String()
			if tc.code != cli.ExitOK {
				got = errOut.String()
			}
			got = strings.ReplaceAll(got, dir, "DIR")
			if !strings.Contains(got, tc.want) {
				t.Errorf("output:\n%s\nwant it to contain:\n%s", got, tc.want)
			}
		})
	}
}

// TestNamespaceFlagLeftToTheRequest checks that can-i and who-can keep -n
// for the namespace of the request: the source flags do not take it.
func TestNamespaceFlagLeftToTheRequest(t *testing.T) {
	for _, args := range [][]string{
		{"can-i", "list", "pods", "-n", "test-namespace", "--as", "alice", "--demo"},
		{"who-can", "list", "pods", "-n", "test-namespace", "--demo"},
	} {
		var out, errOut bytes.Buffer
		code := app.Run(context.Background(), args, cli.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut})
		if code == cli.ExitFailure {
			t.Errorf("%v: exit %d: %s", args, code, errOut.String())
		}
	}
}
