package app

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/bulkhead-dev/bulkhead/internal/analysis"
	"github.com/bulkhead-dev/bulkhead/internal/cli"
	"github.com/bulkhead-dev/bulkhead/internal/load"
	"github.com/bulkhead-dev/bulkhead/internal/testenv"
)

// TestLiveAuditAndSnapshot runs the CLI as a user would against a real API
// server holding the demo: `audit --kubeconfig`, then `snapshot`, then
// `audit -f` on that snapshot, which must report the same findings.
func TestLiveAuditAndSnapshot(t *testing.T) {
	cfg := testenv.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	demo, err := cli.Demo()
	if err != nil {
		t.Fatal(err)
	}
	c, err := client.New(cfg, client.Options{Scheme: load.Scheme})
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range demo.Objects() {
		if err := c.Create(ctx, o.Obj.DeepCopyObject().(client.Object)); err != nil && !apierrors.IsAlreadyExists(err) {
			t.Fatal(err)
		}
	}
	kubeconfig := testenv.Kubeconfig(t, cfg)

	// Completion reads a live cluster when the line names it.
	namespaces, _ := completed(t, InvokedAs("bulkhead"), "__complete", "audit", "--kubeconfig", kubeconfig, "-n", "test")
	if d := cmp.Diff([]string{"test", "test-namespace"}, namespaces); d != "" {
		t.Errorf("live completion of -n test (-want +got):\n%s", d)
	}

	liveJSON, stderr, code := run(t, "audit", "--kubeconfig", kubeconfig, "-o", "json", "--fail-on", "none")
	if code != 0 {
		t.Fatalf("live audit: exit %d: %s", code, stderr)
	}
	var live analysis.Report
	if err := json.Unmarshal([]byte(liveJSON), &live); err != nil {
		t.Fatal(err)
	}
	if live.Source != "live: envtest" {
		t.Errorf("source %q", live.Source)
	}
	if len(live.Gaps) > 0 {
		t.Errorf("admin's audit has gaps: %v", live.Gaps)
	}

	snapYAML, stderr, code := run(t, "snapshot", "--kubeconfig", kubeconfig)
	if code != 0 {
		t.Fatalf("snapshot: exit %d: %s", code, stderr)
	}
	path := filepath.Join(t.TempDir(), "cluster.yaml")
	if err := os.WriteFile(path, []byte(snapYAML), 0o600); err != nil {
		t.Fatal(err)
	}
	offJSON, stderr, code := run(t, "audit", "-f", path, "-o", "json", "--fail-on", "none")
	if code != 0 {
		t.Fatalf("offline audit: exit %d: %s", code, stderr)
	}
	var off analysis.Report
	if err := json.Unmarshal([]byte(offJSON), &off); err != nil {
		t.Fatal(err)
	}
	if len(off.Problems) > 0 {
		t.Errorf("the snapshot does not load cleanly: %v", off.Problems)
	}
	off.Source = live.Source
	if d := cmp.Diff(live, off, ignorePathEdges); d != "" {
		t.Errorf("audit of the snapshot differs from the live audit (-live +snapshot):\n%s", d)
	}

	out, stderr, code := run(t, "paths", "--kubeconfig", kubeconfig, "--from", "default", "--to", "network")
	if code != 0 || !strings.Contains(out, "Pod/default/busybox escapes-to-node") {
		t.Errorf("live paths: exit %d, stderr %q:\n%s", code, stderr, out)
	}

	// The live cluster holds the demo plus what every cluster has, so each
	// demo finding shows up live too.
	demoR := demoReport(t)
	keys := map[string]bool{}
	for _, f := range live.Findings {
		keys[f.Key()] = true
	}
	for _, f := range demoR.Findings {
		if !keys[f.Key()] {
			t.Errorf("demo finding missing from the live audit: %s", f.Key())
		}
	}
}
