package harden

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/bulkhead-dev/bulkhead/internal/netpol"
	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
	"github.com/bulkhead-dev/bulkhead/internal/tenancy"
)

// withPolicies returns a normalised clone of snap with the objects'
// NetworkPolicies added (copies: Normalize defaults them in place).
func withPolicies(snap *snapshot.Snapshot, objs []Object) *snapshot.Snapshot {
	c := snap.Clone()
	for _, o := range objs {
		if np, ok := o.Obj.(*networkingv1.NetworkPolicy); ok {
			c.NetworkPolicies = append(c.NetworkPolicies, *np.DeepCopy())
		}
	}
	c.Normalize()
	return c
}

// denyAll returns a normalised clone of snap with a bare default deny in
// every tenant namespace: what the cluster's own policies allow explicitly.
func denyAll(snap *snapshot.Snapshot, ten *tenancy.Tenancy) *snapshot.Snapshot {
	var objs []Object
	for _, t := range ten.Tenants() {
		if t.System || t.Platform {
			continue
		}
		for _, ns := range t.Namespaces {
			objs = append(objs, Object{Obj: newPolicy(ns, "proof-deny", metavLabelAll(), bothDirections)})
		}
	}
	return withPolicies(snap, objs)
}

// proof checks a network plan pair by pair against the netpol model of
// the cluster before and after it is applied:
//
//  1. no pod of a tenant reaches a pod of another namespace outside its
//     tenant on a port the cluster's own policies do not allow explicitly
//     (those stay, as residuals) and no allowed flow keeps;
//  2. within each tenant every pair of pods reaches on exactly the ports it
//     did (sources on the host network aside: pod policy cannot name them);
//  3. every tenant pod reaches a DNS pod on every DNS port;
//  4. platform pods reach tenant pods on exactly the ports they did.
type proof struct {
	before, after, explicit *netpol.Model
	snap                    *snapshot.Snapshot
	ten                     *tenancy.Tenancy
	// flows are the allowed cross-tenant namespace pairs "from>to".
	flows map[string]bool
}

func newProof(t testing.TB, snap *snapshot.Snapshot, ten *tenancy.Tenancy, objs []Object, flows []Flow) *proof {
	t.Helper()
	p := &proof{
		before:   netpol.Compile(snap, netpol.DefaultOptions()),
		after:    netpol.Compile(withPolicies(snap, objs), netpol.DefaultOptions()),
		explicit: netpol.Compile(denyAll(snap, ten), netpol.DefaultOptions()),
		snap:     snap, ten: ten, flows: map[string]bool{},
	}
	for _, f := range flows {
		p.flows[f.From.Namespace+">"+f.To.Namespace] = true
	}
	return p
}

func (p *proof) tenant(ns string) bool { return !p.ten.IsSystem(ns) && !p.ten.IsPlatform(ns) }

func ports(t testing.TB, m *netpol.Model, src, dst *corev1.Pod) []netpol.PortRange {
	t.Helper()
	rs, err := m.AllowedPorts(netpol.Endpoint{Namespace: src.Namespace, Pod: src.Name}, netpol.Endpoint{Namespace: dst.Namespace, Pod: dst.Name})
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

// within reports whether every port of a is in b.
func within(a, b []netpol.PortRange) bool {
	for _, r := range a {
		ok := false
		for _, s := range b {
			if s.Protocol == r.Protocol && s.Start <= r.Start && r.End <= s.End {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

func (p *proof) check(t testing.TB) {
	t.Helper()
	pods := p.snap.Pods
	dnsPorts := p.after.DNSPorts()
	for i := range pods {
		src := &pods[i]
		if src.Spec.HostNetwork {
			continue
		}
		for j := range pods {
			dst := &pods[j]
			if i == j || dst.Spec.HostNetwork {
				continue
			}
			pair := fmt.Sprintf("%s/%s -> %s/%s", src.Namespace, src.Name, dst.Namespace, dst.Name)
			st, dt := p.ten.Of(src.Namespace), p.ten.Of(dst.Namespace)
			after := ports(t, p.after, src, dst)
			switch {
			case p.tenant(src.Namespace) && st == dt:
				if before := ports(t, p.before, src, dst); !slices.Equal(before, after) {
					t.Errorf("within tenant %s, %s: ports %s before, %s after", st, pair, netpol.FormatPorts(before), netpol.FormatPorts(after))
				}
			case p.tenant(src.Namespace):
				if p.flows[src.Namespace+">"+dst.Namespace] || p.dns(dst) && within(after, dnsPorts) {
					continue
				}
				if explicit := ports(t, p.explicit, src, dst); !within(after, explicit) {
					t.Errorf("across tenants, %s: %s after, the cluster's own policies allow %s", pair, netpol.FormatPorts(after), netpol.FormatPorts(explicit))
				}
			case p.ten.IsPlatform(src.Namespace) && p.tenant(dst.Namespace):
				if before := ports(t, p.before, src, dst); !slices.Equal(before, after) {
					t.Errorf("platform ingress, %s: ports %s before, %s after", pair, netpol.FormatPorts(before), netpol.FormatPorts(after))
				}
			}
		}
		if !p.tenant(src.Namespace) || len(dnsPorts) == 0 {
			continue
		}
		for _, r := range dnsPorts {
			// DNS is kept, not added: a pod its own policies kept from
			// DNS stays kept from it.
			if p.reachesDNS(t, p.before, src, r) && !p.reachesDNS(t, p.after, src, r) {
				t.Errorf("%s/%s reaches no DNS pod on %s", src.Namespace, src.Name, r)
			}
		}
	}
}

func (p *proof) dns(pod *corev1.Pod) bool {
	c, ok := p.after.ClassOf(pod.Namespace, pod.Name)
	return ok && p.after.DNSServer(c)
}

func (p *proof) reachesDNS(t testing.TB, m *netpol.Model, src *corev1.Pod, r netpol.PortRange) bool {
	for i := range p.snap.Pods {
		dst := &p.snap.Pods[i]
		if !p.dns(dst) {
			continue
		}
		v, err := m.Reach(netpol.Endpoint{Namespace: src.Namespace, Pod: src.Name}, netpol.Endpoint{Namespace: dst.Namespace, Pod: dst.Name}, r.Start, r.Protocol)
		if err != nil {
			t.Fatal(err)
		}
		if v.Allowed {
			return true
		}
	}
	return false
}

// crossTenantPairs counts the pairs of pods of different tenants (not
// system, not platform, not on the host network) that reach each other
// in m.
func (p *proof) crossTenantPairs(t testing.TB, m *netpol.Model) int {
	n := 0
	for i := range p.snap.Pods {
		for j := range p.snap.Pods {
			src, dst := &p.snap.Pods[i], &p.snap.Pods[j]
			if src.Spec.HostNetwork || dst.Spec.HostNetwork || i == j || !p.tenant(src.Namespace) || !p.tenant(dst.Namespace) || p.ten.Of(src.Namespace) == p.ten.Of(dst.Namespace) {
				continue
			}
			if len(ports(t, m, src, dst)) > 0 {
				n++
			}
		}
	}
	return n
}

// recorder counts the failures a check reports instead of failing.
type recorder struct {
	testing.TB
	failures []string
}

func (r *recorder) Errorf(format string, args ...any) {
	r.failures = append(r.failures, fmt.Sprintf(format, args...))
}

// The proof fails on the plans a naive generator writes: no DNS, an allow
// of the whole tenant over a pod the cluster's policy isolates, no
// same-tenant egress, ingress from every namespace.
func TestNetworkProofCatches(t *testing.T) {
	snap, ten := fixture(t)
	objs, _, err := NetworkPlan(snap, ten, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name   string
		mutate func(*networkingv1.NetworkPolicy) bool // false drops the policy
		want   string
	}{
		{"no dns", func(np *networkingv1.NetworkPolicy) bool { return np.Name != "bulkhead-allow-dns" }, "reaches no DNS pod"},
		{"whole tenant", func(np *networkingv1.NetworkPolicy) bool {
			if np.Name == "bulkhead-allow-ingress" {
				np.Spec.PodSelector = metav1.LabelSelector{}
			}
			return true
		}, "within tenant alpha, a2/api -> a1/db"},
		{"no egress", func(np *networkingv1.NetworkPolicy) bool { return np.Name != "bulkhead-allow-egress" }, "within tenant alpha"},
		{"every namespace", func(np *networkingv1.NetworkPolicy) bool {
			if np.Name == "bulkhead-allow-ingress" {
				np.Spec.Ingress[0].From[0].NamespaceSelector = &metav1.LabelSelector{}
			}
			if np.Name == "bulkhead-allow-egress" {
				np.Spec.Egress[0].To[0].NamespaceSelector = &metav1.LabelSelector{}
			}
			return true
		}, "across tenants"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var mutated []Object
			for _, o := range objs {
				np := o.Obj.(*networkingv1.NetworkPolicy).DeepCopy()
				if c.mutate(np) {
					o.Obj = np
					mutated = append(mutated, o)
				}
			}
			r := &recorder{TB: t}
			newProof(r, snap, ten, mutated, nil).check(r)
			found := false
			for _, f := range r.failures {
				found = found || strings.Contains(f, c.want)
			}
			if !found {
				t.Errorf("no failure containing %q in %q", c.want, r.failures)
			}
		})
	}
}
