package harden

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	psaapi "k8s.io/pod-security-admission/api"

	"github.com/bulkhead-dev/bulkhead/examples"
	"github.com/bulkhead-dev/bulkhead/internal/analysis"
	"github.com/bulkhead-dev/bulkhead/internal/attackpath"
	"github.com/bulkhead-dev/bulkhead/internal/finding"
	"github.com/bulkhead-dev/bulkhead/internal/load"
	"github.com/bulkhead-dev/bulkhead/internal/netpol"
	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
	"github.com/bulkhead-dev/bulkhead/internal/tenancy"
)

// proofInput is a cluster as harden sees it: its store, the store's view
// and that view's tenancy, resolved by cfg.
type proofInput struct {
	st      *snapshot.Store
	view    *snapshot.Snapshot
	ten     *tenancy.Tenancy
	resolve Resolver
}

func newProofInput(t testing.TB, snap *snapshot.Snapshot, cfg tenancy.Config) proofInput {
	t.Helper()
	if len(snap.Problems) > 0 {
		t.Fatalf("input: %v", snap.Problems)
	}
	in := proofInput{st: snapshot.NewStore(snap)}
	in.resolve = func(s *snapshot.Snapshot) (*tenancy.Tenancy, error) { return tenancy.Resolve(s, cfg) }
	in.view = in.st.View()
	ten, err := in.resolve(in.view)
	if err != nil {
		t.Fatal(err)
	}
	in.ten = ten
	return in
}

func seedProofInput(t testing.TB) proofInput {
	t.Helper()
	snap, err := load.FS(examples.SeedCluster, "demo")
	if err != nil {
		t.Fatal(err)
	}
	return newProofInput(t, snap, tenancy.Config{})
}

// dnsCluster is testdata/cmd/dns-cluster.yaml: tenant a of two
// namespaces, tenant b, and the cluster DNS pods behind their Service.
func dnsCluster(t testing.TB) proofInput {
	t.Helper()
	l := load.New("dns-cluster", load.Options{})
	if err := l.Path("testdata/cmd/dns-cluster.yaml"); err != nil {
		t.Fatal(err)
	}
	snap, _, err := l.Result()
	if err != nil {
		t.Fatal(err)
	}
	return newProofInput(t, snap, tenancy.Config{Label: "tenant"})
}

func (in proofInput) plan(t testing.TB, opts Options) Plan {
	t.Helper()
	plan, err := Build(in.view, in.ten, opts)
	if err != nil {
		t.Fatal(err)
	}
	return plan
}

func (in proofInput) prove(t testing.TB, plan Plan) *Proof {
	t.Helper()
	p, err := Prove(in.st, in.view, in.ten, in.resolve, plan, ProofOptions{Network: netpol.DefaultOptions()})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestProveSeed holds the seed acceptance of issue 13 on the demo.
func TestProveSeed(t *testing.T) {
	in := seedProofInput(t)
	plan := in.plan(t, Options{})
	p := in.prove(t, plan)

	t.Run("checks pass", func(t *testing.T) {
		if !p.Checks.OK() {
			t.Errorf("checks failed: %+v", p.Checks)
		}
	})
	t.Run("every cross-tenant pod network flow closed", func(t *testing.T) {
		// What stays on the network layer reaches busybox, which is on the
		// host network: no pod policy can name it.
		for _, r := range p.Residuals {
			if !slices.Contains(r.Layers, finding.Network) {
				continue
			}
			if r.Target != "default" || !slices.ContainsFunc(r.Reasons, func(s string) bool {
				return strings.Contains(s, "Pod/default/busybox is on the host network")
			}) {
				t.Errorf("%s → %s keeps the network layer: %v", r.Source, r.Target, r.Reasons)
			}
		}
		for _, pair := range []string{"network → test", "network → test-namespace", "test → test-namespace", "test-namespace → test"} {
			if !slices.Contains(p.Closed, pair) {
				t.Errorf("%s not isolated after; closed: %v", pair, p.Closed)
			}
		}
	})
	t.Run("a proposal changing busybox keeps it running", func(t *testing.T) {
		// The node proposal moves busybox: applying a spec to a running
		// pod leaves it running, so it still owns a node (the demo names
		// none to dedicate), as `audit --with` the proposal says too.
		for _, r := range p.Residuals {
			if r.Source == "default" && r.Target == "cluster" && r.Reviewed == "isolated" {
				t.Errorf("default → cluster isolated with the reviewed proposals: busybox was dropped as a pod to be created")
			}
		}
	})
	t.Run("pod security labels on every tenant namespace", func(t *testing.T) {
		labelled := map[string]string{}
		for _, o := range plan.Objects {
			if ns, ok := o.Obj.(*corev1.Namespace); ok {
				labelled[ns.Name] = ns.Labels[psaapi.EnforceLevelLabel]
			}
		}
		for _, tn := range in.ten.Tenants() {
			if tn.System {
				continue
			}
			for _, ns := range tn.Namespaces {
				if labelled[ns] == "" {
					t.Errorf("namespace %s: no enforce label in the plan", ns)
				}
			}
		}
	})
	t.Run("busybox is a residual", func(t *testing.T) {
		found := false
		for _, r := range p.Residuals {
			if r.Source == "default" && slices.Contains(r.Layers, finding.Node) {
				found = found || slices.ContainsFunc(r.Reasons, func(s string) bool {
					return strings.Contains(s, "pod default/busybox escapes to its node") && strings.Contains(s, "refuses it when it is re-created")
				})
			}
		}
		if !found {
			t.Errorf("busybox is not a residual with its reason: %+v", p.Residuals)
		}
	})
	t.Run("bob's cluster-wide read is a reviewed RBAC proposal", func(t *testing.T) {
		if !slices.ContainsFunc(plan.Proposals, func(pr Proposal) bool {
			return pr.Layer == RBAC && slices.Contains(pr.Closes, "BH-API-002") && strings.Contains(pr.Title, "pod-reader-binding")
		}) {
			t.Errorf("no RBAC proposal for pod-reader-binding: %+v", plan.Proposals)
		}
		for _, o := range plan.Objects {
			if o.Layer == RBAC {
				t.Errorf("RBAC object %s among the safe objects", proofName(o.Obj))
			}
		}
	})
	t.Run("the reviewed proposals are shown apart", func(t *testing.T) {
		if len(breachedCells(p.Reviewed)) >= len(breachedCells(p.After)) {
			t.Errorf("the proposals close nothing: %d breached after, %d reviewed", len(breachedCells(p.After)), len(breachedCells(p.Reviewed)))
		}
		if len(p.ReviewedClosed) == 0 {
			t.Error("no pair closed by the reviewed proposals")
		}
	})
	t.Run("the gate counts what remains", func(t *testing.T) {
		if p.Remaining(finding.Critical) == 0 {
			t.Error("busybox's critical escape remains, but nothing is counted")
		}
	})
}

// TestChecksCatchBreakage: a plan that denies without allowing breaks the
// tenant's own traffic and DNS, and the checks name the pairs; harden's
// own plan on the same cluster breaks nothing.
func TestChecksCatchBreakage(t *testing.T) {
	in := dnsCluster(t)
	plan := in.plan(t, Options{})
	if p := in.prove(t, plan); !p.Checks.OK() || p.Checks.DNSPods == 0 || p.Checks.Pairs == 0 {
		t.Fatalf("harden's plan: checks %+v, want both passed on some pods", p.Checks)
	}
	var denyOnly Plan
	for _, o := range plan.Objects {
		if np, ok := o.Obj.(*networkingv1.NetworkPolicy); ok && np.Name == namePrefix+"default-deny" {
			denyOnly.Objects = append(denyOnly.Objects, o)
		}
	}
	if len(denyOnly.Objects) == 0 {
		t.Fatal("no default deny in the plan")
	}
	p := in.prove(t, denyOnly)
	if p.Checks.OK() {
		t.Fatal("a bare default deny passed the checks")
	}
	intra := map[string]bool{}
	for _, b := range p.Checks.Intra {
		intra[b.From+" → "+b.To] = true
	}
	for _, pair := range []string{"a-web/web → a-db/db", "a-db/db → a-web/web"} {
		if !intra[pair] {
			t.Errorf("%s not reported broken; got %v", pair, p.Checks.Intra)
		}
	}
	if len(p.Checks.DNS) != 3 {
		t.Errorf("DNS lost by %v, want the 3 tenant pods", p.Checks.DNS)
	}
}

// TestKeepRunning: a pod the new level refuses still runs after the
// labels (nothing evicts it), so the proof sees it as the live cluster
// will; pods of namespaces the plan does not relabel are left as they are.
func TestKeepRunning(t *testing.T) {
	in := seedProofInput(t)
	plan := in.plan(t, Options{Layers: []Layer{PodSecurity}})
	c := in.st.Clone()
	if _, err := keepRunning(c, in.view, plan); err != nil {
		t.Fatal(err)
	}
	v := c.View()
	for i := range v.Pods {
		pod := &v.Pods[i]
		if pod.Namespace == "kube-system" {
			continue
		}
		if pod.Status.Phase != corev1.PodRunning {
			t.Errorf("pod %s/%s: phase %q, want Running", pod.Namespace, pod.Name, pod.Status.Phase)
		}
	}
	if p := in.prove(t, plan); !slices.ContainsFunc(p.Residuals, func(r Residual) bool { return r.Source == "default" && slices.Contains(r.Layers, finding.Node) }) {
		t.Errorf("busybox's escape vanished with the labels: %+v", p.Residuals)
	}
}

// TestBecause: a pair without an attack path is explained by the findings
// that name it, a "*" side by its list (or every tenant).
func TestBecause(t *testing.T) {
	fs := []finding.Finding{
		{ID: "BH-NET-001", SourceTenant: "a", TargetTenant: "b", Reason: "a reaches b"},
		{ID: "BH-NET-001", SourceTenant: "a", TargetTenant: "c", Reason: "a reaches c"},
		{ID: "BH-NET-002", SourceTenant: "*", TargetTenant: "b", Reason: "everyone reaches b"},
		{ID: "BH-NET-003", SourceTenant: "*", SourceTenants: []string{"c"}, TargetTenant: "b", Reason: "c reaches b"},
		{ID: "BH-API-001", SourceTenant: "a", TargetTenant: "b", Reason: "not in the cell"},
	}
	x := indexFindings(fs)
	got := x.because(&attackpath.Cell{Source: "a", Target: "b", Findings: []string{"BH-NET-001", "BH-NET-002", "BH-NET-003"}})
	want := []string{"BH-NET-001: a reaches b", "BH-NET-002: everyone reaches b"}
	if !slices.Equal(got, want) {
		t.Errorf("because = %q, want %q", got, want)
	}

	// Long lists are read as sets, on either side, and an empty list
	// beside a long one still names every tenant.
	var many []string
	for i := range 40 {
		many = append(many, fmt.Sprintf("t%02d", i))
	}
	long := []finding.Finding{
		{ID: "BH-DNS-002", SourceTenant: "*", SourceTenants: many, TargetTenant: "*", TargetTenants: many[:20], Reason: "listed"},
		{ID: "BH-DNS-002", SourceTenant: "*", TargetTenant: "*", TargetTenants: many[20:], Reason: "listed targets"},
	}
	x = indexFindings(long)
	for _, tc := range []struct {
		source, target string
		want           []string
	}{
		{"t00", "t19", []string{"BH-DNS-002: listed"}},
		{"t39", "t05", []string{"BH-DNS-002: listed"}},
		{"t05", "t20", []string{"BH-DNS-002: listed targets"}},
		{"t05", "t19", []string{"BH-DNS-002: listed"}},
		{"t05", "t35", []string{"BH-DNS-002: listed targets"}},
		{"x", "t05", nil},
		{"x", "t31", []string{"BH-DNS-002: listed targets"}},
	} {
		got := x.because(&attackpath.Cell{Source: tc.source, Target: tc.target, Findings: []string{"BH-DNS-002"}})
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s → %s: because = %q, want %q", tc.source, tc.target, got, tc.want)
		}
	}
}

// TestSharedFacts: the plan and the proof made from one set of facts of
// the cluster, analysed while the plan is made (as the command does), are
// those made apart, each building its own; the facts keep the models they
// were asked for.
func TestSharedFacts(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   func(testing.TB) proofInput
	}{
		{"seed", seedProofInput},
		{"dns cluster", dnsCluster},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := tc.in(t)
			apart := in.plan(t, Options{})
			proofApart := in.prove(t, apart)

			// As the command does: the facts analysed beside the plan.
			facts := analysis.NewFacts(in.view, in.ten)
			analysed := make(chan *analysis.Report, 1)
			go func() { analysed <- Analyse(facts) }()
			shared, err := BuildFrom(facts, Options{})
			if err != nil {
				t.Fatal(err)
			}
			model := facts.NetworkModel()
			proofShared, err := Prove(in.st, in.view, in.ten, in.resolve, shared, ProofOptions{Network: facts.Network, Facts: facts, Before: <-analysed})
			if err != nil {
				t.Fatal(err)
			}
			if facts.NetworkModel() != model {
				t.Error("the facts compiled their network model again")
			}
			want, err := Manifests(apart)
			if err != nil {
				t.Fatal(err)
			}
			got, err := Manifests(shared)
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("the safe objects differ (-apart +shared):\n%s", d)
			}
			FillDiffs(apart.Proposals)
			FillDiffs(shared.Proposals)
			if d := cmp.Diff(apart.Proposals, shared.Proposals, cmpopts.IgnoreUnexported(Proposal{})); d != "" {
				t.Errorf("the proposals differ (-apart +shared):\n%s", d)
			}
			if d := cmp.Diff(proofJSON(t, proofApart), proofJSON(t, proofShared)); d != "" {
				t.Errorf("the proofs differ (-apart +shared):\n%s", d)
			}
		})
	}
}

// proofJSON is a proof with its three reports, as JSON.
func proofJSON(t *testing.T, p *Proof) string {
	t.Helper()
	out, err := json.MarshalIndent(struct {
		*Proof
		Before, After, Reviewed *analysis.Report
	}{p, p.Before, p.After, p.Reviewed}, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}
