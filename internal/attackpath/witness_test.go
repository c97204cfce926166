package attackpath

import (
	"fmt"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// Witness searches share a budget: past it, the paths to cluster-admin
// keep their severity without hops, the most severe keep theirs, and what
// gets a witness does not depend on the number of cores.
func TestWitnessBudget(t *testing.T) {
	docs := []string{clusterRoleYAML("cluster-admin", `[{apiGroups: ["*"], resources: ["*"], verbs: ["*"]}]`)}
	const tenants = 12
	for i := range tenants {
		ns := fmt.Sprintf("t-%02d", i)
		docs = append(docs, nsYAML(ns, "baseline"), podYAML(ns, "app", "admin", ""),
			"apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: admin, namespace: "+ns+"}",
			binding("", "admin-"+ns, "ClusterRole", "cluster-admin", "ServiceAccount", "admin", ns))
	}
	m := build(t, fromYAML(t, docs...))
	hops := func() (with []string, all int) {
		x := m.MatrixExplained(100)
		for _, p := range x.AdminPaths {
			if len(p.Hops) > 0 {
				with = append(with, p.From)
			}
		}
		return with, len(x.AdminPaths)
	}
	with, all := hops()
	if all != tenants || len(with) != tenants {
		t.Fatalf("within the budget: %d paths to cluster-admin, %d with hops; want %d and %d", all, len(with), tenants, tenants)
	}

	defer func(b, f, w int) { witnessBudget, witnessFloor, witnessWave = b, f, w }(witnessBudget, witnessFloor, witnessWave)
	witnessBudget, witnessFloor, witnessWave = 1, 1, 3
	// Every search walks the whole graph (cluster-admin reaches it all),
	// so the first wave spends the budget.
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	var first []string
	for _, procs := range []int{1, 2, 4} {
		runtime.GOMAXPROCS(procs)
		with, all := hops()
		if all != tenants {
			t.Fatalf("%d cores: %d paths to cluster-admin, want %d: the budget must not drop a verdict", procs, all, tenants)
		}
		if len(with) != witnessWave {
			t.Errorf("%d cores: %d paths with hops past the budget, want one wave of %d: %v", procs, len(with), witnessWave, with)
		}
		for _, p := range m.MatrixExplained(100).AdminPaths {
			if p.Unsearched != (len(p.Hops) == 0) || len(p.Layers) == 0 {
				t.Errorf("%d cores: path of %s: %d hops, unsearched %v, layers %v", procs, p.From, len(p.Hops), p.Unsearched, p.Layers)
			}
		}
		if first == nil {
			first = with
		} else if fmt.Sprint(with) != fmt.Sprint(first) {
			t.Errorf("%d cores: %v have hops, with 1 core %v", procs, with, first)
		}
	}
}

// A capability that stands on several rules of one role cites each: the
// certificate request, its approval and the client signer's.
func TestEvidenceCitesEveryRule(t *testing.T) {
	m := build(t, fromYAML(t, append(replace(base, nil),
		clusterRoleYAML("csr-all", `[{apiGroups: [certificates.k8s.io], resources: [certificatesigningrequests], verbs: [create]}, {apiGroups: [certificates.k8s.io], resources: [certificatesigningrequests/approval], verbs: [update]}, {apiGroups: [certificates.k8s.io], resources: [signers], verbs: [approve], resourceNames: [kubernetes.io/kube-apiserver-client]}]`),
		binding("", "csr-all", "ClusterRole", "csr-all", "ServiceAccount", "builder", "team-a"))...))
	ps := m.Paths(Source{Tenant: "team-a"}, Target{ClusterAdmin: true})
	if len(ps) == 0 {
		t.Fatal("no path to cluster-admin")
	}
	m.Explain(&ps[0])
	var facts []string
	for _, h := range ps[0].Hops {
		for _, e := range h.Evidence {
			facts = append(facts, e.Fact)
		}
	}
	for _, rule := range []string{"rule 0:", "rule 1:", "rule 2:"} {
		if !slices.ContainsFunc(facts, func(f string) bool { return strings.HasPrefix(f, rule) }) {
			t.Errorf("the evidence does not cite %s\n%s", rule, strings.Join(facts, "\n"))
		}
	}
}
