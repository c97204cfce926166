package admission

import (
	"net/netip"
	"testing"

	corev1 "k8s.io/api/core/v1"
)

const (
	// ipOnlyEndpoints names tenant b's pod db-0 (10.244.2.7) by IP alone,
	// beside tenant a's own web-1 and an address outside the cluster.
	ipOnlyEndpoints = `apiVersion: v1
kind: Endpoints
metadata: {name: web, namespace: a-web}
subsets:
- addresses: [{ip: 10.244.1.5}, {ip: 10.244.2.7}, {ip: 192.0.2.10}]
  ports: [{port: 5432}]`
	ipOnlySlice = `apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: web-x3, namespace: a-web}
addressType: IPv4
endpoints:
- addresses: [10.244.1.5]
- addresses: [10.244.2.7]
ports: [{port: 5432}]`
	ownIPSlice = `apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: web-x4, namespace: a-web}
addressType: IPv4
endpoints:
- addresses: [10.244.1.5, 192.0.2.10]
ports: [{port: 5432}]`
)

// TestEndpointsByIP: an address without a targetRef that is the IP of
// another tenant's pod is denied (CVE-2021-25740), found in the
// snapshot's pods offline and in the index given by WithPods in the
// webhook.
func TestEndpointsByIP(t *testing.T) {
	cases := []decideCase{
		{"Endpoints with another tenant's pod IP", request(Create, decode(t, ipOnlyEndpoints), nil), false, []string{"BH-NET-012"}},
		{"EndpointSlice with another tenant's pod IP", request(Create, decode(t, ipOnlySlice), nil), false, []string{"BH-NET-012"}},
		{"EndpointSlice of the tenant's own pod IP and an outside address", request(Create, decode(t, ownIPSlice), nil), true, nil},
	}
	decideAll(t, grantsFixture(t, Config{}), "endpoints-by-ip.txt", cases)

	// The webhook's index, not the snapshot, is what is looked up.
	db := corev1.Pod{}
	db.Namespace, db.Name, db.Status.PodIP = "b-app", "moved", "10.244.9.9"
	idx := IndexPods([]corev1.Pod{db})
	a := grantsFixture(t, Config{}, WithPods(idx))
	moved := `apiVersion: v1
kind: Endpoints
metadata: {name: web, namespace: a-web}
subsets:
- addresses: [{ip: 10.244.9.9}]`
	if d := a.Decide(request(Create, decode(t, moved), nil)); d.Allowed {
		t.Error("an IP of the index's pod of tenant b was admitted")
	}
	if d := a.Decide(request(Create, decode(t, ipOnlyEndpoints), nil)); !d.Allowed {
		t.Errorf("an IP only the snapshot's pods hold was denied: %s", d.Message)
	}
}

// TestPodIPs: a pod's addresses are its podIP and podIPs, once each,
// IPv4-mapped ones unmapped; a hostNetwork pod has none.
func TestPodIPs(t *testing.T) {
	p := corev1.Pod{}
	p.Status.PodIP = "::ffff:10.0.0.1"
	p.Status.PodIPs = []corev1.PodIP{{IP: "10.0.0.1"}, {IP: "fd00::1"}, {IP: "bad"}}
	got := PodIPs(&p)
	want := []netip.Addr{netip.MustParseAddr("10.0.0.1"), netip.MustParseAddr("fd00::1")}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("PodIPs = %v, want %v", got, want)
	}
	p.Spec.HostNetwork = true
	if got := PodIPs(&p); len(got) != 0 {
		t.Errorf("hostNetwork PodIPs = %v, want none", got)
	}
}
