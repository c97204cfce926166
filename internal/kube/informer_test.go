package kube

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	toolscache "k8s.io/client-go/tools/cache"

	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
)

func TestDeletedKey(t *testing.T) {
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "a", Name: "web"}}
	want := snapshot.Key{Resource: schema.GroupResource{Resource: "pods"}, Namespace: "a", Name: "web"}
	for name, obj := range map[string]any{
		"object":    pod,
		"tombstone": toolscache.DeletedFinalStateUnknown{Key: "a/web", Obj: pod},
	} {
		if got, ok := DeletedKey(obj); !ok || got != want {
			t.Errorf("%s: %v %v, want %v", name, got, ok, want)
		}
	}
	for name, obj := range map[string]any{
		"not an object":   "a/web",
		"unmodelled":      &corev1.Event{ObjectMeta: metav1.ObjectMeta{Namespace: "a", Name: "e"}},
		"empty tombstone": toolscache.DeletedFinalStateUnknown{Key: "a/web"},
	} {
		if _, ok := DeletedKey(obj); ok {
			t.Errorf("%s: a key", name)
		}
	}
}
