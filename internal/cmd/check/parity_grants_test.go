package check

import (
	"bytes"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/bulkhead-dev/bulkhead/internal/admission"
	"github.com/bulkhead-dev/bulkhead/internal/golden"
	"github.com/bulkhead-dev/bulkhead/internal/load"
	"github.com/bulkhead-dev/bulkhead/internal/render"
	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
	"github.com/bulkhead-dev/bulkhead/internal/tenancy"
)

// TestParityGrants holds bulkhead check to the webhook for the kinds
// judged through other objects: a ClusterRole by its bindings, service
// accounts by the bindings naming them, endpoints by the IP of a pod the
// webhook knows from its Pod informer, admin network policies by the
// tenants they join. The cluster is the demo plus testdata/grants/cluster.yaml.
func TestParityGrants(t *testing.T) {
	tenants, err := tenancy.LoadFile("testdata/tenants.yaml")
	if err != nil {
		t.Fatal(err)
	}
	tc := tenancy.Config{File: tenants}
	cluster := func() *snapshot.Store {
		st := snapshot.NewStore(demo(t))
		extra, err := load.Paths([]string{filepath.Join("testdata", "grants", "cluster.yaml")})
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range extra.Objects() {
			if _, err := st.Apply(o.Obj); err != nil {
				t.Fatal(err)
			}
		}
		return st
	}
	change, unknown, err := readChange([]string{filepath.Join("testdata", "grants", "10-bind.yaml"), filepath.Join("testdata", "grants", "20-after.yaml")}, "")
	if err != nil || len(unknown) > 0 {
		t.Fatalf("read the change: %v (unknown kinds %v)", err, unknown)
	}
	user := admission.User{Name: "alice", Groups: []string{"system:authenticated"}}
	webhook := replay(t, cluster(), change, tc, admission.Config{}, user)
	offline, err := admission.Replay(cluster(), change, admission.ReplayOptions{Tenancy: tc, User: user})
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(webhook, offline); d != "" {
		t.Errorf("check differs from the webhook (-webhook +check):\n%s", d)
	}
	var denied []string
	for _, r := range webhook {
		if r.Verdict == admission.Denied {
			denied = append(denied, r.Object())
		}
	}
	want := []string{"ClusterRole helper", "ServiceAccount team-b/ghost", "Endpoints team-a/web", "AdminNetworkPolicy b-into-a"}
	if d := cmp.Diff(want, denied); d != "" {
		t.Errorf("denied (-want +got):\n%s", d)
	}
	var out bytes.Buffer
	if err := render.CheckAs(&out, render.FormatText, admission.NewReplayReport("demo (examples/seed-cluster) and testdata/grants/cluster.yaml", false, webhook), render.TextOptions{}); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, filepath.Join("testdata", "parity-grants.txt"), out.Bytes())
}
