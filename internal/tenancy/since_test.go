package tenancy

import (
	"reflect"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
)

// ResolveSince keeps the tenancy of the snapshot before a change only when
// the change cannot move it: whatever it returns equals Resolve of the
// snapshot after, and it is the tenancy before (the same pointer) in the
// cases below that leave every namespace's tenant and the namespaces as
// they were. It may resolve anew where it need not (a second pod in a
// namespace nothing declares): Update compares the tenancies, not their
// pointers.
func TestResolveSince(t *testing.T) {
	nsKey := func(name string) snapshot.Key {
		return snapshot.Key{Resource: schema.GroupResource{Resource: "namespaces"}, Name: name}
	}
	podKey := func(namespace, name string) snapshot.Key {
		return snapshot.Key{Resource: schema.GroupResource{Resource: "pods"}, Namespace: namespace, Name: name}
	}
	pod := func(namespace, name string) corev1.Pod {
		return corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: name}}
	}
	for _, tc := range []struct {
		name    string
		change  func(s *snapshot.Snapshot) snapshot.Key
		cfg     Config
		keeps   bool
		tenants int // in the tenancy after
	}{
		{"a pod in a declared namespace", func(s *snapshot.Snapshot) snapshot.Key {
			s.Pods = append(s.Pods, pod("pay-api", "web"))
			return podKey("pay-api", "web")
		}, Config{Label: "team"}, true, 0},
		{"a pod in a namespace nothing declares", func(s *snapshot.Snapshot) snapshot.Key {
			s.Pods = append(s.Pods, pod("stray", "web"))
			return podKey("stray", "web")
		}, Config{Label: "team"}, false, 1},
		{"a pod gone from a namespace nothing declares", func(s *snapshot.Snapshot) snapshot.Key {
			s.Pods = nil
			return podKey("orphan", "p")
		}, Config{Label: "team"}, false, -1},
		{"a namespace declared where a pod lived", func(s *snapshot.Snapshot) snapshot.Key {
			s.Namespaces = append(s.Namespaces, ns("orphan", map[string]string{"team": "search"}))
			return nsKey("orphan")
		}, Config{Label: "team"}, false, -1},
		{"a namespace declared", func(s *snapshot.Snapshot) snapshot.Key {
			s.Namespaces = append(s.Namespaces, ns("fresh", nil))
			return nsKey("fresh")
		}, Config{Label: "team"}, false, 1},
		{"a namespace gone", func(s *snapshot.Snapshot) snapshot.Key {
			s.Namespaces = s.Namespaces[:len(s.Namespaces)-1] // sandbox
			return nsKey("sandbox")
		}, Config{Label: "team"}, false, -1},
		{"a namespace moved by the tenant label", func(s *snapshot.Snapshot) snapshot.Key {
			s.Namespaces[3].Labels = map[string]string{"team": "payments"} // search
			return nsKey("search")
		}, Config{Label: "team"}, false, -1},
		{"a namespace given the tenant label", func(s *snapshot.Snapshot) snapshot.Key {
			s.Namespaces[4].Labels = map[string]string{"team": "search"} // sandbox
			return nsKey("sandbox")
		}, Config{Label: "team"}, false, -1},
		{"a namespace relabelled beside the tenant label", func(s *snapshot.Snapshot) snapshot.Key {
			s.Namespaces[3].Labels = map[string]string{"team": "search", "tier": "gold"}
			return nsKey("search")
		}, Config{Label: "team"}, true, 0},
		{"a namespace relabelled, each namespace its own tenant", func(s *snapshot.Snapshot) snapshot.Key {
			s.Namespaces[3].Labels = map[string]string{"team": "payments"}
			return nsKey("search")
		}, Config{}, true, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := cluster()
			prev, err := Resolve(before, tc.cfg)
			if err != nil {
				t.Fatal(err)
			}
			after := cluster()
			key := tc.change(after)
			got, err := ResolveSince(prev, before, after, []snapshot.Key{key})
			if err != nil {
				t.Fatal(err)
			}
			want, err := Resolve(after, tc.cfg)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("ResolveSince gives %v, Resolve %v", assignment(got), assignment(want))
			}
			if kept := got == prev; kept != tc.keeps {
				t.Errorf("kept the tenancy before: %v, want %v", kept, tc.keeps)
			}
			if d := len(want.Tenants()) - len(prev.Tenants()); d != tc.tenants {
				t.Errorf("the change makes %+d tenants, want %+d: the case does not test what it says", d, tc.tenants)
			}
		})
	}
}
