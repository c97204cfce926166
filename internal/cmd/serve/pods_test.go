package serve

import (
	"context"
	"net/netip"
	"testing"

	"github.com/go-logr/logr"
	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus/testutil"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	toolscache "k8s.io/client-go/tools/cache"

	"github.com/bulkhead-dev/bulkhead/internal/admission"
)

func podAt(ns, name, ip string) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, Labels: map[string]string{"app": name}, ResourceVersion: "7", UID: types.UID("u-" + name)},
		Spec: corev1.PodSpec{NodeName: "node-1", Containers: []corev1.Container{{Name: "c", Image: "nginx", Env: []corev1.EnvVar{{Name: "BIG", Value: "x"}}}},
			Volumes: []corev1.Volume{{Name: "v"}}},
		Status: corev1.PodStatus{Phase: corev1.PodRunning, PodIP: ip, PodIPs: []corev1.PodIP{{IP: ip}},
			Conditions: []corev1.PodCondition{{Type: corev1.PodReady}}, ContainerStatuses: []corev1.ContainerStatus{{Name: "c"}}},
	}
}

// TestSlimPod: the Pod informer's transform keeps where a pod is, its
// labels, node, host network, addresses and phase, and what the informer
// follows it by; nothing of its containers, volumes or conditions.
func TestSlimPod(t *testing.T) {
	p := podAt("b-app", "db-0", "10.244.2.7")
	got, err := slimPod(p)
	if err != nil {
		t.Fatal(err)
	}
	want := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "db-0", Namespace: "b-app", Labels: map[string]string{"app": "db-0"}, ResourceVersion: "7", UID: "u-db-0"},
		Spec:       corev1.PodSpec{NodeName: "node-1"},
		Status:     corev1.PodStatus{Phase: corev1.PodRunning, PodIP: "10.244.2.7", PodIPs: []corev1.PodIP{{IP: "10.244.2.7"}}},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("slimPod (-want +got):\n%s", d)
	}
	ns := namespace("a-web", "a")
	if got, _ := slimPod(ns); got != ns {
		t.Error("a namespace was transformed")
	}
}

// TestPodIndex: pods come, change IP and go; an IP a deleted pod held and
// a new pod holds now stays the new pod's.
func TestPodIndex(t *testing.T) {
	x := newPodIndex()
	at := func(ip string) string {
		ns, name, ok := x.PodAt(netip.MustParseAddr(ip))
		if !ok {
			return ""
		}
		return ns + "/" + name
	}
	x.set(podAt("b-app", "db-0", "10.0.0.1"))
	x.set(podAt("a-web", "web-0", "10.0.0.2"))
	if at("10.0.0.1") != "b-app/db-0" || at("::ffff:10.0.0.2") != "a-web/web-0" {
		t.Fatalf("after two pods: %q, %q", at("10.0.0.1"), at("10.0.0.2"))
	}
	x.set(podAt("b-app", "db-0", "10.0.0.3")) // a new IP
	if at("10.0.0.1") != "" || at("10.0.0.3") != "b-app/db-0" {
		t.Errorf("after a new IP: %q, %q", at("10.0.0.1"), at("10.0.0.3"))
	}
	x.set(podAt("a-web", "web-1", "10.0.0.3")) // reused before db-0's delete arrives
	x.remove(typesName("b-app", "db-0"))
	if at("10.0.0.3") != "a-web/web-1" {
		t.Errorf("a reused IP: %q", at("10.0.0.3"))
	}
	host := podAt("a-web", "host", "192.168.1.1")
	host.Spec.HostNetwork = true
	x.set(host)
	if at("192.168.1.1") != "" {
		t.Error("a hostNetwork pod holds its node's IP")
	}
	if x.len() != 2 {
		t.Errorf("%d addresses held, want 2", x.len())
	}
}

// TestEndpointsByPodIP: the informers' pods reach the decisions without
// rebuilding them: an Endpoints address given by the IP of another
// tenant's pod is denied once the pod is delivered, admitted after it is
// deleted (tombstones too).
func TestEndpointsByPodIP(t *testing.T) {
	s := synced(admission.Config{})
	h := &Handler{decisions: s.decisions, log: logr.Discard()}
	if _, err := s.decisions(); err != nil {
		t.Fatal(err)
	}
	ep := &corev1.Endpoints{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "a-web"},
		Subsets: []corev1.EndpointSubset{{Addresses: []corev1.EndpointAddress{{IP: "10.244.2.7"}}, Ports: []corev1.EndpointPort{{Port: 5432}}}}}
	req := review(t, ep, "Endpoints", "a-web")
	if resp := h.Handle(context.Background(), req); !resp.Allowed {
		t.Fatalf("denied before the pod exists: %v", resp.Result)
	}
	before := rebuildCount(t)
	handlers := s.handlers()
	db := podAt("b-app", "db-0", "10.244.2.7")
	handlers.OnAdd(db, false)
	resp := h.Handle(context.Background(), req)
	if resp.Allowed {
		t.Fatal("an address of tenant b's pod was admitted into tenant a's Endpoints")
	}
	t.Log(resp.Result.Message)
	if got := rebuildCount(t); got != before {
		t.Errorf("a pod rebuilt the decisions (%v rebuilds, was %v)", got, before)
	}
	handlers.OnDelete(toolscache.DeletedFinalStateUnknown{Key: "b-app/db-0", Obj: db})
	if resp := h.Handle(context.Background(), req); !resp.Allowed {
		t.Errorf("denied after the pod was deleted: %v", resp.Result)
	}
}

func typesName(ns, name string) types.NamespacedName {
	return types.NamespacedName{Namespace: ns, Name: name}
}

// rebuildCount is how many times the decisions were rebuilt, by the
// metric.
func rebuildCount(t *testing.T) float64 {
	t.Helper()
	return testutil.ToFloat64(snapshotRebuilds)
}
