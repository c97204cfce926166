package netgen

import (
	"reflect"
	"testing"
)

func TestSizes(t *testing.T) {
	for _, tc := range []struct {
		name                                     string
		cfg                                      Config
		namespaces, pods, policies, admin, banps int
	}{
		// 3 system pods (2 DNS, 1 monitoring) and 2 system namespaces on top.
		{"small", Small, 12, 803, 40, 5, 1},
		{"large shape, 100 namespaces", Config{Namespaces: 100, Workloads: 4, Replicas: 5, PoliciesPerNamespace: 4, AdminPolicies: 50, NamespacesPerTenant: 2}, 102, 2003, 400, 50, 1},
		{"no policies", Config{Namespaces: 3, Workloads: 2, Replicas: 1}, 5, 9, 0, 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := Generate(tc.cfg)
			got := []int{len(s.Namespaces), len(s.Pods), len(s.NetworkPolicies), len(s.AdminNetworkPolicies), len(s.BaselineAdminNetworkPolicies)}
			want := []int{tc.namespaces, tc.pods, tc.policies, tc.admin, tc.banps}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("namespaces, pods, policies, ANPs, BANPs = %v, want %v", got, want)
			}
		})
	}
	// The scale, by the same arithmetic.
	if n := Large.Namespaces * Large.Workloads * Large.Replicas; n != 100000 {
		t.Errorf("Large has %d tenant pods", n)
	}
	if n := Large.Namespaces * Large.PoliciesPerNamespace; n != 20000 {
		t.Errorf("Large has %d NetworkPolicies", n)
	}
}

func TestDeterministic(t *testing.T) {
	a, b := Generate(Small), Generate(Small)
	if !reflect.DeepEqual(a, b) {
		t.Fatal("two generations differ")
	}
	seen := map[string]bool{}
	for _, p := range a.Pods {
		if seen[p.Status.PodIP] {
			t.Fatalf("duplicate pod IP %s", p.Status.PodIP)
		}
		seen[p.Status.PodIP] = true
	}
}
