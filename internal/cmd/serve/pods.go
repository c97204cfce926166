package serve

import (
	"net/netip"
	"sync"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/bulkhead-dev/bulkhead/internal/admission"
)

// slimPod keeps of a pod what the decisions read (where it is, its labels,
// node, host network, addresses and phase) and what an informer needs to
// follow it (UID, resourceVersion): the Pod informer's cache transform,
// so that the webhook holds tens of bytes per pod, not the whole spec.
// Anything but a pod passes unchanged.
func slimPod(obj any) (any, error) {
	p, ok := obj.(*corev1.Pod)
	if !ok {
		return obj, nil
	}
	return slim(p), nil
}

func slim(p *corev1.Pod) *corev1.Pod {
	s := &corev1.Pod{}
	s.Namespace, s.Name, s.UID, s.ResourceVersion = p.Namespace, p.Name, p.UID, p.ResourceVersion
	s.Labels = p.Labels
	s.Spec.NodeName, s.Spec.HostNetwork = p.Spec.NodeName, p.Spec.HostNetwork
	s.Status.Phase, s.Status.PodIP, s.Status.PodIPs = p.Status.Phase, p.Status.PodIP, p.Status.PodIPs
	return s
}

// podIndex is the names of the pods the Pod informer delivers, by IP:
// what judging endpoints given by IP alone reads (admission.PodIndex). It
// is kept apart from the snapshot store, so that pods coming, going and
// changing IP never rebuild the decisions; safe for concurrent use.
type podIndex struct {
	mu   sync.RWMutex
	byIP map[netip.Addr]types.NamespacedName
	ips  map[types.NamespacedName][]netip.Addr
}

var _ admission.PodIndex = (*podIndex)(nil)

func newPodIndex() *podIndex {
	return &podIndex{byIP: map[netip.Addr]types.NamespacedName{}, ips: map[types.NamespacedName][]netip.Addr{}}
}

// PodAt returns the namespace and name of the pod holding ip.
func (x *podIndex) PodAt(ip netip.Addr) (string, string, bool) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	p, ok := x.byIP[ip.Unmap()]
	return p.Namespace, p.Name, ok
}

// set stores the addresses of a pod in place of those of the pod of its
// name: the IPs it no longer holds are forgotten, unless another pod
// holds them now.
func (x *podIndex) set(p *corev1.Pod) {
	key := types.NamespacedName{Namespace: p.Namespace, Name: p.Name}
	ips := admission.PodIPs(p)
	x.mu.Lock()
	defer x.mu.Unlock()
	x.forget(key)
	for _, ip := range ips {
		x.byIP[ip] = key
	}
	if len(ips) > 0 {
		x.ips[key] = ips
	}
}

// remove forgets the pod of a name.
func (x *podIndex) remove(key types.NamespacedName) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.forget(key)
}

func (x *podIndex) forget(key types.NamespacedName) {
	for _, ip := range x.ips[key] {
		if x.byIP[ip] == key {
			delete(x.byIP, ip)
		}
	}
	delete(x.ips, key)
}

// len is how many addresses the index holds.
func (x *podIndex) len() int {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return len(x.byIP)
}
