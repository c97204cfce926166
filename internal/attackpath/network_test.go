package attackpath

import (
	"testing"

	"github.com/bulkhead-dev/bulkhead/internal/netpol"
	"github.com/bulkhead-dev/bulkhead/internal/tenancy"
)

// dnsFixture: tenant a may send DNS queries to the cluster DNS pods, and,
// when extra is set, reach their metrics port too.
func dnsFixture(t *testing.T, extra string) *Model {
	t.Helper()
	snap := fromYAML(t, `apiVersion: v1
kind: Namespace
metadata: {name: a}`, `apiVersion: v1
kind: Pod
metadata: {namespace: a, name: web}
spec: {containers: [{name: c, image: x}]}
status: {podIP: 10.0.0.1}`, `apiVersion: v1
kind: Pod
metadata: {namespace: kube-system, name: coredns, labels: {k8s-app: kube-dns}}
spec:
  containers:
  - name: coredns
    image: x
    ports:
    - {name: dns, containerPort: 53, protocol: UDP}
    - {name: dns-tcp, containerPort: 53, protocol: TCP}
    - {name: metrics, containerPort: 9153, protocol: TCP}
status: {podIP: 10.0.9.1}`, `apiVersion: v1
kind: Service
metadata: {namespace: kube-system, name: kube-dns}
spec:
  selector: {k8s-app: kube-dns}
  ports:
  - {name: dns, port: 53, protocol: UDP, targetPort: dns}
  - {name: dns-tcp, port: 53, protocol: TCP, targetPort: dns-tcp}
  - {name: metrics, port: 9153, protocol: TCP, targetPort: 9153}`, `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {namespace: a, name: dns-only}
spec:
  podSelector: {}
  policyTypes: [Ingress, Egress]
  egress:
  - to:
    - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: kube-system}}
      podSelector: {matchLabels: {k8s-app: kube-dns}}
    ports:
    - {protocol: UDP, port: 53}
    - {protocol: TCP, port: 53}`+extra)
	snap.Normalize()
	ten, err := tenancy.Resolve(snap, tenancy.Config{})
	if err != nil {
		t.Fatal(err)
	}
	return Build(Inputs{Snapshot: snap, Tenancy: ten, Network: netpol.Compile(snap, netpol.DefaultOptions())})
}

// Reaching the cluster DNS pods on their DNS ports is no path: the cell
// a → cluster stays isolated. Their metrics port is reach like any other.
func TestDNSQueriesAreNoPath(t *testing.T) {
	tests := []struct {
		name, extra string
		isolated    bool
	}{
		{"DNS ports only", "", true},
		{"and metrics", "\n    - {protocol: TCP, port: 9153}", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x := dnsFixture(t, tt.extra).Matrix()
			c := x.Cell("a", tenancy.Cluster)
			if c == nil {
				t.Fatal("no cell a → cluster")
			}
			if c.Isolated != tt.isolated {
				t.Fatalf("a → cluster isolated = %v, want %v (layers %v, witness %+v)", c.Isolated, tt.isolated, c.Layers, c.Witness)
			}
		})
	}
}
