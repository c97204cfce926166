package app

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/spf13/cobra"
	"sigs.k8s.io/yaml"

	"github.com/bulkhead-dev/bulkhead/internal/cli"
)

func TestInvokedAs(t *testing.T) {
	bulkhead := Invocation{Use: "bulkhead", Display: "bulkhead"}
	plugin := Invocation{Use: "kubectl-bulkhead", Display: "kubectl bulkhead"}
	completer := Invocation{Use: "kubectl-bulkhead", Display: "kubectl bulkhead", Complete: true}
	tests := []struct {
		argv0 string
		want  Invocation
	}{
		{"bulkhead", bulkhead},
		{"./bin/bulkhead", bulkhead},
		{"/tmp/go-build123/exe/bulkhead", bulkhead},
		{"/home/u/.krew/bin/kubectl-bulkhead", plugin},
		{"kubectl-bulkhead", plugin},
		{`C:\krew\bin\kubectl-bulkhead.exe`, Invocation{Use: "bulkhead", Display: "bulkhead"}}, // not a path on this OS
		{"kubectl-bulkhead.exe", plugin},
		{"/usr/local/bin/kubectl_complete-bulkhead", completer},
		{"kubectl-bulkhead-dev", bulkhead},
		{"", bulkhead},
	}
	for _, tc := range tests {
		t.Run(tc.argv0, func(t *testing.T) {
			if d := cmp.Diff(tc.want, InvokedAs(tc.argv0)); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
		})
	}
	if got := completer.Args([]string{"audit", "-n", ""}); strings.Join(got, " ") != "__complete audit -n " {
		t.Errorf("completer args %q", got)
	}
	if got := plugin.Args([]string{"audit"}); strings.Join(got, " ") != "audit" {
		t.Errorf("plugin args %q", got)
	}
}

// helpOf runs `CMD --help` under the name argv0.
func helpOf(t *testing.T, argv0 string, path ...string) string {
	t.Helper()
	var out, errOut bytes.Buffer
	code := RunAs(context.Background(), InvokedAs(argv0), append(path, "--help"), cli.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut})
	if code != 0 {
		t.Fatalf("%s --help: exit %d, stderr %q", strings.Join(path, " "), code, errOut.String())
	}
	return out.String()
}

// commandPaths lists every command of the tree, as the words that run it.
func commandPaths(root *cobra.Command) [][]string {
	var out [][]string
	var walk func(c *cobra.Command, path []string)
	walk = func(c *cobra.Command, path []string) {
		out = append(out, path)
		for _, sub := range c.Commands() {
			walk(sub, append(append([]string{}, path...), sub.Name()))
		}
	}
	walk(root, nil)
	return out
}

// TestPluginHelp: run as kubectl-bulkhead, every command's usage, help and
// examples say `kubectl bulkhead ...`; run as bulkhead, none does.
func TestPluginHelp(t *testing.T) {
	root := NewRootCommand(cli.IOStreams{})
	var subs []string
	for _, c := range root.Commands() {
		subs = append(subs, regexp.QuoteMeta(c.Name()))
	}
	// "bulkhead audit", not as part of "kubectl bulkhead audit" or of a
	// word or path (kubectl-bulkhead, ./cmd/bulkhead).
	bare := regexp.MustCompile(`(^|[^-\w/])(kubectl )?bulkhead (` + strings.Join(subs, "|") + `)\b`)
	for _, path := range commandPaths(root) {
		name := strings.Join(append([]string{"bulkhead"}, path...), " ")
		t.Run(name, func(t *testing.T) {
			help := helpOf(t, "/home/u/.krew/bin/kubectl-bulkhead", path...)
			if want := "kubectl " + name; !strings.Contains(help, want) {
				t.Errorf("plugin help does not say %q:\n%s", want, help)
			}
			for _, m := range bare.FindAllStringSubmatch(help, -1) {
				if m[2] == "" {
					t.Errorf("plugin help says %q", strings.TrimSpace(m[0]))
				}
			}
			own := helpOf(t, "bulkhead", path...)
			if strings.Contains(own, "kubectl bulkhead") {
				t.Errorf("bulkhead's own help says kubectl bulkhead:\n%s", own)
			}
			if !strings.Contains(own, "Usage:\n  "+name) {
				t.Errorf("bulkhead's own usage does not start %q", name)
			}
		})
	}
}

// krewManifest is the part of krew's Plugin (v1alpha2) that bulkhead's
// manifest fills; the test reads it strictly, so a misspelt field fails.
type krewManifest struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Metadata   struct {
		Name string `json:"name"`
	} `json:"metadata"`
	Spec struct {
		Version          string `json:"version"`
		Homepage         string `json:"homepage"`
		ShortDescription string `json:"shortDescription"`
		Description      string `json:"description"`
		Caveats          string `json:"caveats"`
		Platforms        []struct {
			Selector struct {
				MatchLabels map[string]string `json:"matchLabels"`
			} `json:"selector"`
			URI    string `json:"uri"`
			SHA256 string `json:"sha256"`
			Files  []struct {
				From string `json:"from"`
				To   string `json:"to"`
			} `json:"files"`
			Bin string `json:"bin"`
		} `json:"platforms"`
	} `json:"spec"`
}

// releasePlaceholder stands for a sha256 until the release fills it.
const releasePlaceholder = "FILLED-AT-RELEASE"

// TestKrewManifest holds plugins/bulkhead.yaml to krew's format and to the
// binary: krew links bin as kubectl-NAME, which must be the name the
// binary answers to as a plugin; each archive is the one `make dist`
// names for its platform.
func TestKrewManifest(t *testing.T) {
	const path = "../../plugins/bulkhead.yaml"
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var m krewManifest
	if err := yaml.UnmarshalStrict(data, &m); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if m.APIVersion != "krew.googlecontainertools.github.com/v1alpha2" || m.Kind != "Plugin" {
		t.Errorf("apiVersion %q kind %q", m.APIVersion, m.Kind)
	}
	if m.Metadata.Name != binaryName {
		t.Errorf("metadata.name %q, want %q (the file's name, and kubectl %s)", m.Metadata.Name, binaryName, binaryName)
	}
	if inv := InvokedAs("kubectl-" + m.Metadata.Name); !inv.Plugin() {
		t.Errorf("run as kubectl-%s, bulkhead does not name itself a plugin", m.Metadata.Name)
	}
	if !regexp.MustCompile(`^v\d+\.\d+\.\d+$`).MatchString(m.Spec.Version) {
		t.Errorf("spec.version %q: want vX.Y.Z", m.Spec.Version)
	}
	if d := m.Spec.ShortDescription; d == "" || len(d) > 50 || strings.Contains(strings.ToLower(d), "kubectl") {
		t.Errorf("shortDescription %q: want a few words, without kubectl", d)
	}
	if m.Spec.Homepage == "" || m.Spec.Description == "" || !strings.Contains(m.Spec.Caveats, "kubectl bulkhead audit --demo") {
		t.Error("homepage, description or caveats missing")
	}
	want := distPlatforms(t)
	var got []string
	for _, p := range m.Spec.Platforms {
		goos, arch := p.Selector.MatchLabels["os"], p.Selector.MatchLabels["arch"]
		got = append(got, goos+"/"+arch)
		bin := binaryName
		if goos == "windows" {
			bin += ".exe"
		}
		if p.Bin != bin {
			t.Errorf("%s/%s: bin %q, want %q", goos, arch, p.Bin, bin)
		}
		if len(p.Files) != 1 || p.Files[0].From != bin || p.Files[0].To != "." {
			t.Errorf("%s/%s: files %+v, want %s to .", goos, arch, p.Files, bin)
		}
		uri := fmt.Sprintf("https://github.com/bulkhead-dev/bulkhead/releases/download/%s/bulkhead_%s_%s.tar.gz", m.Spec.Version, goos, arch)
		if p.URI != uri {
			t.Errorf("%s/%s: uri %q, want %q", goos, arch, p.URI, uri)
		}
		if p.SHA256 != releasePlaceholder && !regexp.MustCompile(`^[0-9a-f]{64}$`).MatchString(p.SHA256) {
			t.Errorf("%s/%s: sha256 %q: want 64 hex digits, or %s before the release", goos, arch, p.SHA256, releasePlaceholder)
		}
	}
	slices.Sort(got)
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("platforms (-want +got):\n%s", d)
	}
}

// distPlatforms reads the platforms `make dist` builds archives for.
func distPlatforms(t *testing.T) []string {
	t.Helper()
	data, err := os.ReadFile("../../Makefile")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^DIST_PLATFORMS\s*\?=\s*(.+)$`).FindSubmatch(data)
	if m == nil {
		t.Fatal("Makefile: no DIST_PLATFORMS")
	}
	out := strings.Fields(string(m[1]))
	slices.Sort(out)
	return out
}
