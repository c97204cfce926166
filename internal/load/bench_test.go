package load

import (
	"fmt"
	"strings"
	"testing"
)

// BenchmarkBytes measures the common path: valid workloads, one strict
// decode each, validated and indexed for duplicates.
func BenchmarkBytes(b *testing.B) {
	var sb strings.Builder
	for i := 0; i < 1000; i++ {
		fmt.Fprintf(&sb, `apiVersion: apps/v1
kind: Deployment
metadata: {name: d%d, namespace: ns%d, labels: {app: d%d}}
spec:
  selector: {matchLabels: {app: d%d}}
  template:
    metadata: {labels: {app: d%d}}
    spec:
      containers: [{name: c, image: nginx, ports: [{name: http, containerPort: 8080}]}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: p%d, namespace: ns%d}
spec: {podSelector: {}, ingress: [{from: [{ipBlock: {cidr: 10.0.0.0/8, except: [10.1.0.0/16]}}], ports: [{port: 80}]}]}
---
`, i, i%50, i, i, i, i, i%50)
	}
	data := []byte(sb.String())
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		l := New("bench", Options{})
		l.Bytes("bench.yaml", data)
		if _, stats, err := l.Result(); err != nil || stats.Objects != 2000 {
			b.Fatalf("err %v, stats %+v", err, stats)
		}
	}
}
