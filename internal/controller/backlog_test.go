package controller

import (
	"context"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	toolscache "k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/bulkhead-dev/bulkhead/internal/harden"
)

// TestDriftBeforeBacklog feeds a queue, as from empty, from a backlog
// of thousands of namespaces a plan asked for, while workers take them
// slowly: the deletion of one namespace's policy, queued by its event,
// comes out within the next few, and the backlog keeps its order and
// gives each namespace once.
func TestDriftBeforeBacklog(t *testing.T) {
	q := workqueue.NewTypedRateLimitingQueue(workqueue.DefaultTypedControllerRateLimiter[reconcile.Request]())
	defer q.ShutDown()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	const short = 4
	b := newBacklog()
	var names []string
	for i := range 5000 {
		names = append(names, nsName(i))
	}
	b.add(names...)
	b.add(names[:10]...) // asked for again before they were taken
	go b.feed(ctx, q, short)
	get := func() string {
		req, _ := q.Get()
		q.Done(req)
		return req.Name
	}
	var got []string
	for range 100 {
		got = append(got, get())
	}
	if d := cmp.Diff(names[:100], got); d != "" {
		t.Fatalf("the first 100 out (-want +got):\n%s", d)
	}
	if q.Len() > short {
		t.Errorf("the queue holds %d, more than %d", q.Len(), short)
	}
	drift := &networkingv1.NetworkPolicy{ObjectMeta: metav1.ObjectMeta{Namespace: nsName(4321), Name: BaselinePolicy}}
	p := newPendingWrites()
	p.wrote(objectKey{"NetworkPolicy", drift.Namespace, drift.Name}, "v1")
	observing{handler.EnqueueRequestsFromMapFunc(namespaceOf), "NetworkPolicy", p}.Delete(ctx, event.DeleteEvent{Object: drift}, q)
	if p.has(objectKey{"NetworkPolicy", drift.Namespace, drift.Name}, "v1") {
		t.Error("the deletion's event left the pending write")
	}
	for i := 0; ; i++ {
		if get() == drift.Namespace {
			break
		}
		if i > short {
			t.Fatalf("the drifted namespace is not out after %d others", i)
		}
	}
}

// TestViewIgnoresOwnPolicies: harden's policies coming and going do not
// make the planner plan again (the plan sets them aside); anything else
// does.
func TestViewIgnoresOwnPolicies(t *testing.T) {
	ownNP := &networkingv1.NetworkPolicy{ObjectMeta: metav1.ObjectMeta{Namespace: "a", Name: BaselinePolicy, Labels: map[string]string{harden.ManagedByLabel: harden.ManagedBy}}}
	userNP := &networkingv1.NetworkPolicy{ObjectMeta: metav1.ObjectMeta{Namespace: "a", Name: "mine"}}
	for _, tc := range []struct {
		name  string
		event func(v *view)
		dirty bool
	}{
		{"harden's policy added", func(v *view) { v.apply(ownNP) }, false},
		{"harden's policy deleted", func(v *view) { v.delete(ownNP) }, false},
		{"harden's policy deleted, last state unknown", func(v *view) {
			v.delete(toolscache.DeletedFinalStateUnknown{Key: "a/" + BaselinePolicy, Obj: ownNP})
		}, false},
		{"a user's policy added", func(v *view) { v.apply(userNP) }, true},
		{"a user's policy deleted", func(v *view) { v.delete(userNP) }, true},
		{"a namespace added", func(v *view) { v.apply(&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "b"}}) }, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := newView()
			v.apply(ownNP.DeepCopy())
			v.apply(userNP.DeepCopy())
			<-v.dirty
			tc.event(v)
			select {
			case <-v.dirty:
				if !tc.dirty {
					t.Error("the view is dirty")
				}
			default:
				if tc.dirty {
					t.Error("the view is not dirty")
				}
			}
		})
	}
}

func nsName(i int) string { return fmt.Sprintf("t-%04d", i) }

// TestSettled: a namespace update that only brings the Pod Security labels
// the plan asked for does not make the planner plan again; any other does.
func TestSettled(t *testing.T) {
	const enforce, warn = "pod-security.kubernetes.io/enforce", "pod-security.kubernetes.io/warn"
	old := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "a", Labels: map[string]string{"team": "x", warn: "restricted"}}}
	asked := map[string]string{enforce: "baseline"}
	for _, tc := range []struct {
		name  string
		asked map[string]string
		edit  func(*corev1.Namespace)
		want  bool
	}{
		{"the labels the plan asked for, with the status", asked, func(n *corev1.Namespace) {
			n.Labels[enforce] = "baseline"
			n.Annotations = map[string]string{StatusAnnotation: "synced"}
		}, true},
		{"another level", asked, func(n *corev1.Namespace) { n.Labels[enforce] = "restricted" }, false},
		{"another Pod Security label changed too", asked, func(n *corev1.Namespace) {
			n.Labels[enforce] = "baseline"
			n.Labels[warn] = "baseline"
		}, false},
		{"relabelled into another tenant too", asked, func(n *corev1.Namespace) {
			n.Labels[enforce] = "baseline"
			n.Labels["team"] = "y"
		}, false},
		{"the plan asked for no label", nil, func(n *corev1.Namespace) { n.Labels[enforce] = "baseline" }, false},
		{"a label removed", asked, func(n *corev1.Namespace) { delete(n.Labels, warn) }, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := newView()
			p := newPlanner(v, Options{})
			p.plan = map[string]*desired{"a": {Labels: tc.asked}}
			obj := old.DeepCopy()
			tc.edit(obj)
			if got := p.settled(old, obj); got != tc.want {
				t.Errorf("settled = %v, want %v", got, tc.want)
			}
			v.update(old, obj)
			select {
			case <-v.dirty:
				if tc.want {
					t.Error("the view is dirty")
				}
			default:
				if !tc.want {
					t.Error("the view is not dirty")
				}
			}
			if got := v.snapshot().Namespaces; len(got) != 1 || got[0].Labels[enforce] != obj.Labels[enforce] {
				t.Errorf("the store does not hold the update: %v", got)
			}
		})
	}
}
