package harden

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bulkhead-dev/bulkhead/internal/cli"
)

// The demo with the AdminNetworkPolicy CRDs beside it: a cluster that
// serves policy.networking.k8s.io/v1alpha1.
var adminDemo = []string{"-f", "../../../examples/seed-cluster", "-f", "../../harden/testdata/network-admin/crds.yaml", "--network", "admin"}

// TestAdminNetwork: --network admin refuses a cluster that does not serve
// the API (the built-in demo), and on one that does proves the
// AdminNetworkPolicies it writes (testdata/demo-admin.txt): no
// NetworkPolicy among the safe objects, nothing within a tenant broken,
// the same bytes twice; --out puts them in cluster.yaml.
func TestAdminNetwork(t *testing.T) {
	_, stderr, code := execute(t, "--demo", "--network", "admin")
	if code != cli.ExitFailure || !strings.Contains(stderr, "nothing in the input shows that the cluster serves policy.networking.k8s.io/v1alpha1") {
		t.Errorf("--demo: exit %d, %q; want 1 and the API not served", code, stderr)
	}
	out, stderr, code := execute(t, adminDemo...)
	if code != cli.ExitFindings {
		t.Fatalf("exit %d, want %d; stderr %s", code, cli.ExitFindings, stderr)
	}
	goldenFile(t, "demo-admin.txt", out)
	for _, s := range []string{"ok     reachability within each tenant unchanged", "now isolated: network → test", "AdminNetworkPolicies are written instead of NetworkPolicies"} {
		if !strings.Contains(out, s) {
			t.Errorf("output lacks %q", s)
		}
	}
	y, stderr, code := execute(t, append(adminDemo, "-o", "yaml", "--fail-on", "none")...)
	if code != cli.ExitOK {
		t.Fatalf("-o yaml: exit %d: %s", code, stderr)
	}
	again, _, _ := execute(t, append(adminDemo, "-o", "yaml", "--fail-on", "none")...)
	if y != again {
		t.Error("two runs differ")
	}
	if strings.Contains(y, "kind: NetworkPolicy") || strings.Count(y, "kind: AdminNetworkPolicy") != 4 || strings.Count(y, "kind: BaselineAdminNetworkPolicy") != 1 {
		t.Errorf("want 4 AdminNetworkPolicies, the baseline and no NetworkPolicy:\n%s", y)
	}
	dir := t.TempDir()
	if _, stderr, code := execute(t, append(adminDemo, "--out", dir, "--fail-on", "none")...); code != cli.ExitOK {
		t.Fatalf("--out: exit %d: %s", code, stderr)
	}
	cluster, err := os.ReadFile(filepath.Join(dir, "cluster.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Count(string(cluster), "kind: AdminNetworkPolicy") != 4 {
		t.Errorf("cluster.yaml:\n%s", cluster)
	}
}
