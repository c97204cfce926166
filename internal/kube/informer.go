package kube

import (
	"k8s.io/apimachinery/pkg/runtime"
	toolscache "k8s.io/client-go/tools/cache"

	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
)

// DeletedKey is the identity of the object an informer's delete event
// carries, itself or inside the tombstone of a delete the informer missed
// (DeletedFinalStateUnknown); false for an object of a kind the snapshot
// does not model.
func DeletedKey(obj any) (snapshot.Key, bool) {
	if t, ok := obj.(toolscache.DeletedFinalStateUnknown); ok {
		obj = t.Obj
	}
	o, ok := obj.(runtime.Object)
	if !ok {
		return snapshot.Key{}, false
	}
	key, err := snapshot.KeyOf(o)
	return key, err == nil
}
