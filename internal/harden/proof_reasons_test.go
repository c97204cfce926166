package harden

import (
	"slices"
	"strings"
	"testing"

	"github.com/bulkhead-dev/bulkhead/internal/attackpath"
	"github.com/bulkhead-dev/bulkhead/internal/finding"
	"github.com/bulkhead-dev/bulkhead/internal/load"
	"github.com/bulkhead-dev/bulkhead/internal/netpol"
	svcfind "github.com/bulkhead-dev/bulkhead/internal/service"
	"github.com/bulkhead-dev/bulkhead/internal/tenancy"
)

// exposedCluster is testdata/cmd/exposed-cluster.yaml: tenants shop and
// blog on a node without spec.podCIDRs, the cluster DNS pods behind
// their Service, and shop's LoadBalancer Service.
func exposedCluster(t testing.TB) proofInput {
	t.Helper()
	l := load.New("exposed-cluster", load.Options{})
	if err := l.Path("testdata/cmd/exposed-cluster.yaml"); err != nil {
		t.Fatal(err)
	}
	snap, _, err := l.Result()
	if err != nil {
		t.Fatal(err)
	}
	return newProofInput(t, snap, tenancy.Config{})
}

// TestExposedClusterProof: with the pod range known only from the pods'
// IPs, the egress outside the cluster excepts it, so that no tenant
// reaches the DNS pods on every port and harden's policies raise no
// BH-NET-005 (whose fix they follow); the one residual pair, joined by
// shop's LoadBalancer Service, gives that Service as its reason, not a
// policy the cluster never had.
func TestExposedClusterProof(t *testing.T) {
	in := exposedCluster(t)
	plan := in.plan(t, Options{})
	p := in.prove(t, plan)
	for _, f := range p.After.Findings {
		if f.ID == netpol.IDAnyAddress {
			t.Errorf("harden's own policies raise %s: %s", f.ID, f.Reason)
		}
	}
	var pairs []string
	for _, r := range p.Residuals {
		pairs = append(pairs, r.Source+" → "+r.Target)
	}
	if !slices.Equal(pairs, []string{"blog → shop"}) {
		t.Fatalf("residual pairs %v, want blog → shop only", pairs)
	}
	why := strings.Join(p.Residuals[0].Reasons, "\n")
	if !strings.Contains(why, svcfind.IDNodePort) || !strings.Contains(why, "LoadBalancer") || !strings.Contains(why, "ClusterIP Service is proposed") {
		t.Errorf("blog → shop's reasons do not name its LoadBalancer Service: %s", why)
	}
	if strings.Contains(why, "policies") || strings.Contains(why, "policy the cluster") {
		t.Errorf("blog → shop's reasons name policies the cluster does not have: %s", why)
	}
}

// TestServiceReasons: each Service finding that joins a pair gives its
// own reason, saying whether the plan proposes its fix.
func TestServiceReasons(t *testing.T) {
	withProposal := Plan{Proposals: []Proposal{{Layer: Quota, Closes: []string{svcfind.IDNodePort, svcfind.IDExternalIPs}}}}
	for _, c := range []struct {
		name     string
		ids      []string
		plan     Plan
		platform bool
		want     []string
		not      string
	}{
		{"node port, proposed", []string{svcfind.IDNodePort}, withProposal, false, []string{"BH-NET-011", "proposed, for review"}, ""},
		{"node port, not proposed", []string{svcfind.IDNodePort}, Plan{}, false, []string{"BH-NET-011", "--platform-namespaces"}, ""},
		{"node port of the platform", []string{svcfind.IDNodePort}, Plan{}, true, []string{"BH-NET-011", "declared platform"}, "--platform-namespaces"},
		{"externalIPs", []string{svcfind.IDExternalIPs}, withProposal, false, []string{"externalIPs", "removing them is proposed"}, ""},
		{"endpoints", []string{svcfind.IDForeignEndpoints}, Plan{}, false, []string{"Endpoints", "no NetworkPolicy undoes"}, ""},
		{"pod traffic only", []string{netpol.IDCrossTenant}, Plan{}, false, []string{"the safe objects leave open"}, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := strings.Join(networkReasons(nil, nil, c.ids, c.plan, c.platform), "\n")
			for _, w := range c.want {
				if !strings.Contains(got, w) {
					t.Errorf("reasons %q lack %q", got, w)
				}
			}
			if c.not != "" && strings.Contains(got, c.not) {
				t.Errorf("reasons %q say %q", got, c.not)
			}
		})
	}
}

// TestReviewedReasons: a pair the node proposal leaves breached says why:
// the node itself is the cluster's, no node could be dedicated, or a node
// still runs pods of both tenants.
func TestReviewedReasons(t *testing.T) {
	pod := attackpath.Vertex{Kind: attackpath.Pod, Namespace: "a", Name: "shell"}
	escape := func(node string) attackpath.Hop {
		return attackpath.Hop{From: pod, Type: attackpath.EscapesToNode, To: attackpath.Vertex{Kind: attackpath.Node, Name: node}}
	}
	runs := func(node string) attackpath.Hop {
		return attackpath.Hop{From: attackpath.Vertex{Kind: attackpath.Node, Name: node}, Type: attackpath.NodeRunsPod, To: attackpath.Vertex{Kind: attackpath.Pod, Namespace: "b", Name: "web"}}
	}
	for _, c := range []struct {
		name   string
		target string
		layers []finding.Category
		hops   []attackpath.Hop
		want   string
	}{
		{"the node itself", tenancy.Cluster, []finding.Category{finding.Node}, []attackpath.Hop{escape("n1")}, "the cluster tenant's"},
		{"no node to dedicate", "b", []finding.Category{finding.Node}, []attackpath.Hop{escape(attackpath.AnyNode), runs(attackpath.AnyNode)}, "names no node to dedicate"},
		{"a node shared still", "b", []finding.Category{finding.Node}, []attackpath.Hop{escape("n1"), runs("n1")}, "Node/n1 still runs pods of both tenants"},
		{"no witness", "b", []finding.Category{finding.Node}, nil, "bulkhead paths"},
		{"not the node layer", "b", []finding.Category{finding.Network}, []attackpath.Hop{escape("n1")}, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			cell := &attackpath.Cell{Source: "a", Target: c.target, Layers: c.layers}
			if c.hops != nil {
				cell.Witness = &attackpath.Path{Hops: c.hops}
			}
			got := strings.Join(reviewedReasons(cell), "\n")
			if c.want == "" && got != "" || !strings.Contains(got, c.want) {
				t.Errorf("reasons %q, want one containing %q", got, c.want)
			}
		})
	}
}

// TestNodeProposalMatchesTheWebhook: the node proposal does not tell the
// owner to re-create a privileged pod where the webhook would deny it: it
// names the cluster tenant's namespaces or an exemption, and what the
// proof assumes.
func TestNodeProposalMatchesTheWebhook(t *testing.T) {
	in := seedProofInput(t)
	plan := in.plan(t, Options{})
	i := slices.IndexFunc(plan.Proposals, func(p Proposal) bool { return p.Layer == Node })
	if i < 0 {
		t.Fatal("no node proposal on the demo")
	}
	d := plan.Proposals[i].Detail
	for _, s := range []string{"BH-NODE-001", "a namespace of the cluster tenant", "exempt.users", "The proof assumes"} {
		if !strings.Contains(d, s) {
			t.Errorf("node proposal lacks %q:\n%s", s, d)
		}
	}
	if strings.Contains(d, "kubectl replace --force") {
		t.Errorf("node proposal still says to re-create the pod where it is:\n%s", d)
	}
}

// A residual of a layer harden was not asked for says so, instead of
// blaming an existing label or the platform's bindings.
func TestReasonsOfLayersNotAsked(t *testing.T) {
	pod := attackpath.Vertex{Kind: attackpath.Pod, Namespace: "a", Name: "shell"}
	c := &attackpath.Cell{Source: "a", Target: "b", Layers: []finding.Category{finding.API, finding.Node},
		Witness: &attackpath.Path{Hops: []attackpath.Hop{{From: pod, Type: attackpath.EscapesToNode, To: attackpath.Vertex{Kind: attackpath.Node, Name: "n1"}}}}}
	got := strings.Join(reasons(c, Plan{Layers: []Layer{Network}}, nil), "\n")
	for _, w := range []string{"--layers without pod-security", "--layers without rbac"} {
		if !strings.Contains(got, w) {
			t.Errorf("reasons %q lack %q", got, w)
		}
	}
	got = strings.Join(reasons(c, Plan{}, nil), "\n")
	if strings.Contains(got, "--layers") {
		t.Errorf("a plan of every layer blames --layers: %q", got)
	}
}
