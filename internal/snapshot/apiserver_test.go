package snapshot

import (
	"net/netip"
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TestAPIServerEndpoints: the addresses and ports of default/kubernetes,
// from Endpoints and EndpointSlices alike, once each, addresses sorted and
// protocols TCP when unset; another Service's are not its, nor another
// EndpointSlice labelled for it.
func TestAPIServerEndpoints(t *testing.T) {
	port, etcd := int32(6443), int32(2379)
	s := &Snapshot{
		Endpoints: []corev1.Endpoints{
			{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "kubernetes"},
				Subsets: []corev1.EndpointSubset{{Addresses: []corev1.EndpointAddress{{IP: "10.0.0.11"}}, Ports: []corev1.EndpointPort{{Port: 6443}}}}},
			{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "web"},
				Subsets: []corev1.EndpointSubset{{Addresses: []corev1.EndpointAddress{{IP: "10.0.0.99"}}, Ports: []corev1.EndpointPort{{Port: 80}}}}},
		},
		EndpointSlices: []discoveryv1.EndpointSlice{{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "kubernetes", Labels: map[string]string{discoveryv1.LabelServiceName: "kubernetes"}},
			Endpoints: []discoveryv1.Endpoint{{Addresses: []string{"10.0.0.11", "10.0.0.10"}}}, Ports: []discoveryv1.EndpointPort{{Port: &port}}},
			{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "kubernetes-extra", Labels: map[string]string{discoveryv1.LabelServiceName: "kubernetes"}},
				Endpoints: []discoveryv1.Endpoint{{Addresses: []string{"10.0.0.12"}}}, Ports: []discoveryv1.EndpointPort{{Port: &etcd}}}},
	}
	addrs, ports := s.APIServerEndpoints()
	if want := []netip.Addr{netip.MustParseAddr("10.0.0.10"), netip.MustParseAddr("10.0.0.11")}; !slices.Equal(addrs, want) {
		t.Errorf("addresses %v, want %v", addrs, want)
	}
	if want := []EndpointPort{{corev1.ProtocolTCP, 6443}}; !slices.Equal(ports, want) {
		t.Errorf("ports %v, want %v", ports, want)
	}
	if addrs, ports := (&Snapshot{}).APIServerEndpoints(); len(addrs)+len(ports) > 0 {
		t.Errorf("empty input: %v %v", addrs, ports)
	}
}
