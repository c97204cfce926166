package node

import (
	"fmt"
	"testing"

	"github.com/bulkhead-dev/bulkhead/internal/node/podgen"
)

// BenchmarkEvaluate runs the whole engine (Pod Security at both levels,
// escape checks, placement, co-location and findings) on synthetic
// clusters. The target: 100,000 pods in under 2 s on 2 cores.
func BenchmarkEvaluate(b *testing.B) {
	for _, size := range []podgen.Size{
		{Namespaces: 100, Pods: 1000, Nodes: 20, Live: true, Unusual: 10},
		{Namespaces: 1000, Pods: 10000, Nodes: 100, Live: true, Unusual: 10},
		{Namespaces: 2000, Pods: 100000, Nodes: 1000, Live: true, Unusual: 10},
		{Namespaces: 2000, Pods: 100000, Nodes: 1000, Live: false, Unusual: 10},
		{Namespaces: 2000, Pods: 100000, Nodes: 0, Live: false, Unusual: 10},
		{Namespaces: 2000, Pods: 100000, Nodes: 1000, Live: true, Unusual: 10, RBAC: true},
	} {
		mode := "live"
		if !size.Live {
			mode = fmt.Sprintf("offline-%dnodes", size.Nodes)
		}
		if size.RBAC {
			mode += "-rbac"
		}
		b.Run(fmt.Sprintf("pods=%d/%s", size.Pods, mode), func(b *testing.B) {
			snap := podgen.Cluster(1, size)
			ten := resolve(b, snap)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				r := Analyze(snap, ten)
				if len(r.Pods) != size.Pods {
					b.Fatalf("%d pods analysed", len(r.Pods))
				}
			}
		})
	}
}
