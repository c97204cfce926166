package scalegen

import (
	"bytes"
	"context"
	"encoding/json"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/bulkhead-dev/bulkhead/internal/app"
	"github.com/bulkhead-dev/bulkhead/internal/cli"
	"github.com/bulkhead-dev/bulkhead/internal/load"
	nodeengine "github.com/bulkhead-dev/bulkhead/internal/node"
	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
)

// generate writes cfg's cluster to memory.
func generate(t testing.TB, cfg Config) ([]byte, Stats) {
	t.Helper()
	var buf bytes.Buffer
	stats, err := Write(&buf, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if int64(buf.Len()) != stats.Bytes {
		t.Fatalf("Stats.Bytes = %d, wrote %d", stats.Bytes, buf.Len())
	}
	return buf.Bytes(), stats
}

// loaded generates cfg's cluster and loads it as `bulkhead -f` does,
// failing on any problem the loader reports.
func loaded(t *testing.T, cfg Config) (*snapshot.Snapshot, Stats) {
	t.Helper()
	data, stats := generate(t, cfg)
	name := "cluster." + cfg.Format.String()
	l := load.New(name, load.Options{})
	l.Bytes(name, data)
	snap, ls, err := l.Result()
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	for _, p := range snap.Problems {
		t.Errorf("problem: %s", p)
	}
	for _, p := range snap.Warnings {
		t.Errorf("warning: %s", p)
	}
	if ls.Skipped != 0 || ls.Unknown != 0 || ls.Merged != 0 {
		t.Errorf("load stats %+v: want nothing skipped, unknown or merged", ls)
	}
	if ls.Objects != stats.Objects {
		t.Errorf("loaded %d objects, generated %d", ls.Objects, stats.Objects)
	}
	return snap, stats
}

func TestLoadsWithoutProblems(t *testing.T) {
	for _, f := range []Format{YAML, JSON} {
		t.Run(f.String(), func(t *testing.T) {
			loaded(t, Config{Tenants: 3, Seed: 7, Format: f})
		})
	}
}

func TestFormatsAgree(t *testing.T) {
	y, _ := loaded(t, Config{Tenants: 2, Seed: 3, Format: YAML})
	j, _ := loaded(t, Config{Tenants: 2, Seed: 3, Format: JSON})
	j.Source = y.Source
	// Where each object was read (file and line) differs by format.
	if diff := cmp.Diff(y, j, cmpopts.IgnoreFields(snapshot.Snapshot{}, "Origins")); diff != "" {
		t.Errorf("YAML and JSON load differently (-yaml +json):\n%s", diff)
	}
}

func TestDeterministic(t *testing.T) {
	a, _ := generate(t, Config{Tenants: 2, Seed: 11})
	b, _ := generate(t, Config{Tenants: 2, Seed: 11})
	c, _ := generate(t, Config{Tenants: 2, Seed: 12})
	if !bytes.Equal(a, b) {
		t.Error("one seed gave two clusters")
	}
	if bytes.Equal(a, c) {
		t.Error("two seeds gave one cluster")
	}
}

func TestShape(t *testing.T) {
	const tenants = 20
	snap, stats := loaded(t, Config{Tenants: tenants, Seed: 1})
	nodes := (tenants*PodsPerTenant + PodsPerNode - 1) / PodsPerNode
	platformPods := 2 + 3 + 1 + 1 + 1 + daemonSets*nodes // coredns, ingress, prometheus, ksm, cert-manager, daemon sets
	want := Stats{
		Objects: stats.Objects, Bytes: stats.Bytes,
		Namespaces: tenants*NamespacesPerTenant + platformNamespaces,
		Nodes:      nodes,
		Pods:       tenants*PodsPerTenant + platformPods,
		TenantPods: tenants * PodsPerTenant,
		Workloads:  tenants*NamespacesPerTenant*DeploymentsPerNamespace + 5 + 2, // and the platform's
		// seven per namespace, two per cross-tenant allow
		NetworkPolicies: tenants*NamespacesPerTenant*7 + 2*(tenants/2),
		RoleBindings:    tenants * NamespacesPerTenant * 5,
		ClusterRoles:    ClusterRoles + 5,
	}
	if diff := cmp.Diff(want, stats); diff != "" {
		t.Errorf("stats (-want +got):\n%s", diff)
	}
	counts := map[string][2]int{
		"namespaces":      {len(snap.Namespaces), want.Namespaces},
		"nodes":           {len(snap.Nodes), want.Nodes},
		"pods":            {len(snap.Pods), want.Pods},
		"networkpolicies": {len(snap.NetworkPolicies), want.NetworkPolicies},
		"rolebindings":    {len(snap.RoleBindings), want.RoleBindings},
		"clusterroles":    {len(snap.ClusterRoles), want.ClusterRoles},
		"anps":            {len(snap.AdminNetworkPolicies), AdminNetworkPolicies},
		"banps":           {len(snap.BaselineAdminNetworkPolicies), 1},
		"services":        {len(snap.Services), tenants*NamespacesPerTenant*DeploymentsPerNamespace + 6},
		"endpointslices":  {len(snap.EndpointSlices), len(snap.Services)},
	}
	for what, c := range counts {
		if c[0] != c[1] {
			t.Errorf("%d %s, want %d", c[0], what, c[1])
		}
	}
	priorities := map[int32]bool{}
	for _, a := range snap.AdminNetworkPolicies {
		priorities[a.Spec.Priority] = true
	}
	if len(priorities) != AdminNetworkPolicies || !priorities[1] || !priorities[AdminNetworkPolicies] {
		t.Errorf("ANP priorities %v: want 1..%d once each", priorities, AdminNetworkPolicies)
	}
	var escapes, tainted int
	for i := range snap.Pods {
		p := &snap.Pods[i]
		if p.Namespace == "kube-system" || p.Namespace == "monitoring" {
			continue
		}
		c := p.Spec.Containers[0]
		if c.SecurityContext != nil && c.SecurityContext.Privileged != nil && *c.SecurityContext.Privileged || len(p.Spec.Volumes) > 1 {
			escapes++
		}
	}
	for _, n := range snap.Nodes {
		if len(n.Spec.Taints) > 0 {
			tainted++
		}
	}
	// 1% of workloads, four replicas each; one node in ten.
	if want := tenants * PodsPerTenant / 100; escapes != want {
		t.Errorf("%d privileged or hostPath pods, want %d", escapes, want)
	}
	if want := nodes / 10; tainted != want {
		t.Errorf("%d tainted nodes, want %d", tainted, want)
	}
}

// TestAddresses checks what the network analysis reads: every pod is
// running on a node of the snapshot with an address of that node's
// podCIDR (its node's own when on the host network), no two pods share
// one, and every EndpointSlice lists exactly the pods its Service selects.
func TestAddresses(t *testing.T) {
	snap, _ := loaded(t, Config{Tenants: 5, Seed: 2})
	nodes := map[string]*corev1.Node{}
	for i := range snap.Nodes {
		nodes[snap.Nodes[i].Name] = &snap.Nodes[i]
	}
	podIP := map[string]string{}
	for i := range snap.Pods {
		p := &snap.Pods[i]
		n := nodes[p.Spec.NodeName]
		if n == nil || p.Status.Phase != corev1.PodRunning {
			t.Fatalf("pod %s/%s: node %q, phase %s", p.Namespace, p.Name, p.Spec.NodeName, p.Status.Phase)
		}
		ip := netip.MustParseAddr(p.Status.PodIP)
		if p.Spec.HostNetwork {
			if ip.String() != n.Status.Addresses[0].Address {
				t.Errorf("host-network pod %s/%s has %s, not its node's address", p.Namespace, p.Name, ip)
			}
			continue
		}
		if !netip.MustParsePrefix(n.Spec.PodCIDR).Contains(ip) {
			t.Errorf("pod %s/%s: %s outside its node's podCIDR %s", p.Namespace, p.Name, ip, n.Spec.PodCIDR)
		}
		if other, dup := podIP[ip.String()]; dup {
			t.Errorf("pods %s and %s/%s share %s", other, p.Namespace, p.Name, ip)
		}
		podIP[ip.String()] = p.Namespace + "/" + p.Name
	}
	slices := map[string][]string{}
	for _, s := range snap.EndpointSlices {
		key := s.Namespace + "/" + s.Labels["kubernetes.io/service-name"]
		for _, e := range s.Endpoints {
			slices[key] = append(slices[key], e.Addresses...)
		}
	}
	for _, svc := range snap.Services {
		if len(svc.Spec.Selector) == 0 {
			continue
		}
		sel := labels.SelectorFromSet(svc.Spec.Selector)
		var selected []string
		for i := range snap.Pods {
			p := &snap.Pods[i]
			if p.Namespace == svc.Namespace && sel.Matches(labels.Set(p.Labels)) {
				selected = append(selected, p.Status.PodIP)
			}
		}
		got := slices[svc.Namespace+"/"+svc.Name]
		if len(selected) == 0 || strings.Join(got, ",") != strings.Join(selected, ",") {
			t.Errorf("service %s/%s: EndpointSlice lists %v, selects %v", svc.Namespace, svc.Name, got, selected)
		}
	}
}

// TestNormalizedAsIs checks that bulkhead takes the cluster as it is:
// Normalize adds no representative pod (every controller has its pods)
// and Pod Security refuses no pod (namespace levels fit their pods).
func TestNormalizedAsIs(t *testing.T) {
	snap, stats := loaded(t, Config{Tenants: 10, Seed: 5})
	snap.Normalize()
	if len(snap.Pods) != stats.Pods {
		for i := range snap.Pods {
			if snapshot.IsSynthetic(&snap.Pods[i]) {
				t.Errorf("representative pod added: %s/%s", snap.Pods[i].Namespace, snap.Pods[i].Name)
			}
		}
	}
	for _, r := range nodeengine.Refused(snap) {
		t.Errorf("Pod Security refuses pods of %s: %+v", r.Namespace, r)
	}
	for _, ns := range snap.Namespaces {
		if ns.Labels["tenant"] == "" && !platform(ns.Name) {
			t.Errorf("namespace %s has no tenant label", ns.Name)
		}
	}
}

func platform(ns string) bool {
	switch ns {
	case "default", "kube-system", "kube-public", "kube-node-lease", "ingress-nginx", "monitoring", "cert-manager":
		return true
	}
	return false
}

// TestAudit runs the benchmarks' command on a small cluster: it must
// succeed and write one JSON report.
func TestAudit(t *testing.T) {
	data, _ := generate(t, Config{Tenants: 2, Seed: 1})
	file := filepath.Join(t.TempDir(), "cluster.yaml")
	if err := os.WriteFile(file, data, 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	code := app.Run(context.Background(), auditArgs(file), cli.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut})
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	var report struct {
		Tenants []struct {
			Name string `json:"name"`
		} `json:"tenants"`
	}
	if err := json.Unmarshal(out.Bytes(), &report); err != nil {
		t.Fatalf("report: %v", err)
	}
	var names []string
	for _, tn := range report.Tenants {
		names = append(names, tn.Name)
	}
	if !strings.Contains(strings.Join(names, ","), TenantName(1)) {
		t.Errorf("report tenants %v: want %s", names, TenantName(1))
	}
}

func TestTenants(t *testing.T) {
	for pods, want := range map[int]int{10_000: 100, 25_000: 250, 100_000: 1000, 1: 1} {
		if got := Tenants(pods); got != want {
			t.Errorf("Tenants(%d) = %d, want %d", pods, got, want)
		}
	}
}
