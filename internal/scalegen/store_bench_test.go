package scalegen

import (
	"bytes"
	"fmt"
	"testing"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/bulkhead-dev/bulkhead/internal/analysis"
	"github.com/bulkhead-dev/bulkhead/internal/load"
	nodeengine "github.com/bulkhead-dev/bulkhead/internal/node"
	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
	"github.com/bulkhead-dev/bulkhead/internal/tenancy"
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

// BenchmarkStoreView is the normalised view of a store, what every
// analysis of a changed store starts from: made from every object (the
// first view of a store), and derived from the view before after one pod
// changed (every later one).
func BenchmarkStoreView(b *testing.B) {
	for _, s := range sizes {
		b.Run("pods="+s.name, func(b *testing.B) {
			skipUnlessFull(b, s)
			st := loadStore(b, s.tenants)
			b.Run("from-scratch", func(b *testing.B) {
				b.ReportAllocs()
				for i := 0; i < b.N; i++ {
					if v := st.ViewFromScratch(); len(v.Pods) == 0 {
						b.Fatal("no pods in the view")
					}
				}
			})
			st.View()
			p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: namespaceName(0), Name: "what-if", Labels: map[string]string{"app": "what-if"}},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "busybox"}}}}
			b.Run("after-one-pod", func(b *testing.B) {
				b.ReportAllocs()
				for i := 0; i < b.N; i++ {
					c := st.Clone()
					if _, err := c.Apply(p); err != nil {
						b.Fatal(err)
					}
					if v := c.View(); len(v.Pods) == 0 {
						b.Fatal("no pods in the view")
					}
				}
			})
		})
	}
}

// BenchmarkReanalysis is the audit of a cluster after one object changed,
// from the facts of the audit before (analysis.Facts.Reanalyse): the view of
// the changed store, Pod Security refusals, tenancy, the engines whose
// facts the change makes stale, the attack graph and the report. Issue
// 12's goal is 100 ms at 100,000 pods for each of the four changes.
func BenchmarkReanalysis(b *testing.B) {
	for _, s := range sizes {
		b.Run("pods="+s.name, func(b *testing.B) {
			skipUnlessFull(b, s)
			st := loadStore(b, s.tenants)
			ns := namespaceName(0)
			cfg := tenancy.Config{Label: tenantLabel}
			audit := func(st *snapshot.Store, prev *analysis.Facts, changed []snapshot.Key) *analysis.Facts {
				view := st.View()
				var f *analysis.Facts
				if prev == nil {
					nodeengine.DropRefused(view)
					ten, err := tenancy.Resolve(view, cfg)
					if err != nil {
						b.Fatal(err)
					}
					f = analysis.NewFacts(view, ten)
				} else {
					var err error
					if f, err = prev.Reanalyse(view, changed); err != nil {
						b.Fatal(err)
					}
				}
				analysis.Run(f, analysis.Engines(), analysis.Options{Matrix: true})
				return f
			}
			facts := audit(st, nil, nil)
			for _, c := range []struct {
				name string
				obj  runtime.Object
			}{
				{"pod", &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "what-if", Labels: map[string]string{"app": "what-if"}},
					Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "busybox"}}}}},
				{"networkpolicy", &networkingv1.NetworkPolicy{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "what-if"},
					Spec: networkingv1.NetworkPolicySpec{Ingress: []networkingv1.NetworkPolicyIngressRule{{}}}}},
				{"rolebinding", &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "what-if"},
					RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "edit"},
					Subjects: []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: "default", Namespace: namespaceName(NamespacesPerTenant)}}}},
				{"namespace-label", &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns, Labels: map[string]string{"what-if": "yes"}}}},
			} {
				b.Run(c.name, func(b *testing.B) {
					b.ReportAllocs()
					for i := 0; i < b.N; i++ {
						changed := st.Clone()
						key, _, err := changed.ServerSideApply(c.obj)
						if err != nil {
							b.Fatal(err)
						}
						audit(changed, facts, []snapshot.Key{key})
					}
				})
			}
		})
	}
}
