package serve

import (
	"errors"
	"sync"
	"sync/atomic"
	"time"

	anpv1alpha1 "sigs.k8s.io/network-policy-api/apis/v1alpha1"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	toolscache "k8s.io/client-go/tools/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/bulkhead-dev/bulkhead/internal/admission"
	"github.com/bulkhead-dev/bulkhead/internal/kube"
	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
	"github.com/bulkhead-dev/bulkhead/internal/tenancy"
)

// watched are the kinds the decisions read, each kept by an informer:
// namespaces (tenancy, Pod Security levels), volumes and claims (escapes
// through hostPath volumes), RBAC (what a binding or a role grants, which
// bindings a new service account activates), Ingresses (the hosts each
// tenant holds), NetworkPolicies (whose selectors a namespace's or a
// pod's new labels may join) and pods, slimmed, by IP (whose pod an
// endpoints address is; kept in the pod index, not the store). Services
// and workloads are judged object by object and need no cache.
func watched() []client.Object {
	return []client.Object{
		&corev1.Namespace{},
		&corev1.Pod{},
		&corev1.PersistentVolume{},
		&corev1.PersistentVolumeClaim{},
		&rbacv1.Role{},
		&rbacv1.ClusterRole{},
		&rbacv1.RoleBinding{},
		&rbacv1.ClusterRoleBinding{},
		&networkingv1.Ingress{},
		&networkingv1.NetworkPolicy{},
	}
}

// servedOnly are the kinds the decisions read that a cluster may not
// serve: the admin network policies (a CRD of sigs.k8s.io/network-policy-api),
// whose selectors a namespace's or a pod's new labels may join. They are
// watched when the API server serves them.
func servedOnly() []client.Object {
	return []client.Object{
		&anpv1alpha1.AdminNetworkPolicy{},
		&anpv1alpha1.BaselineAdminNetworkPolicy{},
	}
}

// state is the snapshot store the informers feed and the decisions over
// it. A change marks it dirty; the next request rebuilds the decisions
// (one rebuild however many requests wait), so that a request never sees
// a cluster older than the informers' and no request calls the API
// server.
type state struct {
	tenancy tenancy.Config
	config  admission.Config

	// pods is the Pod informer's, apart from the store: their churn never
	// rebuilds the decisions.
	pods *podIndex

	mu      sync.Mutex
	store   *snapshot.Store
	dirty   bool
	current *admission.Admission
	synced  atomic.Bool
}

var podsResource = corev1.SchemeGroupVersion.WithResource("pods").GroupResource()

var errNotSynced = errors.New("the informer caches have not synced")

func newState(tc tenancy.Config, cfg admission.Config) *state {
	return newStateFrom(snapshot.NewStore(&snapshot.Snapshot{Source: "bulkhead serve"}), tc, cfg)
}

// newStateFrom is a state over a store already filled (a generated
// cluster, in benchmarks); the informers' events change it as usual.
func newStateFrom(st *snapshot.Store, tc tenancy.Config, cfg admission.Config) *state {
	tc.Live = true // namespaces come and go under the configuration
	return &state{tenancy: tc, config: cfg, store: st, dirty: true, pods: newPodIndex()}
}

// decisions returns the decisions over the current snapshot.
func (s *state) decisions() (*admission.Admission, error) {
	if !s.synced.Load() {
		return nil, errNotSynced
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.dirty || s.current == nil {
		start := time.Now()
		a, err := admission.New(s.store.View(), s.tenancy, s.config, admission.WithPods(s.pods))
		observeRebuild(time.Since(start), err)
		if err != nil {
			return nil, err
		}
		s.current, s.dirty = a, false
	}
	return s.current, nil
}

// markSynced is called once every informer has synced: from then on the
// webhook answers.
func (s *state) markSynced() { s.synced.Store(true) }

func (s *state) apply(obj any) {
	if p, ok := obj.(*corev1.Pod); ok {
		s.pods.set(p)
		return
	}
	o, ok := obj.(runtime.Object)
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.store.Apply(o); err == nil {
		s.dirty = true
	}
}

func (s *state) remove(obj any) {
	key, ok := kube.DeletedKey(obj)
	if !ok {
		return
	}
	if key.Resource == podsResource {
		s.pods.remove(types.NamespacedName{Namespace: key.Namespace, Name: key.Name})
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.store.Delete(key) {
		s.dirty = true
	}
}

// handlers are the informers' event handlers feeding the store.
func (s *state) handlers() toolscache.ResourceEventHandler {
	return toolscache.ResourceEventHandlerFuncs{
		AddFunc:    s.apply,
		UpdateFunc: func(_, obj any) { s.apply(obj) },
		DeleteFunc: s.remove,
	}
}
