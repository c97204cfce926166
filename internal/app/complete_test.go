package app

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/spf13/cobra"

	"github.com/bulkhead-dev/bulkhead/internal/cli"
	"github.com/bulkhead-dev/bulkhead/internal/render"
)

// completed runs the hidden __complete command as the shell scripts do
// and returns the candidates (without descriptions) and the directive.
func completed(t *testing.T, inv Invocation, args ...string) ([]string, cobra.ShellCompDirective) {
	t.Helper()
	var out, errOut bytes.Buffer
	streams := cli.IOStreams{In: failingReader{t}, Out: &out, ErrOut: &errOut}
	if code := RunAs(context.Background(), inv, inv.Args(args), streams); code != 0 {
		t.Fatalf("exit %d, stderr %q", code, errOut.String())
	}
	return parseCompletion(t, out.String())
}

// parseCompletion reads __complete's output: a candidate a line, then
// ":DIRECTIVE".
func parseCompletion(t *testing.T, out string) ([]string, cobra.ShellCompDirective) {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	last := lines[len(lines)-1]
	d, err := strconv.Atoi(strings.TrimPrefix(last, ":"))
	if !strings.HasPrefix(last, ":") || err != nil {
		t.Fatalf("no directive line in %q", out)
	}
	var values []string
	for _, l := range lines[:len(lines)-1] {
		v, _, _ := strings.Cut(l, "\t")
		values = append(values, v)
	}
	return values, cobra.ShellCompDirective(d)
}

// failingReader fails the test when completion reads stdin: the shell
// owns it.
type failingReader struct{ t *testing.T }

func (r failingReader) Read([]byte) (int, error) {
	r.t.Error("completion read stdin")
	return 0, os.ErrClosed
}

func TestCompletion(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	if err := os.WriteFile(bad, []byte("kind: [\n\t:::"), 0o644); err != nil {
		t.Fatal(err)
	}
	const (
		noFile   = cobra.ShellCompDirectiveNoFileComp
		noSpace  = cobra.ShellCompDirectiveNoSpace | cobra.ShellCompDirectiveNoFileComp
		fileExts = cobra.ShellCompDirectiveFilterFileExt
	)
	demoNamespaces := []string{"default", "kube-public", "kube-system", "network", "test", "test-namespace"}
	tests := []struct {
		name string
		args []string
		// want is the exact list, or with some set, what it must hold.
		want, some, none []string
		directive        cobra.ShellCompDirective
	}{
		{name: "namespaces of the demo", args: []string{"audit", "--demo", "-n", ""}, want: demoNamespaces, directive: noFile},
		{name: "namespaces by prefix", args: []string{"audit", "--demo", "--namespace", "test"}, want: []string{"test", "test-namespace"}, directive: noFile},
		{name: "namespaces of -f", args: []string{"harden", "-f", "../../examples/seed-cluster", "-n", ""}, want: demoNamespaces, directive: noFile},
		{name: "--with adds its namespaces", args: []string{"audit", "--demo", "--with", "../cmd/reach/testdata/allow-network.yaml", "-n", ""}, some: demoNamespaces, directive: noFile},
		{name: "request namespace of can-i", args: []string{"can-i", "--demo", "-n", "n"}, want: []string{"network"}, directive: noFile},
		{name: "request namespace of who-can", args: []string{"who-can", "list", "pods", "--demo", "-n", "kube-p"}, want: []string{"kube-public"}, directive: noFile},
		{name: "tenants", args: []string{"audit", "--demo", "--tenant", ""}, some: []string{"cluster", "default", "network"}, none: []string{"kube-system"}, directive: noFile},
		{name: "tenancy that does not resolve", args: []string{"audit", "--demo", "--tenant-label", "no-such-label", "--tenant", ""}, want: nil, directive: noFile},
		{name: "namespaces without tenancy", args: []string{"audit", "--demo", "--tenant-label", "no-such-label", "-n", ""}, want: demoNamespaces, directive: noFile},
		{name: "system namespaces replaced", args: []string{"audit", "--demo", "--replace-system-namespaces", "kube-public", "--tenant", "kube-"}, want: []string{"kube-system"}, directive: noFile},
		{name: "paths sources", args: []string{"paths", "--demo", "--from", ""}, some: []string{"default", "network", "User:alice", "User:bob", "Group:system:authenticated", "ServiceAccount:kube-system/kube-dns"}, none: []string{"cluster", "kube-system"}, directive: noFile},
		{name: "paths sources by prefix", args: []string{"paths", "--demo", "--from", "User:a"}, want: []string{"User:alice"}, directive: noFile},
		{name: "paths targets", args: []string{"paths", "--demo", "--to", ""}, want: []string{"cluster-admin", "default", "network", "test", "test-namespace"}, directive: noFile},
		{name: "can-i subjects", args: []string{"can-i", "list", "pods", "--demo", "--as", ""}, some: []string{"alice", "bob", "system:serviceaccount:kube-system:kube-dns"}, none: []string{"User:alice"}, directive: noFile},
		{name: "can-i service accounts of a namespace", args: []string{"can-i", "--demo", "--as", "system:serviceaccount:kube-system:kube-d"}, want: []string{"system:serviceaccount:kube-system:kube-dns"}, directive: noFile},
		{name: "can-i groups", args: []string{"can-i", "--demo", "--as-group", "system:ma"}, want: []string{"system:masters"}, directive: noFile},
		{name: "can-i verb", args: []string{"can-i", "--demo", "imp"}, want: []string{"impersonate"}, directive: noFile},
		{name: "who-can verb", args: []string{"who-can", "de"}, want: []string{"delete", "deletecollection"}, directive: noFile},
		{name: "who-can type is not completed", args: []string{"who-can", "get", ""}, want: nil, directive: noFile},
		{name: "reach source namespace", args: []string{"reach", "--demo", "net"}, want: []string{"network/"}, directive: noSpace},
		{name: "reach source pod", args: []string{"reach", "--demo", "default/"}, want: []string{"default/busybox", "default/nginx", "default/nginx-default"}, directive: noFile},
		{name: "reach destination pod", args: []string{"reach", "--demo", "default/busybox", "network/"}, want: []string{"network/nginx"}, directive: noFile},
		{name: "reach takes two endpoints", args: []string{"reach", "--demo", "default/busybox", "network/nginx", ""}, want: nil, directive: noFile},
		{name: "reach --matrix takes none", args: []string{"reach", "--demo", "--matrix", ""}, want: nil, directive: noFile},
		{name: "audit formats", args: []string{"audit", "-o", ""}, want: formatNames(&render.AuditFormats), directive: noFile},
		{name: "reach formats", args: []string{"reach", "--output", ""}, want: formatNames(&render.ReachFormats), directive: noFile},
		{name: "severities", args: []string{"audit", "--fail-on", ""}, want: []string{"info", "low", "medium", "high", "critical", "none"}, directive: noFile},
		{name: "manifest files", args: []string{"audit", "-f", ""}, want: []string{"yaml", "yml", "json", "gz"}, directive: fileExts},
		// No source on the line: the live cluster of the current context
		// is not called, nothing is completed, and no file names.
		{name: "no live call unasked", args: []string{"audit", "-n", ""}, want: nil, directive: noFile},
		{name: "missing file", args: []string{"audit", "-f", "does-not-exist.yaml", "-n", ""}, want: nil, directive: noFile},
		{name: "malformed file", args: []string{"audit", "-f", bad, "-n", ""}, want: nil, directive: noFile},
		{name: "stdin is the shell's", args: []string{"audit", "-f", "-", "-n", ""}, want: nil, directive: noFile},
		{name: "unreadable kubeconfig", args: []string{"audit", "--kubeconfig", "does-not-exist", "-n", ""}, want: nil, directive: noFile},
		{name: "--demo and -f together", args: []string{"audit", "--demo", "-f", "../../examples/seed-cluster", "-n", ""}, want: nil, directive: noFile},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, directive := completed(t, InvokedAs("bulkhead"), append([]string{cobra.ShellCompRequestCmd}, tc.args...)...)
			if directive != tc.directive {
				t.Errorf("directive %d, want %d", directive, tc.directive)
			}
			for _, v := range tc.none {
				if slices.Contains(got, v) {
					t.Errorf("offers %q: %q", v, got)
				}
			}
			if tc.some != nil {
				for _, v := range tc.some {
					if !slices.Contains(got, v) {
						t.Errorf("does not offer %q: %q", v, got)
					}
				}
				return
			}
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("candidates (-want +got):\n%s", d)
			}
		})
	}
}

// TestPluginCompletion: kubectl completes `kubectl bulkhead ...` by
// running kubectl_complete-bulkhead with the arguments after the plugin's
// name, and reads the answer __complete gives.
func TestPluginCompletion(t *testing.T) {
	got, directive := completed(t, InvokedAs("/home/u/.krew/bin/kubectl_complete-bulkhead"), "reach", "--demo", "default/b")
	if d := cmp.Diff([]string{"default/busybox"}, got); d != "" || directive != cobra.ShellCompDirectiveNoFileComp {
		t.Errorf("directive %d, candidates (-want +got):\n%s", directive, d)
	}
	got, _ = completed(t, InvokedAs("kubectl_complete-bulkhead"), "")
	for _, sub := range []string{"audit", "reach", "completion"} {
		if !slices.Contains(got, sub) {
			t.Errorf("subcommand %q not offered: %q", sub, got)
		}
	}
}

// TestCompletionScripts: bulkhead completion bash|zsh|fish writes cobra's
// script for the name the binary runs under.
func TestCompletionScripts(t *testing.T) {
	tests := []struct {
		shell, argv0, want string
	}{
		{"bash", "bulkhead", "__start_bulkhead"},
		{"zsh", "bulkhead", "#compdef bulkhead"},
		{"fish", "bulkhead", "complete -c bulkhead"},
		{"bash", "kubectl-bulkhead", "__start_kubectl-bulkhead"},
		{"zsh", "kubectl-bulkhead", "#compdef kubectl-bulkhead"},
		{"fish", "kubectl-bulkhead", "complete -c kubectl-bulkhead"},
	}
	for _, tc := range tests {
		t.Run(tc.argv0+" "+tc.shell, func(t *testing.T) {
			var out, errOut bytes.Buffer
			code := RunAs(context.Background(), InvokedAs(tc.argv0), []string{"completion", tc.shell}, cli.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut})
			if code != 0 || errOut.Len() != 0 {
				t.Fatalf("exit %d, stderr %q", code, errOut.String())
			}
			if !strings.Contains(out.String(), tc.want) {
				t.Errorf("script has no %q", tc.want)
			}
		})
	}
	for _, args := range [][]string{{"completion", "tcsh"}, {"completion"}} {
		if _, stderr, code := run(t, args...); code != 1 || !strings.Contains(stderr, "bash, zsh, fish or powershell") {
			t.Errorf("%s: exit %d, stderr %q", strings.Join(args, " "), code, stderr)
		}
	}
}
