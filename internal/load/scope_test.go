package load_test

import (
	"testing"

	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/bulkhead-dev/bulkhead/internal/load"
	"github.com/bulkhead-dev/bulkhead/internal/rbac"
)

// TestNamespacedAgreesWithTheResourceTable checks the loader's scopes
// against can-i's table of built-in resources, so the two never disagree
// about where an object lives.
func TestNamespacedAgreesWithTheResourceTable(t *testing.T) {
	compared := 0
	for gvk := range load.Scheme.AllKnownTypes() {
		if gvk.Version == "__internal" {
			continue
		}
		r, ok := rbac.LookupResource(gvk.Kind + "." + gvk.Version + "." + gvk.Group)
		if !ok || r.Kind != gvk.Kind || r.Group != gvk.Group {
			continue
		}
		compared++
		if got := load.Namespaced(schema.GroupKind{Group: gvk.Group, Kind: gvk.Kind}); got != r.Namespaced {
			t.Errorf("%s: Namespaced = %v, the resource table says %v", gvk.GroupKind(), got, r.Namespaced)
		}
	}
	if compared < 40 {
		t.Errorf("compared %d kinds; the table lookup is broken", compared)
	}
}
