package harden

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/bulkhead-dev/bulkhead/internal/analysis"
	"github.com/bulkhead-dev/bulkhead/internal/finding"
)

// TestFilesSeed: the demo's output directory, byte for byte
// (testdata/cmd/demo-files.txt, -update rewrites it): a file per
// namespace in the kustomization, each proposal in review/ with its diff,
// and a README naming busybox as a residual.
func TestFilesSeed(t *testing.T) {
	in := seedProofInput(t)
	plan := in.plan(t, Options{})
	files, err := Files(plan, in.prove(t, plan), "demo", "--demo")
	if err != nil {
		t.Fatal(err)
	}
	var all strings.Builder
	byPath := map[string]string{}
	for _, f := range files {
		byPath[f.Path] = string(f.Data)
		all.WriteString("==> " + f.Path + " <==\n")
		all.Write(f.Data)
	}
	goldenLayer(t, "cmd", "demo-files.txt", all.String())

	var k struct {
		Resources []string `json:"resources"`
	}
	if err := yaml.Unmarshal([]byte(byPath["kustomization.yaml"]), &k); err != nil {
		t.Fatal(err)
	}
	want := []string{"default.yaml", "network.yaml", "test-namespace.yaml", "test.yaml"}
	if !slices.Equal(k.Resources, want) {
		t.Errorf("kustomization lists %v, want %v", k.Resources, want)
	}
	for _, r := range k.Resources {
		if !strings.Contains(byPath[r], ManagedByLabel+": "+ManagedBy) {
			t.Errorf("%s: objects without the managed-by label", r)
		}
	}
	reviews := 0
	for p := range byPath {
		if strings.HasPrefix(p, "review/") && strings.HasSuffix(p, ".yaml") {
			reviews++
			if !strings.Contains(byPath[p], "# closes: ") {
				t.Errorf("%s does not say what it closes", p)
			}
		}
	}
	if reviews != len(plan.Proposals) {
		t.Errorf("%d review files for %d proposals", reviews, len(plan.Proposals))
	}
	readme := byPath["README.md"]
	for _, s := range []string{"bulkhead audit --demo --with DIR", "**default → cluster**", "pod default/busybox escapes to its node", "### Work for owners", "pod-reader-binding"} {
		if !strings.Contains(readme, s) {
			t.Errorf("README lacks %q", s)
		}
	}
}

func TestSlug(t *testing.T) {
	for in, want := range map[string]string{
		"Delete ClusterRoleBinding/pod-reader-binding (ClusterRole/pod-reader)": "delete-clusterrolebinding-pod-reader-binding-clusterrole-pod",
		"  Edit the Corefile!  ": "edit-the-corefile",
		"":                       "",
	} {
		if got := slug(in); got != want {
			t.Errorf("slug(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestReviewCommand: the review command reads the cluster harden read,
// and the current kube context only when harden did.
func TestReviewCommand(t *testing.T) {
	for _, c := range []struct{ args, dir, want string }{
		{"--demo", "hardened", "bulkhead audit --demo --with hardened"},
		{"-f cluster5 --tenant-label team", "h5", "bulkhead audit -f cluster5 --tenant-label team --with h5"},
		{"", "DIR", "bulkhead audit --with DIR"},
	} {
		t.Run(c.want, func(t *testing.T) {
			if got := ReviewCommand(c.args, c.dir); got != c.want {
				t.Errorf("got %q, want %q", got, c.want)
			}
		})
	}
}

// TestReadmeBounded: the README of a big cluster's proof lists the
// analysis.ListedCells worst residuals and first closed pairs, and counts
// the rest, instead of a line for each of a million pairs.
func TestReadmeBounded(t *testing.T) {
	n := analysis.ListedCells + 7
	p := &Proof{ResidualsOmitted: 5}
	for i := range n {
		p.Residuals = append(p.Residuals, Residual{Source: fmt.Sprintf("t%04d", i), Target: "x", Worst: finding.High, Reviewed: "isolated"})
		p.Closed = append(p.Closed, fmt.Sprintf("c%04d → x", i))
	}
	readme := readme(Plan{}, p, "big", "-f big.yaml", nil, nil)
	if got := strings.Count(readme, "- **t"); got != analysis.ListedCells {
		t.Errorf("README lists %d residuals, want %d", got, analysis.ListedCells)
	}
	if got := strings.Count(readme, "c0"); got != analysis.ListedCells {
		t.Errorf("README lists %d closed pairs, want %d", got, analysis.ListedCells)
	}
	for _, want := range []string{"- … and 12 more residual pairs", ", and 7 more pairs."} {
		if !strings.Contains(readme, want) {
			t.Errorf("README lacks %q", want)
		}
	}
}
