package node

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bulkhead-dev/bulkhead/examples"
	"github.com/bulkhead-dev/bulkhead/internal/finding"
	"github.com/bulkhead-dev/bulkhead/internal/golden"
	"github.com/bulkhead-dev/bulkhead/internal/load"
)

// golden compares got, as indented JSON, with testdata/name, or rewrites it
// with -update.
func goldenJSON(t *testing.T, name string, got any) {
	t.Helper()
	js, err := json.MarshalIndent(got, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	golden.Check(t, filepath.Join("testdata", name), append(js, '\n'))
}

// The seed article's busybox: privileged, hostPath / (read-only mount),
// hostNetwork, hostPID, in default. Offline there are no nodes, so it may
// land beside every other tenant's pods.
func TestSeedBusyboxEscapes(t *testing.T) {
	snap, err := load.FS(examples.SeedCluster, "demo")
	if err != nil {
		t.Fatal(err)
	}
	if len(snap.Problems) > 0 {
		t.Fatalf("seed cluster: %v", snap.Problems)
	}
	snap.Normalize()
	r := Analyze(snap, resolve(t, snap))
	goldenJSON(t, "seed.json", r.Findings)

	busybox := finding.Ref{Kind: "Pod", Namespace: "default", Name: "busybox"}
	var got *finding.Finding
	for i := range r.Findings {
		f := &r.Findings[i]
		if f.ID == IDNodeEscape && len(f.Objects) > 0 && f.Objects[0] == busybox {
			got = f
		}
	}
	if got == nil {
		t.Fatalf("no %s finding for %s; findings: %v", IDNodeEscape, busybox, ids(r.Findings))
	}
	if got.Severity != finding.Critical || got.SourceTenant != "default" || got.TargetTenant != "*" {
		t.Errorf("severity %s, %s > %s; want critical, default > *", got.Severity, got.SourceTenant, got.TargetTenant)
	}
	var facts []string
	for _, s := range got.Witness {
		facts = append(facts, s.Object.String()+" "+s.Fact)
	}
	all := strings.Join(facts, "\n")
	for _, want := range []string{
		"Pod/default/busybox spec.containers[shell].securityContext.privileged=true",
		"Pod/default/busybox spec.volumes[host-root-volume].hostPath.path=/ (mounted read-only by a privileged container",
		"Pod/default/busybox spec.hostPID=true",
		"Pod/default/busybox spec.hostNetwork=true",
		"Node/* the snapshot has no nodes",
		"Pod/test/nginx-test tenant test ",
		"Pod/test-namespace/nginx-test tenant test-namespace ",
		"Pod/network/",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("witness lacks %q:\n%s", want, all)
		}
	}
	if !strings.Contains(got.Detail, "no nodes, so any pod may be scheduled beside any other") {
		t.Errorf("detail does not say why every tenant is exposed:\n%s", got.Detail)
	}
	esc := r.Escaping()
	if len(esc) != 1 || esc[0].Ref != busybox {
		t.Errorf("Escaping() = %v, want only busybox", esc)
	}
}

func ids(fs []finding.Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.ID+" "+f.Reason)
	}
	return out
}
