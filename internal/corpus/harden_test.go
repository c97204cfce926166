package corpus

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/bulkhead-dev/bulkhead/internal/app"
	"github.com/bulkhead-dev/bulkhead/internal/cli"
	"github.com/bulkhead-dev/bulkhead/internal/load"
)

// hardenProof is the part of `harden -o json` these tests read.
type hardenProof struct {
	Before    *matrixCells `json:"before"`
	After     *matrixCells `json:"after"`
	Proposals []string     `json:"proposals"`
	Residuals []struct {
		Source  string   `json:"source"`
		Target  string   `json:"target"`
		Reasons []string `json:"reasons"`
	} `json:"residuals"`
	Checks struct {
		Intra []json.RawMessage `json:"intraTenant"`
		DNS   []json.RawMessage `json:"dns"`
	} `json:"checks"`
}

// matrixCells is a matrix's cells, as the proof's JSON lists them.
type matrixCells struct {
	Cells []struct {
		Source   string `json:"source"`
		Target   string `json:"target"`
		Isolated bool   `json:"isolated"`
	} `json:"cells"`
}

// harden runs `bulkhead harden` on a corpus cluster, writing its output
// to a directory, and returns the proof and the directory.
func harden(t *testing.T, name string, extra ...string) (hardenProof, string, string) {
	t.Helper()
	c := clusters[name]
	dir := filepath.Join(t.TempDir(), "out")
	args := append([]string{"harden", "-f", filepath.Join("testdata", c.dir), "-o", "json", "--fail-on", "none", "--out", dir}, c.args...)
	args = append(args, extra...)
	var out, errOut bytes.Buffer
	if code := app.Run(context.Background(), args, cli.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut}); code != 0 {
		t.Fatalf("bulkhead %s: exit %d: %s", strings.Join(args, " "), code, errOut.String())
	}
	var p hardenProof
	if err := json.Unmarshal(out.Bytes(), &p); err != nil {
		t.Fatal(err)
	}
	return p, dir, errOut.String()
}

// On every cluster of the corpus, harden's output is what a real API
// server accepts (it loads through the same validation as any input),
// breaks nothing (reachability within tenants and DNS are kept), never
// opens a pair that was isolated, closes some pair, and explains every
// pair it leaves breached.
func TestHardenCorpus(t *testing.T) {
	for _, name := range []string{"platform", "platform+flag", "argocd", "boutique", "recipes", "capsule"} {
		t.Run(name, func(t *testing.T) {
			p, dir, _ := harden(t, name)
			if len(p.Checks.Intra) > 0 || len(p.Checks.DNS) > 0 {
				t.Errorf("the plan breaks traffic: %d pairs within tenants, %d pods' DNS", len(p.Checks.Intra), len(p.Checks.DNS))
			}
			snap, err := load.Paths([]string{dir})
			if err != nil {
				t.Fatal(err)
			}
			if len(snap.Problems) > 0 {
				t.Errorf("harden's output does not load cleanly: %v", snap.Problems)
			}
			if p.Before == nil || p.After == nil {
				t.Fatal("no matrices in the proof")
			}
			breached := func(m *matrixCells) map[string]bool {
				out := map[string]bool{}
				for _, c := range m.Cells {
					if !c.Isolated {
						out[c.Source+">"+c.Target] = true
					}
				}
				return out
			}
			before, after := breached(p.Before), breached(p.After)
			for pair := range after {
				if !before[pair] {
					t.Errorf("harden opened %s", pair)
				}
			}
			// Capsule's pairs are all through cluster-admin bindings, which
			// only reviewed proposals close.
			if name != "capsule" && len(after) >= len(before) {
				t.Errorf("harden closed no pair: %d breached before, %d after", len(before), len(after))
			}
			for _, r := range p.Residuals {
				if len(r.Reasons) == 0 {
					t.Errorf("residual %s → %s has no reason", r.Source, r.Target)
				}
			}
		})
	}
}

// Capsule's controller runs as a service account bound to cluster-admin.
// Taken for a tenant, its binding gets a narrowing proposal that says it
// would stop the controller and how to declare it platform; declared
// platform, its bindings are left alone (notes), and only the human
// cluster-admin bindings are proposed for review.
func TestHardenCapsuleOperator(t *testing.T) {
	_, dir, _ := harden(t, "capsule")
	review, err := filepath.Glob(filepath.Join(dir, "review", "*capsule-manager*.yaml"))
	if err != nil || len(review) != 1 {
		t.Fatalf("no proposal for capsule-manager-rolebinding in %s/review: %v %v", dir, review, err)
	}
	proposal, err := os.ReadFile(review[0])
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(proposal), "--platform-namespaces capsule-system") {
		t.Errorf("the proposal narrowing Capsule's controller does not say to declare capsule-system platform:\n%s", proposal)
	}

	p, _, _ := harden(t, "capsule", "--platform-namespaces", "capsule-system")
	if slices.ContainsFunc(p.Proposals, func(s string) bool {
		return strings.Contains(s, "capsule-manager") || strings.Contains(s, "capsule-replicator")
	}) {
		t.Errorf("with capsule-system declared platform, its bindings are still proposed for narrowing: %q", p.Proposals)
	}
}
