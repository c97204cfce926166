package snapshot

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestOriginsOf(t *testing.T) {
	o := Origins{
		{"Pod", "a", "web"}:               {"pods.yaml", 3},
		{"Deployment", "a", "api"}:        {"deploy.yaml", 10},
		{"CronJob", "a", "backup"}:        {"jobs.yaml", 1},
		{"ClusterRole", "", "reader"}:     {"rbac.yaml", 20},
		{"Pod", "a", "deployment-shadow"}: {"pods.yaml", 40},
	}
	for _, tc := range []struct {
		name            string
		kind, ns, named string
		want            Origin
		ok              bool
	}{
		{"a pod as read", "Pod", "a", "web", Origin{"pods.yaml", 3}, true},
		{"cluster-scoped", "ClusterRole", "", "reader", Origin{"rbac.yaml", 20}, true},
		{"a representative pod is where its controller is", "Pod", "a", "deployment-api", Origin{"deploy.yaml", 10}, true},
		{"of a CronJob, not a Job", "Pod", "a", "cronjob-backup", Origin{"jobs.yaml", 1}, true},
		{"a real pod wins over a controller's name", "Pod", "a", "deployment-shadow", Origin{"pods.yaml", 40}, true},
		{"another namespace", "Pod", "b", "web", Origin{}, false},
		{"only pods stand for controllers", "Service", "a", "deployment-api", Origin{}, false},
		{"no such controller", "Pod", "a", "statefulset-api", Origin{}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := o.Of(tc.kind, tc.ns, tc.named)
			if got != tc.want || ok != tc.ok {
				t.Errorf("Of(%s, %s, %s) = %v, %v; want %v, %v", tc.kind, tc.ns, tc.named, got, ok, tc.want, tc.ok)
			}
		})
	}
	if _, ok := Origins(nil).Of("Pod", "a", "web"); ok {
		t.Error("a live snapshot (no origins) located an object")
	}
}

func TestOriginsUnder(t *testing.T) {
	o := Origins{{"Pod", "a", "web"}: {"seed-cluster/pods.yaml", 3}}
	got := o.Under("examples")
	if d := cmp.Diff(Origins{{"Pod", "a", "web"}: {"examples/seed-cluster/pods.yaml", 3}}, got); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
	if o[ObjectName{"Pod", "a", "web"}].File != "seed-cluster/pods.yaml" {
		t.Error("Under changed the origins it was called on")
	}
	if Origins(nil).Under("x") != nil {
		t.Error("no origins under a directory are some")
	}
}

func TestCloneSharesOrigins(t *testing.T) {
	s := &Snapshot{Origins: Origins{{"Pod", "a", "web"}: {"pods.yaml", 3}}}
	if at, ok := s.Clone().Origins.Of("Pod", "a", "web"); !ok || at.Line != 3 {
		t.Errorf("the clone lost where its objects were read: %v, %v", at, ok)
	}
	if at, ok := NewStore(s).View().Origins.Of("Pod", "a", "web"); !ok || at.Line != 3 {
		t.Errorf("the store's view lost where its objects were read: %v, %v", at, ok)
	}
}
