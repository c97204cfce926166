package controller

import (
	"context"
	"fmt"
	"reflect"
	"sync"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	toolscache "k8s.io/client-go/tools/cache"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/bulkhead-dev/bulkhead/internal/kube"
	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
)

// watched are the kinds the baseline is planned from: the namespaces and
// their pods (real ones, and the controllers whose templates stand for
// pods not yet created), the Services that front the cluster DNS, the
// nodes (pod and node address ranges, the Kubernetes version), the
// NetworkPolicies already there and the API server's endpoints (its
// Endpoints only: CacheByObject).
func watched() []client.Object {
	return []client.Object{
		&corev1.Namespace{}, &corev1.Node{}, &corev1.Pod{}, &corev1.Service{},
		&networkingv1.NetworkPolicy{}, &corev1.Endpoints{},
		&appsv1.Deployment{}, &appsv1.StatefulSet{}, &appsv1.DaemonSet{}, &appsv1.ReplicaSet{},
		&corev1.ReplicationController{}, &batchv1.Job{}, &batchv1.CronJob{},
	}
}

// CacheByObject narrows the informers of the watched kinds that the
// baseline needs only one object of: of Endpoints, the API server's
// (default/kubernetes), which the pods' egress and the webhooks' ingress
// name; the controller's Role in default lets it read no other
// namespace's. A manager running the controller takes these options.
func CacheByObject() map[client.Object]cache.ByObject {
	return map[client.Object]cache.ByObject{&corev1.Endpoints{}: {
		Namespaces: map[string]cache.Config{snapshot.APIServiceNamespace: {}},
		Field:      fields.OneTermEqualSelector("metadata.name", snapshot.APIServiceName),
	}}
}

// view is the cluster as the informers hold it, in a snapshot.Store that
// their events keep up to date. Each change that the plan may read marks
// it dirty.
type view struct {
	mu    sync.Mutex
	store *snapshot.Store
	// dirty has a value when the store changed since the last Snapshot.
	dirty chan struct{}
	regs  []toolscache.ResourceEventHandlerRegistration
	// settled, when set, reports whether an update only brings what the
	// plan asked for (planner.settled): stored, but no reason to plan
	// again.
	settled func(old, obj any) bool
}

func newView() *view {
	return &view{store: snapshot.NewStore(&snapshot.Snapshot{Source: "live: informers"}), dirty: make(chan struct{}, 1)}
}

// watch adds the view's handler to the informer of each watched kind.
func (v *view) watch(ctx context.Context, c cache.Cache) error {
	for _, obj := range watched() {
		inf, err := c.GetInformer(ctx, obj)
		if err != nil {
			return fmt.Errorf("informer of %T: %w", obj, err)
		}
		reg, err := inf.AddEventHandler(toolscache.ResourceEventHandlerFuncs{
			AddFunc:    v.apply,
			UpdateFunc: v.update,
			DeleteFunc: v.delete,
		})
		if err != nil {
			return fmt.Errorf("watch %T: %w", obj, err)
		}
		v.regs = append(v.regs, reg)
	}
	return nil
}

// synced reports whether every handler has seen its informer's first
// list.
func (v *view) synced() bool {
	for _, r := range v.regs {
		if !r.HasSynced() {
			return false
		}
	}
	return true
}

func (v *view) apply(obj any) { v.put(obj, !ownPolicy(obj)) }

// put stores obj, and marks the view dirty when touch is set.
func (v *view) put(obj any, touch bool) {
	o, ok := obj.(runtime.Object)
	if !ok {
		return
	}
	v.mu.Lock()
	_, err := v.store.Apply(o)
	v.mu.Unlock()
	if err == nil && touch {
		v.touch()
	}
}

// ownPolicy reports whether obj (or the last state of a deleted one) is a
// NetworkPolicy of harden's: the plan sets those aside, so their coming
// and going does not change it. From empty, the controller's own writes
// would otherwise make the planner plan again and again.
func ownPolicy(obj any) bool {
	if d, ok := obj.(toolscache.DeletedFinalStateUnknown); ok {
		obj = d.Obj
	}
	np, ok := obj.(*networkingv1.NetworkPolicy)
	return ok && own(np)
}

func (v *view) update(old, obj any) {
	if !relevantChange(old, obj) {
		return
	}
	v.put(obj, !ownPolicy(obj) && (v.settled == nil || !v.settled(old, obj)))
}

func (v *view) delete(obj any) {
	key, ok := kube.DeletedKey(obj)
	if !ok {
		return
	}
	v.mu.Lock()
	gone := v.store.Delete(key)
	v.mu.Unlock()
	if gone && !ownPolicy(obj) {
		v.touch()
	}
}

// touch marks the view dirty, once however many changes come.
func (v *view) touch() {
	select {
	case v.dirty <- struct{}{}:
	default:
	}
}

// snapshot returns the normalised snapshot of what the view holds now.
func (v *view) snapshot() *snapshot.Snapshot {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.store.View()
}

// relevantChange reports whether an update changes anything the plan
// reads: not a new resourceVersion, managed fields, a pod's or a node's
// conditions and heartbeats, a controller's status counters, the
// controller's status annotation on a namespace. A
// NetworkPolicy of harden's own never counts: the plan sets them aside.
func relevantChange(old, obj any) bool {
	if np, ok := obj.(*networkingv1.NetworkPolicy); ok && own(np) {
		if op, ok := old.(*networkingv1.NetworkPolicy); ok && own(op) {
			return false
		}
	}
	a, okA := old.(runtime.Object)
	b, okB := obj.(runtime.Object)
	if !okA || !okB || reflect.TypeOf(a) != reflect.TypeOf(b) {
		return true
	}
	return !equality.Semantic.DeepEqual(planned(a), planned(b))
}

// planned is a copy of obj without what the plan never reads.
func planned(obj runtime.Object) runtime.Object {
	c := obj.DeepCopyObject()
	if m, ok := c.(metav1.Object); ok {
		m.SetResourceVersion("")
		m.SetManagedFields(nil)
	}
	switch o := c.(type) {
	case *corev1.Namespace:
		// The controller's status, which the plan never reads.
		delete(o.Annotations, StatusAnnotation)
	case *corev1.Pod:
		o.Status = corev1.PodStatus{Phase: o.Status.Phase, PodIP: o.Status.PodIP, PodIPs: o.Status.PodIPs, HostIP: o.Status.HostIP}
	case *corev1.Node:
		o.Status = corev1.NodeStatus{Addresses: o.Status.Addresses, NodeInfo: corev1.NodeSystemInfo{KubeletVersion: o.Status.NodeInfo.KubeletVersion}}
	case *appsv1.Deployment:
		o.Status = appsv1.DeploymentStatus{}
	case *appsv1.StatefulSet:
		o.Status = appsv1.StatefulSetStatus{}
	case *appsv1.DaemonSet:
		o.Status = appsv1.DaemonSetStatus{}
	case *appsv1.ReplicaSet:
		o.Status = appsv1.ReplicaSetStatus{}
	case *corev1.ReplicationController:
		o.Status = corev1.ReplicationControllerStatus{}
	case *batchv1.Job:
		o.Status = batchv1.JobStatus{}
	case *batchv1.CronJob:
		o.Status = batchv1.CronJobStatus{}
	}
	return c
}
