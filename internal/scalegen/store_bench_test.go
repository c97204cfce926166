package scalegen

import (
	"bytes"
	"fmt"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/bulkhead-dev/bulkhead/internal/load"
	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
)

// loadStore loads the generated cluster of tenants into a store, outside
// the timer.
func loadStore(b *testing.B, tenants int) *snapshot.Store {
	b.Helper()
	var buf bytes.Buffer
	if _, err := Write(&buf, Config{Tenants: tenants, Seed: 1, Format: JSON}); err != nil {
		b.Fatal(err)
	}
	l := load.New("bench", load.Options{})
	l.Bytes("cluster.json", buf.Bytes())
	snap, _, err := l.Result()
	if err != nil {
		b.Fatal(err)
	}
	return snapshot.NewStore(snap)
}

// BenchmarkStoreCloneApply is what asking "what if this pod changed?"
// costs before any analysis: a clone of the cluster's store and one Apply
// (issue 12: under 1 ms at 100,000 pods).
func BenchmarkStoreCloneApply(b *testing.B) {
	for _, s := range sizes {
		b.Run("pods="+s.name, func(b *testing.B) {
			skipUnlessFull(b, s)
			st := loadStore(b, s.tenants)
			p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: namespaceName(0), Name: "what-if", Labels: map[string]string{"app": "what-if"}},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "busybox"}}}}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				c := st.Clone()
				p.Name = fmt.Sprintf("what-if-%d", i%8)
				if _, err := c.Apply(p); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkStoreView is the normalised view of a store: what every
// analysis of a changed store starts from.
func BenchmarkStoreView(b *testing.B) {
	for _, s := range sizes {
		b.Run("pods="+s.name, func(b *testing.B) {
			skipUnlessFull(b, s)
			st := loadStore(b, s.tenants)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if v := st.View(); len(v.Pods) == 0 {
					b.Fatal("no pods in the view")
				}
			}
		})
	}
}
