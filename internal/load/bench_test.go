package load

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	goruntime "runtime"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/runtime"

	"github.com/bulkhead-dev/bulkhead/internal/scalegen"
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

// BenchmarkCluster loads 5,000 objects of a cluster as kubectl prints
// them: as a stream of YAML documents, as one YAML List and as one JSON
// List, with and without managedFields. Run with -cpu 1,2 to see what the
// parallel decode adds.
func BenchmarkCluster(b *testing.B) {
	for _, managed := range []bool{false, true} {
		suffix := ""
		if managed {
			suffix = "+managedFields"
		}
		for _, in := range []struct {
			name  string
			print func(testing.TB, []runtime.Object) []byte
		}{
			{"yaml", clusterYAML},
			{"yaml-list", clusterYAMLList},
			{"json", clusterJSON},
		} {
			b.Run(in.name+suffix, func(b *testing.B) {
				objs := clusterObjects(5000, managed)
				data := in.print(b, objs)
				goruntime.GC()
				b.SetBytes(int64(len(data)))
				b.ReportAllocs()
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					l := New("bench", Options{})
					l.Bytes("bench", data)
					if _, stats, err := l.Result(); err != nil || stats.Objects != 5000 {
						b.Fatalf("err %v, stats %+v", err, stats)
					}
				}
			})
		}
	}
}

// BenchmarkClusterFiles loads the same objects from a directory of one
// file each, as `kubectl get -o yaml` prints an object: the parallel
// decode across files.
func BenchmarkClusterFiles(b *testing.B) {
	dir := b.TempDir()
	total := 0
	for i, o := range clusterObjects(5000, false) {
		data := clusterYAML(b, []runtime.Object{o})
		total += len(data)
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("%05d.yaml", i)), data, 0o644); err != nil {
			b.Fatal(err)
		}
	}
	goruntime.GC()
	b.SetBytes(int64(total))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		l := New("bench", Options{})
		if err := l.Path(dir); err != nil {
			b.Fatal(err)
		}
		if _, stats, err := l.Result(); err != nil || stats.Objects != 5000 {
			b.Fatalf("err %v, stats %+v", err, stats)
		}
	}
}

// BenchmarkScaleJSON loads the production-shaped cluster of issue 11 as
// compact JSON, one object a line in one List, as `bulkhead snapshot -o
// json` and `kubectl get -o json | jq -c` write it: split, decoded into
// the typed objects, validated and added to the snapshot. Issue 11 asks
// for 100 MB/s on one core (-cpu 1).
func BenchmarkScaleJSON(b *testing.B) {
	for _, tenants := range []int{100} {
		b.Run(fmt.Sprintf("pods=%d", tenants*scalegen.PodsPerTenant), func(b *testing.B) {
			var buf bytes.Buffer
			stats, err := scalegen.Write(&buf, scalegen.Config{Tenants: tenants, Seed: 1, Format: scalegen.JSON})
			if err != nil {
				b.Fatal(err)
			}
			data := buf.Bytes()
			goruntime.GC()
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				l := New("bench", Options{})
				l.Bytes("cluster.json", data)
				if _, ls, err := l.Result(); err != nil || ls.Objects != stats.Objects {
					b.Fatalf("load: %v, %d of %d objects", err, ls.Objects, stats.Objects)
				}
			}
		})
	}
}
