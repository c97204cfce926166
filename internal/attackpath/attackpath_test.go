package attackpath

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/bulkhead-dev/bulkhead/internal/cli"
	"github.com/bulkhead-dev/bulkhead/internal/dns"
	"github.com/bulkhead-dev/bulkhead/internal/finding"
	"github.com/bulkhead-dev/bulkhead/internal/load"
	"github.com/bulkhead-dev/bulkhead/internal/netpol"
	"github.com/bulkhead-dev/bulkhead/internal/node"
	"github.com/bulkhead-dev/bulkhead/internal/rbac"
	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
	"github.com/bulkhead-dev/bulkhead/internal/tenancy"
)

func build(t testing.TB, snap *snapshot.Snapshot) *Model {
	t.Helper()
	snap.Normalize()
	ten, err := tenancy.Resolve(snap, tenancy.Config{})
	if err != nil {
		t.Fatal(err)
	}
	return Build(Inputs{Snapshot: snap, Tenancy: ten, RBAC: rbac.NewAuthorizer(snap), Workload: node.Analyze(snap, ten),
		Network: netpol.Compile(snap, netpol.DefaultOptions()), DNS: dns.Exposures(snap, ten)})
}

func fromYAML(t testing.TB, docs ...string) *snapshot.Snapshot {
	t.Helper()
	snap := &snapshot.Snapshot{}
	load.Bytes(snap, "fixture.yaml", []byte(strings.Join(docs, "\n---\n")))
	if len(snap.Problems) > 0 {
		t.Fatalf("fixture: %v", snap.Problems)
	}
	return snap
}

// hopTypes renders a path as "From -type-> To" lines.
func hopTypes(p *Path) string {
	var b []string
	for _, h := range p.Hops {
		b = append(b, fmt.Sprintf("%s -%s-> %s", h.From, h.Type, h.To))
	}
	return strings.Join(b, "\n")
}

func TestSeedPaths(t *testing.T) {
	snap, err := cli.Demo()
	if err != nil {
		t.Fatal(err)
	}
	m := build(t, snap)

	alice := Vertex{Kind: User, Name: "alice"}
	if ps := m.Paths(Source{Subject: &alice}, Target{}); len(ps) != 0 {
		t.Errorf("alice reaches other tenants than her own: %v", ps)
	}
	ps := m.Paths(Source{Subject: &alice}, Target{Tenant: "test-namespace"})
	if len(ps) != 1 || hopTypes(&ps[0]) != "User/alice -reads-objects-in-> Namespace/test-namespace" {
		t.Errorf("alice's paths into her own tenant: %d\n%v", len(ps), ps)
	}

	bob := Vertex{Kind: User, Name: "bob"}
	var got []string
	for _, p := range m.Paths(Source{Subject: &bob}, Target{}) {
		got = append(got, hopTypes(&p))
	}
	want := []string{
		"User/bob -reads-objects-in-> Namespace/default",
		"User/bob -reads-objects-in-> Namespace/kube-system",
		"User/bob -reads-objects-in-> Namespace/network",
		"User/bob -reads-objects-in-> Namespace/test",
		"User/bob -reads-objects-in-> Namespace/test-namespace",
	}
	if strings.Join(sorted(got), "\n") != strings.Join(want, "\n") {
		t.Errorf("bob's paths:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	subjects, left := m.Subjects(0)
	var reach []string
	for _, r := range subjects {
		reach = append(reach, fmt.Sprintf("%s home=%q reaches %v", r.Subject, r.Home, r.Tenants))
	}
	wantReach := []string{
		`User/bob home="" reaches [cluster default network test test-namespace]`,
		`User/alice home="test-namespace" reaches [test-namespace]`,
	}
	if left != 0 || strings.Join(reach, "\n") != strings.Join(wantReach, "\n") {
		t.Errorf("subjects (%d left):\n%s\nwant\n%s", left, strings.Join(reach, "\n"), strings.Join(wantReach, "\n"))
	}

	x := m.Matrix()
	tenants := []string{"default", "network", "test", "test-namespace"}
	for _, a := range tenants {
		for _, b := range tenants {
			if a == b {
				continue
			}
			c := x.Cell(a, b)
			if c == nil || c.Isolated || !hasLayer(c.Layers, finding.Network) {
				t.Errorf("%s → %s: %+v, want a network breach", a, b, c)
			}
		}
	}
	for _, b := range []string{"network", "test", "test-namespace"} {
		c := x.Cell("default", b)
		if c.Worst != finding.Critical || c.Witness == nil {
			t.Fatalf("default → %s: %+v", b, c)
		}
		w := hopTypes(c.Witness)
		if !strings.HasPrefix(w, "Pod/default/busybox -escapes-to-node-> Node/(any node)\nNode/(any node) -node-runs-pod-> Pod/"+b+"/") {
			t.Errorf("default → %s witness:\n%s", b, w)
		}
	}
	if len(x.AdminPaths) != 0 {
		t.Errorf("the seed has no path to cluster-admin, got %v", x.AdminPaths)
	}
}

func hasLayer(ls []finding.Category, l finding.Category) bool {
	for _, x := range ls {
		if x == l {
			return true
		}
	}
	return false
}

func sorted(xs []string) []string {
	out := append([]string(nil), xs...)
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j] < out[j-1]; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

func TestDeterministic(t *testing.T) {
	var prev string
	for i := 0; i < 3; i++ {
		snap, err := cli.Demo()
		if err != nil {
			t.Fatal(err)
		}
		x := build(t, snap).Matrix()
		b, err := json.Marshal(x)
		if err != nil {
			t.Fatal(err)
		}
		if i > 0 && string(b) != prev {
			t.Fatal("two builds of the same snapshot gave different matrices")
		}
		prev = string(b)
	}
}
