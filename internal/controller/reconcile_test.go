package controller

import (
	"context"
	"testing"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/record"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

	"github.com/bulkhead-dev/bulkhead/internal/harden"
	"github.com/bulkhead-dev/bulkhead/internal/load"
	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
	"github.com/bulkhead-dev/bulkhead/internal/tenancy"
)

// TestReconcileCacheBehind reconciles a namespace whose cache does not
// show the controller's writes yet (the fake client's store stands for
// the cache; writes go to the API server, here a counter): queued again
// before their events come in, it writes nothing more; once an event of
// its policy is in, the policy is judged on the cache again, and a
// policy still missing there (deleted since) is written again.
func TestReconcileCacheBehind(t *testing.T) {
	ctx := context.Background()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "a", Labels: map[string]string{"kubernetes.io/metadata.name": "a"}}}
	writes := map[string]int{}
	c := interceptor.NewClient(fake.NewClientBuilder().WithScheme(load.Scheme).WithObjects(ns.DeepCopy()).Build(), interceptor.Funcs{
		Patch: func(_ context.Context, _ client.WithWatch, obj client.Object, _ client.Patch, _ ...client.PatchOption) error {
			writes[obj.GetObjectKind().GroupVersionKind().Kind]++
			return nil
		},
	})
	ten, err := tenancy.Resolve(snapshot.NewStore(&snapshot.Snapshot{Namespaces: []corev1.Namespace{*ns}}).View(), tenancy.Config{})
	if err != nil {
		t.Fatal(err)
	}
	deny := &networkingv1.NetworkPolicy{ObjectMeta: metav1.ObjectMeta{Namespace: "a", Name: "bulkhead-default-deny", Labels: map[string]string{harden.ManagedByLabel: harden.ManagedBy}},
		Spec: networkingv1.NetworkPolicySpec{PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress}}}
	d := &desired{Labels: map[string]string{"pod-security.kubernetes.io/enforce": "baseline"}}
	d.Policies, d.Folds = fold("a", []*networkingv1.NetworkPolicy{deny}, nil)
	d.digest = digestOf(d)
	p := &planner{ready: true, tenancy: ten, plan: map[string]*desired{"a": d}}
	r := &reconciler{client: c, planner: p, recorder: record.NewFakeRecorder(100),
		synced: map[string]string{}, conflicted: map[string]string{}, pending: newPendingWrites()}
	reconcile := func(want map[string]int) {
		t.Helper()
		if _, err := r.Reconcile(ctx, ctrl.Request{NamespacedName: client.ObjectKey{Name: "a"}}); err != nil {
			t.Fatal(err)
		}
		for kind, n := range want {
			if writes[kind] != n {
				t.Errorf("%d writes of %s, want %d (all: %v)", writes[kind], kind, n, writes)
			}
		}
	}
	reconcile(map[string]int{"NetworkPolicy": 1, "Namespace": 1})
	reconcile(map[string]int{"NetworkPolicy": 1, "Namespace": 1}) // queued again, the cache behind
	// The policy's event comes in (and then its deletion, which the cache
	// shows): written again. The namespace's has not: not written again.
	r.pending.seen("NetworkPolicy", d.Policies[0])
	reconcile(map[string]int{"NetworkPolicy": 2, "Namespace": 1})
	// A different baseline is written even before the events are in.
	d2 := &desired{Labels: map[string]string{"pod-security.kubernetes.io/enforce": "restricted"}, Policies: d.Policies, Folds: d.Folds}
	d2.digest = digestOf(d2)
	p.plan["a"] = d2
	reconcile(map[string]int{"NetworkPolicy": 2, "Namespace": 2})
}
