package tenancy

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
)

func ns(name string, labels map[string]string) corev1.Namespace {
	return corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels}}
}

func cluster() *snapshot.Snapshot {
	return &snapshot.Snapshot{
		Namespaces: []corev1.Namespace{
			ns("kube-system", nil),
			ns("pay-api", map[string]string{"team": "payments"}),
			ns("pay-db", map[string]string{"team": "payments"}),
			ns("search", map[string]string{"team": "search"}),
			ns("sandbox", nil),
		},
		// A pod in a namespace with no Namespace object still has a tenant.
		Pods: []corev1.Pod{{ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "orphan"}}},
	}
}

func assignment(t *Tenancy) map[string][]string {
	out := map[string][]string{}
	for _, x := range t.Tenants() {
		out[x.Name] = x.Namespaces
	}
	return out
}

func TestResolve(t *testing.T) {
	file, err := ParseFile([]byte(`
system: [kube-system, sandbox]
tenants:
- name: money
  namespaces: ["pay-*"]
- name: finders
  selector: {matchLabels: {team: search}}
`))
	if err != nil {
		t.Fatal(err)
	}
	platformFile, err := ParseFile([]byte(`
platform: [sandbox, orphan]
tenants:
- name: money
  namespaces: ["pay-*"]
`))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		cfg  Config
		want map[string][]string
	}{
		{"default", Config{}, map[string][]string{
			Cluster: {"kube-system"}, "orphan": {"orphan"}, "pay-api": {"pay-api"}, "pay-db": {"pay-db"}, "sandbox": {"sandbox"}, "search": {"search"},
		}},
		{"label", Config{Label: "team"}, map[string][]string{
			Cluster: {"kube-system"}, "orphan": {"orphan"}, "payments": {"pay-api", "pay-db"}, "sandbox": {"sandbox"}, "search": {"search"},
		}},
		{"file", Config{File: file}, map[string][]string{
			Cluster: {"kube-system", "sandbox"}, "money": {"pay-api", "pay-db"}, "finders": {"search"}, "orphan": {"orphan"},
		}},
		{"system override", Config{SystemNamespaces: []string{"search"}}, map[string][]string{
			Cluster: {"search"}, "kube-system": {"kube-system"}, "orphan": {"orphan"}, "pay-api": {"pay-api"}, "pay-db": {"pay-db"}, "sandbox": {"sandbox"},
		}},
		{"system added", Config{ExtraSystemNamespaces: []string{"search"}}, map[string][]string{
			Cluster: {"kube-system", "search"}, "orphan": {"orphan"}, "pay-api": {"pay-api"}, "pay-db": {"pay-db"}, "sandbox": {"sandbox"},
		}},
		{"system replaced and added", Config{SystemNamespaces: []string{"search"}, ExtraSystemNamespaces: []string{"sandbox"}}, map[string][]string{
			Cluster: {"sandbox", "search"}, "kube-system": {"kube-system"}, "orphan": {"orphan"}, "pay-api": {"pay-api"}, "pay-db": {"pay-db"},
		}},
		{"platform", Config{Label: "team", PlatformNamespaces: []string{"pay-*"}}, map[string][]string{
			Cluster: {"kube-system"}, Platform: {"pay-api", "pay-db"}, "orphan": {"orphan"}, "sandbox": {"sandbox"}, "search": {"search"},
		}},
		{"file system adds to the flags", Config{ExtraSystemNamespaces: []string{"orphan"}, File: file}, map[string][]string{
			Cluster: {"kube-system", "orphan", "sandbox"}, "money": {"pay-api", "pay-db"}, "finders": {"search"},
		}},
		{"file platform", Config{File: platformFile}, map[string][]string{
			Cluster: {"kube-system"}, Platform: {"orphan", "sandbox"}, "money": {"pay-api", "pay-db"}, "search": {"search"},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ten, err := Resolve(cluster(), tc.cfg)
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tc.want, assignment(ten)); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
			if ts := ten.Tenants(); !ts[0].System {
				t.Errorf("first tenant %q is not the cluster tenant", ts[0].Name)
			}
		})
	}
}

func TestOfUnknownNamespace(t *testing.T) {
	ten, err := Resolve(cluster(), Config{Label: "team"})
	if err != nil {
		t.Fatal(err)
	}
	if got := ten.Of("pay-db"); got != "payments" {
		t.Errorf("Of(pay-db) = %q", got)
	}
	if got := ten.Of("never-seen"); got != "never-seen" {
		t.Errorf("Of(never-seen) = %q", got)
	}
	if !ten.IsSystem("kube-system") || ten.IsSystem("search") {
		t.Error("IsSystem wrong")
	}
}

func TestParseFileErrors(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"tenants: [{namespaces: [a]}]", "name is required"},
		{"tenants: [{name: cluster, namespaces: [a]}]", "reserved"},
		{"tenants: [{name: a, namespaces: [x]}, {name: a, namespaces: [y]}]", "duplicate tenant"},
		{"tenants: [{name: a}]", "needs namespaces or a selector"},
		{"tenants: [{name: a, namespaces: ['[']}]", "bad namespace glob"},
		{"tenants: [{name: a, selector: {matchExpressions: [{key: k, operator: Nope}]}}]", "bad selector"},
		{"tenant: []", "unknown field"},
	} {
		_, err := ParseFile([]byte(tc.in))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ParseFile(%q) = %v, want error containing %q", tc.in, err, tc.want)
		}
	}
	if _, err := Resolve(cluster(), Config{Label: "bad key!"}); err == nil {
		t.Error("bad label key accepted")
	}
}

// TestNameCollisions: no tenant takes the cluster tenant's name, and a
// namespace that is a tenant of its own never merges into a grouped tenant
// of the same name.
func TestNameCollisions(t *testing.T) {
	snap := &snapshot.Snapshot{Namespaces: []corev1.Namespace{
		ns("kube-system", nil),
		ns("cluster", nil),
		ns("pay-a", map[string]string{"team": "payments"}),
		ns("payments", nil),
		ns("odd", map[string]string{"team": "cluster"}),
	}}
	ten, err := Resolve(snap, Config{Label: "team"})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{
		Cluster: {"kube-system"}, "ns:cluster": {"cluster"}, "payments": {"pay-a"}, "ns:payments": {"payments"}, "label:cluster": {"odd"},
	}
	if d := cmp.Diff(want, assignment(ten)); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
	if got := ten.Of("cluster"); got != "ns:cluster" {
		t.Errorf("Of(cluster) = %q", got)
	}
	def, err := Resolve(&snapshot.Snapshot{}, Config{})
	if err != nil {
		t.Fatal(err)
	}
	if got := def.Of("cluster"); got != "ns:cluster" {
		t.Errorf("Of(cluster) of an empty snapshot = %q", got)
	}
}
